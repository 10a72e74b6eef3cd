// Package openapi loads OpenAPI 3 documents with kin-openapi and presents
// their operations in the shape the mapping needs: parameters merged from the
// path item and the operation, JSON request and response schemas, servers.
package openapi

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Document is a loaded OpenAPI 3 document.
type Document struct {
	T *openapi3.T
	// Location names where the document came from, for error messages.
	Location string
	// Files are the files read to load it, the document's own first, so
	// that a cache of what was made from them can tell when one changed.
	Files []File
}

// File is a file a document was read from, with a digest of its content.
type File struct {
	Path   string
	SHA256 [32]byte
}

// LoadFile reads and resolves an OpenAPI document from disk. References to
// other files are followed; URLs are not fetched, since loading a spec must
// make no network calls.
func LoadFile(path string) (*Document, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read OpenAPI document: %w", err)
	}
	return LoadFileData(path, data)
}

// LoadFileData resolves a document already read from path: references to
// other files are relative to it.
func LoadFileData(path string, data []byte) (*Document, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	files := []File{{Path: abs, SHA256: sha256.Sum256(data)}}
	loader := openapi3.NewLoader()
	loader.Context = context.Background()
	loader.ReadFromURIFunc = func(_ *openapi3.Loader, location *url.URL) ([]byte, error) {
		if location.Scheme != "" || location.Host != "" {
			return nil, fmt.Errorf("%s: specsql does not fetch references over the network; download the file and refer to it by a relative path", location.Redacted())
		}
		p := filepath.FromSlash(location.Path)
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Path: p, SHA256: sha256.Sum256(data)})
		return data, nil
	}
	t, err := loader.LoadFromDataWithPath(data, &url.URL{Path: filepath.ToSlash(abs)})
	if err != nil {
		return nil, fmt.Errorf("load OpenAPI document %s: %w", abs, err)
	}
	return &Document{T: t, Location: abs, Files: files}, nil
}

// Load parses and resolves an OpenAPI document held in memory (an embedded
// spec). It may not reference other files.
func Load(data []byte, location string) (*Document, error) {
	t, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load OpenAPI document %s: %w", location, err)
	}
	return &Document{T: t, Location: location}, nil
}

// Validate checks the document against the OpenAPI 3 rules.
func (d *Document) Validate(ctx context.Context) error {
	return d.T.Validate(ctx)
}

// ValidateLeniently checks the document as Validate does, except for
// examples and defaults: specsql reads neither, and published specs often
// get them wrong (Okta's does).
func (d *Document) ValidateLeniently(ctx context.Context) error {
	return d.T.Validate(ctx, openapi3.DisableExamplesValidation(), openapi3.DisableSchemaDefaultsValidation())
}

// Response returns the JSON schema an operation declares for a response
// status ("200", "2XX", "default"); found is false when the operation or
// the status is not declared, and the schema is nil for a response
// without JSON content.
func (d *Document) Response(path, method, status string) (schema *openapi3.Schema, found bool) {
	if d.T.Paths == nil {
		return nil, false
	}
	item := d.T.Paths.Value(path)
	if item == nil {
		return nil, false
	}
	op := item.GetOperation(strings.ToUpper(method))
	if op == nil || op.Responses == nil {
		return nil, false
	}
	ref := op.Responses.Value(status)
	if ref == nil {
		return nil, false
	}
	if ref.Value != nil {
		if mt := jsonMediaType(ref.Value.Content); mt != nil && mt.Schema != nil {
			schema = mt.Schema.Value
		}
	}
	return schema, true
}

// Extension returns the root-level extension value named key, if present.
func (d *Document) Extension(key string) (any, bool) {
	v, ok := d.T.Extensions[key]
	return v, ok
}

// methodOrder lists HTTP methods in the order operations of one path are
// presented, so that output never depends on map iteration.
var methodOrder = []string{"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"}

// Operations returns every operation of the document, ordered by path and
// then by HTTP method.
func (d *Document) Operations() []*Operation {
	if d.T.Paths == nil {
		return nil
	}
	paths := d.T.Paths.Keys()
	sort.Strings(paths)
	var ops []*Operation
	for _, path := range paths {
		item := d.T.Paths.Value(path)
		if item == nil {
			continue
		}
		for _, method := range methodOrder {
			op := item.GetOperation(method)
			if op == nil {
				continue
			}
			ops = append(ops, newOperation(d, path, method, item, op))
		}
	}
	return ops
}
