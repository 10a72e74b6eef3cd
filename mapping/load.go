package mapping

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/specsql/specsql/openapi"
)

// LoadOptions tune Load.
type LoadOptions struct {
	// CacheDir keeps mapped providers between runs, so that a large spec is
	// parsed once; "" keeps none.
	CacheDir string
}

// Load maps the provider at path and names it name. path is one of:
//
//   - an OpenAPI 3 document, YAML or JSON. Operations carrying
//     x-specsql-resource are mapped as they say; a document with StackQL's
//     components.x-stackQL-resources is mapped as StackQL would; any other
//     document is mapped by inference (see infer.go);
//   - a StackQL provider directory, or its provider.yaml;
//   - an overlay (see overlay.go), which names one of the above.
//
// Problems that leave the provider usable, such as a spec failing OpenAPI
// validation or an operation that cannot be mapped, are returned as
// warnings.
func Load(name, path string, opts LoadOptions) (*Provider, []Warning, error) {
	if !providerName.MatchString(name) {
		return nil, nil, fmt.Errorf("provider name %q: use letters, digits and underscores, starting with a letter, e.g. okta or hr", name)
	}
	if opts.CacheDir != "" {
		if p, ws, ok := readCache(opts.CacheDir, name, path); ok {
			return p, ws, nil
		}
	}
	in := &inputs{}
	p, ws, err := load(name, path, in)
	if err != nil {
		return nil, nil, err
	}
	if opts.CacheDir != "" {
		// The cache only saves time: a failure to write it changes no result.
		_ = writeCache(opts.CacheDir, name, path, in, p, ws)
	}
	return p, ws, nil
}

func load(name, path string, in *inputs) (*Provider, []Warning, error) {
	w := &warnings{}
	kind, data, err := sniff(path, in)
	if err != nil {
		return nil, nil, err
	}
	var ov *overlay
	if kind == sourceOverlay {
		if ov, err = parseOverlay(path, data); err != nil {
			return nil, nil, err
		}
		if kind, data, err = sniff(ov.Spec, in); err != nil {
			return nil, nil, fmt.Errorf("overlay %s: spec: %w", path, err)
		}
		if kind == sourceOverlay {
			return nil, nil, fmt.Errorf("overlay %s: spec %s is an overlay too; name the OpenAPI document or StackQL directory itself", path, ov.Spec)
		}
		path = ov.Spec
	}
	var p *Provider
	switch kind {
	case sourceStackQLDir:
		p, err = readStackQLDir(path, in, w)
	case sourceStackQLManifest:
		p, err = readStackQLDir(filepath.Dir(path), in, w)
	default:
		p, err = fromDocumentFile(name, path, data, in, w)
	}
	if err != nil {
		return nil, nil, err
	}
	p.Name = name
	if ov != nil {
		if err := ov.apply(p); err != nil {
			return nil, nil, err
		}
		p.Source = ov.path
	}
	for _, s := range p.Services {
		for _, r := range s.Resources {
			r.finish()
		}
	}
	ws := w.result()
	if len(p.Services) == 0 {
		msg := fmt.Sprintf("%s maps to no tables", p.Source)
		for _, warning := range ws {
			msg += "\n  " + warning.String()
		}
		return nil, nil, errors.New(msg)
	}
	return p, ws, nil
}

// fromDocumentFile maps one OpenAPI document by whichever way it asks for.
func fromDocumentFile(name, path string, data []byte, in *inputs, w *warnings) (*Provider, error) {
	doc, err := openapi.LoadFileData(path, data)
	if err != nil {
		return nil, err
	}
	in.add(doc.Files[1:])
	checkDocument(doc, w)
	switch {
	case hasSpecsqlExtensions(doc):
		return FromDocument(doc, name)
	case isStackQLDoc(doc):
		return readStackQLDoc(doc, w)
	}
	return inferProvider(doc, name, w)
}

func hasSpecsqlExtensions(doc *openapi.Document) bool {
	if _, ok := doc.Extension(ExtProvider); ok {
		return true
	}
	for _, op := range doc.Operations() {
		if _, ok := op.Extensions[ExtResource]; ok {
			return true
		}
	}
	return false
}

// checkDocument reports a document that does not pass validation. Specs
// in the wild often fail it somewhere that changes nothing for the tables
// (Okta's does), so it is a warning, with the first problem only.
func checkDocument(doc *openapi.Document, w *warnings) {
	if err := doc.ValidateLeniently(context.Background()); err != nil {
		first, _, _ := strings.Cut(err.Error(), "\n")
		w.add(doc.Location, "does not pass OpenAPI validation, loaded anyway; the first problem: %s", first)
	}
}

