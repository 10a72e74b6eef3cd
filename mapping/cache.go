package mapping

import (
	"bufio"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/specsql/specsql/openapi"
)

// The cache of parsed specs keeps each mapped provider as gob, one file
// per (provider name, source path). Reading Okta's 3.5 MB spec and
// resolving its references takes about 0.4 s; decoding the mapped provider
// takes a few milliseconds.
//
// An entry is used only when its format and the Go types it holds are
// today's, and every file it was made from (the spec, the files it refers
// to, a StackQL directory's services, an overlay) still has the content
// hash it had, and every file looked for and not found is still absent.
// Anything else, including an entry that fails to decode, is ignored and
// rewritten.
//
// Schemas form a graph with cycles (a User's manager is a User), which gob
// cannot encode: each schema is stored once in a table, with its
// subschemas replaced by their number in it.

// DefaultCacheDir is where the command line keeps the cache:
// $SPECSQL_CACHE_DIR, or specsql in the user's cache directory
// (~/.cache/specsql on Linux). SPECSQL_CACHE_DIR=off keeps none.
func DefaultCacheDir() string {
	if dir := os.Getenv("SPECSQL_CACHE_DIR"); dir != "" {
		if dir == "off" {
			return ""
		}
		return dir
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "specsql")
}

// cacheFormat versions the layout of entries; bump it when their meaning
// changes without their Go types changing.
const cacheFormat = 1

type cacheHeader struct {
	Format int
	Types  string
	Name   string
	Path   string
	Inputs []input
}

type cacheBody struct {
	Provider cachedProvider
	// Zeros puts back in Provider what gob leaves out.
	Zeros   []zeroFix
	Schemas []cachedSchema
}

type cachedProvider struct {
	Source     string
	Auth       Auth
	Pagination Pagination
	Hosts      Hosts
	Services   []cachedService
	Warnings   []Warning
}

type cachedService struct {
	Name      string
	Resources []cachedResource
}

type cachedResource struct {
	Name    string
	Columns []Column
	Methods []cachedMethod
}

type cachedMethod struct {
	Name, Verb, Summary, Description string
	Params                           []Param
	Body, Item                       int // schema numbers, 0 for none
	Rows                             RowShape
	RowsKey                          []string
	ScalarRows                       bool
	Operation                        cachedOperation
}

type cachedOperation struct {
	Method, Path, ID, Summary, Description string
	Tags                                   []string
	Parameters                             []cachedParameter
	RequestBody                            int
	RequestBodyRequired                    bool
	SuccessStatus                          int
	Response                               int
	Servers                                []openapi.Server
	Extensions                             []byte // JSON
}

type cachedParameter struct {
	Name, In, Description string
	Required              bool
	Schema                int
}

// cachedSchema is one schema: Node holds its typed fields, its subschemas
// as references whose Ref is "<number> <original $ref>"; Extras holds, as
// JSON, the fields of types gob cannot carry (any).
type cachedSchema struct {
	Node   openapi3.Schema
	Zeros  []zeroFix
	Extras []byte
}

type schemaExtras struct {
	Extensions    map[string]any          `json:"extensions,omitempty"`
	Enum          []any                   `json:"enum,omitempty"`
	Default       any                     `json:"default,omitempty"`
	Example       any                     `json:"example,omitempty"`
	Const         any                     `json:"const,omitempty"`
	Examples      []any                   `json:"examples,omitempty"`
	Discriminator *openapi3.Discriminator `json:"discriminator,omitempty"`
	XML           *openapi3.XML           `json:"xml,omitempty"`
	ExternalDocs  *openapi3.ExternalDocs  `json:"externalDocs,omitempty"`
}

// cacheTypes fingerprints the Go types an entry holds, kin-openapi's
// Schema among them, so that an upgrade that changes them invalidates
// entries instead of decoding them wrongly.
var cacheTypes = sync.OnceValue(func() string {
	var b strings.Builder
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		b.WriteString(t.String())
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(t.Elem())
		case reflect.Map:
			walk(t.Key())
			walk(t.Elem())
		case reflect.Struct:
			if seen[t] {
				return
			}
			seen[t] = true
			b.WriteString("{")
			for i := range t.NumField() {
				f := t.Field(i)
				if f.IsExported() {
					b.WriteString(f.Name + " ")
					walk(f.Type)
					b.WriteString(";")
				}
			}
			b.WriteString("}")
		}
	}
	walk(reflect.TypeOf(cacheHeader{}))
	walk(reflect.TypeOf(cacheBody{}))
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:8])
})

