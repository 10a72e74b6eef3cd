// Package openapi loads OpenAPI 3 documents with kin-openapi and presents
// their operations in the shape the mapping needs: parameters merged from the
// path item and the operation, JSON request and response schemas, servers.
package openapi

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"

	"github.com/getkin/kin-openapi/openapi3"
)

// Document is a loaded OpenAPI 3 document.
type Document struct {
	T *openapi3.T
	// Location names where the document came from, for error messages.
	Location string
}

// LoadFile reads and resolves an OpenAPI document from disk. References to
// other files next to it are followed; URLs are not fetched.
func LoadFile(path string) (*Document, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read OpenAPI document: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	return load(data, abs, true)
}

// Load parses and resolves an OpenAPI document held in memory (an embedded
// spec). It may not reference other files.
func Load(data []byte, location string) (*Document, error) {
	return load(data, location, false)
}

func load(data []byte, location string, allowFiles bool) (*Document, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = allowFiles
	loader.Context = context.Background()
	var (
		t   *openapi3.T
		err error
	)
	if allowFiles {
		t, err = loader.LoadFromDataWithPath(data, &url.URL{Path: filepath.ToSlash(location)})
	} else {
		t, err = loader.LoadFromData(data)
	}
	if err != nil {
		return nil, fmt.Errorf("load OpenAPI document %s: %w", location, err)
	}
	return &Document{T: t, Location: location}, nil
}

// Validate checks the document against the OpenAPI 3 rules.
func (d *Document) Validate(ctx context.Context) error {
	return d.T.Validate(ctx)
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