// Kinds of source a path can name.
const (
	sourceOpenAPI = iota
	sourceStackQLDir
	sourceStackQLManifest
	sourceOverlay
)

var (
	providerName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	yamlTopKey   = regexp.MustCompile(`^["']?(openapi|swagger|providerServices|spec)["']?[ \t]*:`)
	jsonKey      = regexp.MustCompile(`"(openapi|swagger|providerServices|spec)"\s*:`)
)

// topKey returns the first top-level key of a YAML or JSON file that tells
// what it is: openapi, swagger, providerServices or spec. Each kind has
// one and not the others, and it comes early, so the scan stops there.
func topKey(data []byte) string {
	if bytes.HasPrefix(bytes.TrimSpace(data[:min(len(data), 64)]), []byte("{")) {
		// JSON puts "openapi" first in practice; nested keys come later.
		if m := jsonKey.FindSubmatch(data); m != nil {
			return string(m[1])
		}
		return ""
	}
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		if m := yamlTopKey.FindSubmatch(line); m != nil {
			return string(m[1])
		}
	}
	return ""
}

// sniff tells what path is, by its top-level keys, and returns its content.
func sniff(path string, in *inputs) (int, []byte, error) {
	const what = "give an OpenAPI 3 document (YAML or JSON), a StackQL provider directory or an overlay"
	info, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return 0, nil, fmt.Errorf("%s does not exist; %s", path, what)
		}
		return 0, nil, err
	}
	if info.IsDir() {
		if _, err := os.Stat(filepath.Join(path, stackQLManifest)); err != nil {
			return 0, nil, fmt.Errorf("%s is a directory without %s; %s", path, stackQLManifest, what)
		}
		return sourceStackQLDir, nil, nil
	}
	data, err := in.read(path)
	if err != nil {
		return 0, nil, err
	}
	switch topKey(data) {
	case "openapi":
		return sourceOpenAPI, data, nil
	case "swagger":
		return 0, nil, fmt.Errorf("%s is a Swagger 2.0 document; specsql reads OpenAPI 3: convert it first (e.g. with swagger2openapi)", path)
	case "providerServices":
		return sourceStackQLManifest, data, nil
	case "spec":
		return sourceOverlay, data, nil
	}
	return 0, nil, fmt.Errorf("%s has no openapi, providerServices or spec key at the top; %s", path, what)
}

// inputs records the files a provider was loaded from, and the files it
// looked for and did not find, so that the cache can tell when one
// changed or appeared.
type inputs struct {
	files []input
	seen  map[string][]byte
}

type input struct {
	Path   string
	SHA256 [32]byte
	Absent bool
}

func (in *inputs) record(path string, data []byte, absent bool) {
	f := input{Path: path, Absent: absent}
	if !absent {
		f.SHA256 = sha256.Sum256(data)
	}
	in.files = append(in.files, f)
}

// read reads a file once, however often it is asked for.
func (in *inputs) read(path string) ([]byte, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if data, ok := in.seen[abs]; ok {
		return data, nil
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, err
	}
	if in.seen == nil {
		in.seen = map[string][]byte{}
	}
	in.seen[abs] = data
	in.record(abs, data, false)
	return data, nil
}

// readFirst reads the first of paths that exists; ok is false when none
// does.
func (in *inputs) readFirst(paths []string) (path string, data []byte, ok bool, err error) {
	for _, p := range paths {
		data, err := in.read(p)
		if errors.Is(err, fs.ErrNotExist) {
			abs, _ := filepath.Abs(p)
			in.record(abs, nil, true)
			continue
		}
		if err != nil {
			return "", nil, false, err
		}
		return p, data, true, nil
	}
	return "", nil, false, nil
}

// add records files a document referred to.
func (in *inputs) add(files []openapi.File) {
	for _, f := range files {
		in.files = append(in.files, input{Path: f.Path, SHA256: f.SHA256})
	}
}

// unchanged reports whether every input still reads as recorded.
func unchanged(files []input) bool {
	for _, f := range files {
		data, err := os.ReadFile(f.Path)
		switch {
		case f.Absent:
			if !errors.Is(err, fs.ErrNotExist) {
				return false
			}
		case err != nil || sha256.Sum256(data) != f.SHA256:
			return false
		}
	}
	return true
}