// cachePath is the entry for a provider name and source path.
func cachePath(dir, name, path string) (string, string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", "", err
	}
	sum := sha256.Sum256([]byte(name + "\x00" + abs))
	return filepath.Join(dir, hex.EncodeToString(sum[:16])+".gob"), abs, nil
}

// readCache returns the cached provider for name and path; ok is false
// when there is none that is current.
func readCache(dir, name, path string) (p *Provider, ws []Warning, ok bool) {
	file, abs, err := cachePath(dir, name, path)
	if err != nil {
		return nil, nil, false
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, nil, false
	}
	defer f.Close()
	dec := gob.NewDecoder(bufio.NewReader(f))
	var h cacheHeader
	if err := dec.Decode(&h); err != nil {
		return nil, nil, false
	}
	if h.Format != cacheFormat || h.Types != cacheTypes() || h.Name != name || h.Path != abs || !unchanged(h.Inputs) {
		return nil, nil, false
	}
	var body cacheBody
	if err := dec.Decode(&body); err != nil {
		return nil, nil, false
	}
	p, err = body.provider(name)
	if err != nil {
		return nil, nil, false
	}
	return p, body.Provider.Warnings, true
}

// writeCache stores a provider; the entry appears whole or not at all.
func writeCache(dir, name, path string, in *inputs, p *Provider, ws []Warning) error {
	file, abs, err := cachePath(dir, name, path)
	if err != nil {
		return err
	}
	body, err := newCacheBody(p, ws)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".entry-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	enc := gob.NewEncoder(w)
	h := cacheHeader{Format: cacheFormat, Types: cacheTypes(), Name: name, Path: abs, Inputs: in.files}
	if err := errors.Join(enc.Encode(h), enc.Encode(body), w.Flush(), tmp.Close()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}

// schemaTable numbers the schemas of a provider, from 1.
type schemaTable struct {
	ids  map[*openapi3.Schema]int
	list []*openapi3.Schema
}

func (t *schemaTable) id(s *openapi3.Schema) int {
	if s == nil {
		return 0
	}
	if id, ok := t.ids[s]; ok {
		return id
	}
	t.list = append(t.list, s)
	t.ids[s] = len(t.list)
	return len(t.list)
}

func newCacheBody(p *Provider, ws []Warning) (*cacheBody, error) {
	t := &schemaTable{ids: map[*openapi3.Schema]int{}}
	body := &cacheBody{
		Provider: cachedProvider{Source: p.Source, Auth: p.Auth, Pagination: p.Pagination, Hosts: p.Hosts, Warnings: ws},
	}
	for _, s := range p.Services {
		cs := cachedService{Name: s.Name}
		for _, r := range s.Resources {
			cr := cachedResource{Name: r.Name, Columns: r.Columns}
			for _, m := range r.Methods {
				op := m.Operation
				co := cachedOperation{
					Method: op.Method, Path: op.Path, ID: op.ID, Summary: op.Summary, Description: op.Description,
					Tags: op.Tags, RequestBody: t.id(op.RequestBody), RequestBodyRequired: op.RequestBodyRequired,
					SuccessStatus: op.SuccessStatus, Response: t.id(op.Response), Servers: op.Servers,
				}
				for _, prm := range op.Parameters {
					co.Parameters = append(co.Parameters, cachedParameter{
						Name: prm.Name, In: prm.In, Description: prm.Description, Required: prm.Required, Schema: t.id(prm.Schema),
					})
				}
				if len(op.Extensions) > 0 {
					ext, err := json.Marshal(op.Extensions)
					if err != nil {
						return nil, err
					}
					co.Extensions = ext
				}
				cr.Methods = append(cr.Methods, cachedMethod{
					Name: m.Name, Verb: m.Verb, Summary: m.Summary, Description: m.Description, Params: m.Params,
					Body: t.id(m.Body), Item: t.id(m.Item), Rows: m.Rows, RowsKey: m.RowsKey, ScalarRows: m.ScalarRows, Operation: co,
				})
			}
			cs.Resources = append(cs.Resources, cr)
		}
		body.Provider.Services = append(body.Provider.Services, cs)
	}
	findZeros(reflect.ValueOf(body.Provider), nil, &body.Zeros)
	// The table grows as subschemas are numbered.
	for i := 0; i < len(t.list); i++ {
		s := t.list[i]
		node := *s
		node.Origin = nil
		extras := schemaExtras{
			Extensions: s.Extensions, Enum: s.Enum, Default: s.Default, Example: s.Example, Const: s.Const,
			Examples: s.Examples, Discriminator: s.Discriminator, XML: s.XML, ExternalDocs: s.ExternalDocs,
		}
		node.Extensions, node.Enum, node.Default, node.Example, node.Const = nil, nil, nil, nil, nil
		node.Examples, node.Discriminator, node.XML, node.ExternalDocs = nil, nil, nil, nil
		eachChild(&node, func(ref *openapi3.SchemaRef) *openapi3.SchemaRef {
			return &openapi3.SchemaRef{Ref: strconv.Itoa(t.id(ref.Value)) + " " + ref.Ref}
		})
		cs := cachedSchema{Node: node}
		findZeros(reflect.ValueOf(node), nil, &cs.Zeros)
		if !reflect.ValueOf(extras).IsZero() {
			data, err := json.Marshal(extras)
			if err != nil {
				return nil, err
			}
			cs.Extras = data
		}
		body.Schemas = append(body.Schemas, cs)
	}
	return body, nil
}

// provider rebuilds the provider an entry holds.
func (body *cacheBody) provider(name string) (*Provider, error) {
	schemas := make([]*openapi3.Schema, len(body.Schemas))
	for i := range body.Schemas {
		schemas[i] = &body.Schemas[i].Node
	}
	var bad error
	schema := func(id int) *openapi3.Schema {
		if id < 0 || id > len(schemas) {
			bad = fmt.Errorf("schema %d of %d", id, len(schemas))
			return nil
		}
		if id == 0 {
			return nil
		}
		return schemas[id-1]
	}
	for i, s := range schemas {
		if err := applyZeros(reflect.ValueOf(s).Elem(), body.Schemas[i].Zeros); err != nil {
			return nil, err
		}
		if extras := body.Schemas[i].Extras; extras != nil {
			var x schemaExtras
			if err := json.Unmarshal(extras, &x); err != nil {
				return nil, err
			}
			s.Extensions, s.Enum, s.Default, s.Example, s.Const = x.Extensions, x.Enum, x.Default, x.Example, x.Const
			s.Examples, s.Discriminator, s.XML, s.ExternalDocs = x.Examples, x.Discriminator, x.XML, x.ExternalDocs
		}
		eachChild(s, func(ref *openapi3.SchemaRef) *openapi3.SchemaRef {
			num, orig, _ := strings.Cut(ref.Ref, " ")
			id, err := strconv.Atoi(num)
			if err != nil {
				bad = err
			}
			return &openapi3.SchemaRef{Ref: orig, Value: schema(id)}
		})
	}
	if err := applyZeros(reflect.ValueOf(&body.Provider).Elem(), body.Zeros); err != nil {
		return nil, err
	}
	cp := body.Provider
	p := &Provider{Name: name, Source: cp.Source, Auth: cp.Auth, Pagination: cp.Pagination, Hosts: cp.Hosts}
	for _, cs := range cp.Services {
		s := &Service{Name: cs.Name, Provider: p}
		for _, cr := range cs.Resources {
			r := &Resource{Name: cr.Name, Service: s, Columns: cr.Columns}
			for _, cm := range cr.Methods {
				co := cm.Operation
				op := &openapi.Operation{
					Method: co.Method, Path: co.Path, ID: co.ID, Summary: co.Summary, Description: co.Description,
					Tags: co.Tags, RequestBody: schema(co.RequestBody), RequestBodyRequired: co.RequestBodyRequired,
					SuccessStatus: co.SuccessStatus, Response: schema(co.Response), Servers: co.Servers,
				}
				for _, prm := range co.Parameters {
					op.Parameters = append(op.Parameters, &openapi.Parameter{
						Name: prm.Name, In: prm.In, Description: prm.Description, Required: prm.Required, Schema: schema(prm.Schema),
					})
				}
				if co.Extensions != nil {
					if err := json.Unmarshal(co.Extensions, &op.Extensions); err != nil {
						return nil, err
					}
				}
				r.Methods = append(r.Methods, &Method{
					Name: cm.Name, Verb: cm.Verb, Summary: cm.Summary, Description: cm.Description, Resource: r,
					Operation: op, Params: cm.Params, Body: schema(cm.Body), Rows: cm.Rows, RowsKey: cm.RowsKey, ScalarRows: cm.ScalarRows,
					Item: schema(cm.Item),
				})
			}
			s.Resources = append(s.Resources, r)
		}
		p.Services = append(p.Services, s)
	}
	if bad != nil {
		return nil, fmt.Errorf("corrupt cache entry: %w", bad)
	}
	return p, nil
}

// eachChild replaces every subschema reference of s by f's result, in a
// fixed order. New slices and maps hold them, so that a shallow copy
// leaves its original untouched. f is not called for absent references.
func eachChild(s *openapi3.Schema, f func(*openapi3.SchemaRef) *openapi3.SchemaRef) {
	one := func(ref *openapi3.SchemaRef) *openapi3.SchemaRef {
		if ref == nil {
			return nil
		}
		return f(ref)
	}
	list := func(refs openapi3.SchemaRefs) openapi3.SchemaRefs {
		if refs == nil {
			return nil
		}
		out := make(openapi3.SchemaRefs, len(refs))
		for i, r := range refs {
			out[i] = one(r)
		}
		return out
	}
	// In name order, so that schemas are numbered alike each time.
	named := func(refs openapi3.Schemas) openapi3.Schemas {
		if refs == nil {
			return nil
		}
		out := make(openapi3.Schemas, len(refs))
		for _, k := range slices.Sorted(maps.Keys(refs)) {
			out[k] = one(refs[k])
		}
		return out
	}
	s.OneOf, s.AnyOf, s.AllOf, s.PrefixItems = list(s.OneOf), list(s.AnyOf), list(s.AllOf), list(s.PrefixItems)
	s.Not, s.Items, s.Contains, s.PropertyNames = one(s.Not), one(s.Items), one(s.Contains), one(s.PropertyNames)
	s.If, s.Then, s.Else, s.ContentSchema = one(s.If), one(s.Then), one(s.Else), one(s.ContentSchema)
	s.Properties, s.PatternProperties = named(s.Properties), named(s.PatternProperties)
	s.DependentSchemas, s.Defs = named(s.DependentSchemas), named(s.Defs)
	s.AdditionalProperties.Schema = one(s.AdditionalProperties.Schema)
	s.UnevaluatedItems.Schema = one(s.UnevaluatedItems.Schema)
	s.UnevaluatedProperties.Schema = one(s.UnevaluatedProperties.Schema)
}

// gob leaves out zero values: a pointer to false or 0 arrives as nil, and
// an empty slice or map as nil. In a schema these differ
// (additionalProperties: false, minimum: 0), so each entry records where
// they were, to put them back after decoding.
type zeroFix struct {
	Path  []int // field and element indices from the root
	Empty bool  // an empty slice or map; else a pointer to a zero value
}

// findZeros records the zeros gob would lose in v. Map values are not
// searched: the maps cached hold subschema references, never zeros.
func findZeros(v reflect.Value, path []int, out *[]zeroFix) {
	at := func() []int { return append([]int(nil), path...) }
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if gobZero(v.Elem()) {
			*out = append(*out, zeroFix{Path: at()})
		}
		findZeros(v.Elem(), path, out)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				findZeros(v.Field(i), append(path, i), out)
			}
		}
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		if v.Len() == 0 {
			*out = append(*out, zeroFix{Path: at(), Empty: true})
		}
		for i := range v.Len() {
			findZeros(v.Index(i), append(path, i), out)
		}
	case reflect.Map:
		if !v.IsNil() && v.Len() == 0 {
			*out = append(*out, zeroFix{Path: at(), Empty: true})
		}
	}
}

// gobZero reports whether gob leaves v out.
func gobZero(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Slice, reflect.Map, reflect.String:
		return v.Len() == 0
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && !gobZero(v.Field(i)) {
				return false
			}
		}
		return true
	}
	return v.IsZero()
}

// applyZeros puts back the zeros findZeros recorded, in order: a pointer
// before the empty slice it points to.
func applyZeros(root reflect.Value, fixes []zeroFix) error {
	for _, f := range fixes {
		v := root
		for _, i := range f.Path {
			for v.Kind() == reflect.Pointer && !v.IsNil() {
				v = v.Elem()
			}
			switch {
			case v.Kind() == reflect.Struct && i >= 0 && i < v.NumField():
				v = v.Field(i)
			case v.Kind() == reflect.Slice && i >= 0 && i < v.Len():
				v = v.Index(i)
			default:
				return fmt.Errorf("corrupt cache entry: no value at %v", f.Path)
			}
		}
		switch {
		case !f.Empty && v.Kind() == reflect.Pointer:
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
		case f.Empty:
			for v.Kind() == reflect.Pointer && !v.IsNil() {
				v = v.Elem()
			}
			switch v.Kind() {
			case reflect.Slice:
				v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			case reflect.Map:
				v.Set(reflect.MakeMap(v.Type()))
			default:
				return fmt.Errorf("corrupt cache entry: %v is not a slice or map", f.Path)
			}
		default:
			return fmt.Errorf("corrupt cache entry: %v is not a pointer", f.Path)
		}
	}
	return nil
}
