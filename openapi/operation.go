package openapi

import (
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Operation is one HTTP operation of a document with everything a caller of
// it needs to know.
type Operation struct {
	Method      string
	Path        string
	ID          string
	Summary     string
	Description string
	Tags        []string
	// Parameters merges the path item's parameters with the operation's own;
	// the operation's declaration wins for the same name and location.
	Parameters []*Parameter
	// RequestBody is the JSON request body schema, or nil.
	RequestBody *openapi3.Schema
	// RequestBodyRequired reports whether the document requires a body.
	RequestBodyRequired bool
	// SuccessStatus is the lowest 2xx status the operation declares.
	SuccessStatus int
	// Response is the JSON schema of the success response, or nil when the
	// operation returns no content (204).
	Response   *openapi3.Schema
	Servers    []Server
	Extensions map[string]any
}

// Parameter is a path, query, header or cookie parameter.
type Parameter struct {
	Name        string
	In          string
	Description string
	Required    bool
	Schema      *openapi3.Schema
}

// Server is a server URL template and its variables.
type Server struct {
	URL         string
	Description string
	Variables   []ServerVariable
}

// ServerVariable is a variable of a server URL template such as {subdomain}.
type ServerVariable struct {
	Name        string
	Default     string
	Description string
	Enum        []string
}

func newOperation(d *Document, path, method string, item *openapi3.PathItem, op *openapi3.Operation) *Operation {
	o := &Operation{
		Method:      method,
		Path:        path,
		ID:          op.OperationID,
		Summary:     op.Summary,
		Description: op.Description,
		Tags:        op.Tags,
		Parameters:  mergeParameters(item.Parameters, op.Parameters),
		Extensions:  op.Extensions,
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		o.RequestBodyRequired = op.RequestBody.Value.Required
		if mt := jsonMediaType(op.RequestBody.Value.Content); mt != nil && mt.Schema != nil {
			o.RequestBody = mt.Schema.Value
		}
	}
	o.SuccessStatus, o.Response = successResponse(op.Responses)
	switch {
	case op.Servers != nil && len(*op.Servers) > 0:
		o.Servers = ConvertServers(*op.Servers)
	case len(item.Servers) > 0:
		o.Servers = ConvertServers(item.Servers)
	default:
		o.Servers = ConvertServers(d.T.Servers)
	}
	return o
}

func mergeParameters(pathLevel, opLevel openapi3.Parameters) []*Parameter {
	type key struct{ name, in string }
	var out []*Parameter
	index := map[key]int{}
	add := func(refs openapi3.Parameters) {
		for _, ref := range refs {
			if ref == nil || ref.Value == nil {
				continue
			}
			p := ref.Value
			param := &Parameter{
				Name:        p.Name,
				In:          p.In,
				Description: p.Description,
				Required:    p.Required || p.In == openapi3.ParameterInPath,
			}
			if p.Schema != nil {
				param.Schema = p.Schema.Value
			}
			k := key{p.Name, p.In}
			if i, ok := index[k]; ok {
				out[i] = param
				continue
			}
			index[k] = len(out)
			out = append(out, param)
		}
	}
	add(pathLevel)
	add(opLevel)
	return out
}

func jsonMediaType(content openapi3.Content) *openapi3.MediaType {
	if content == nil {
		return nil
	}
	if mt := content.Get("application/json"); mt != nil {
		return mt
	}
	keys := make([]string, 0, len(content))
	for k := range content {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.Contains(k, "json") {
			return content[k]
		}
	}
	return nil
}

func successResponse(responses *openapi3.Responses) (int, *openapi3.Schema) {
	if responses == nil {
		return 0, nil
	}
	best := 0
	var schema *openapi3.Schema
	for code, ref := range responses.Map() {
		status, err := strconv.Atoi(code)
		if err != nil || status < 200 || status > 299 {
			continue
		}
		if best != 0 && status > best {
			continue
		}
		best = status
		schema = nil
		if ref != nil && ref.Value != nil {
			if mt := jsonMediaType(ref.Value.Content); mt != nil && mt.Schema != nil {
				schema = mt.Schema.Value
			}
		}
	}
	return best, schema
}

// ConvertServers presents a document's server objects, each with its
// variables in the order they appear in its URL template.
func ConvertServers(servers openapi3.Servers) []Server {
	out := make([]Server, 0, len(servers))
	for _, s := range servers {
		if s == nil {
			continue
		}
		srv := Server{URL: s.URL, Description: s.Description}
		names := make([]string, 0, len(s.Variables))
		for name := range s.Variables {
			names = append(names, name)
		}
		// Variables keep the order they appear in the URL template.
		sort.Slice(names, func(i, j int) bool {
			return strings.Index(s.URL, "{"+names[i]+"}") < strings.Index(s.URL, "{"+names[j]+"}")
		})
		for _, name := range names {
			v := s.Variables[name]
			srv.Variables = append(srv.Variables, ServerVariable{
				Name: name, Default: v.Default, Description: v.Description, Enum: v.Enum,
			})
		}
		out = append(out, srv)
	}
	return out
}

// SchemaType returns the single JSON type of a schema, looking through allOf
// when the schema itself declares none. It returns "" for an untyped schema.
func SchemaType(s *openapi3.Schema) string {
	if s == nil {
		return ""
	}
	if s.Type != nil {
		for _, t := range s.Type.Slice() {
			if t != openapi3.TypeNull {
				return t
			}
		}
	}
	for _, ref := range s.AllOf {
		if ref != nil {
			if t := SchemaType(ref.Value); t != "" {
				return t
			}
		}
	}
	if len(s.Properties) > 0 {
		return openapi3.TypeObject
	}
	return ""
}

// Properties returns the properties an object of the schema may have: its
// own and its allOf members' (a property declared later overrides an
// earlier one), then those of its oneOf and anyOf alternatives not declared
// already (a value is one of them, so a table of such values has a column
// for each).
func Properties(s *openapi3.Schema) map[string]*openapi3.Schema {
	return properties(s, 0)
}

// maxSchemaDepth bounds the walk through schemas that refer to themselves.
const maxSchemaDepth = 32

func properties(s *openapi3.Schema, depth int) map[string]*openapi3.Schema {
	out := map[string]*openapi3.Schema{}
	var own func(*openapi3.Schema, int)
	own = func(s *openapi3.Schema, depth int) {
		if s == nil || depth > maxSchemaDepth {
			return
		}
		for _, ref := range s.AllOf {
			if ref != nil {
				own(ref.Value, depth+1)
			}
		}
		for name, ref := range s.Properties {
			if ref != nil && ref.Value != nil {
				out[name] = ref.Value
			}
		}
	}
	own(s, depth)
	var alternatives func(*openapi3.Schema, int)
	alternatives = func(s *openapi3.Schema, depth int) {
		if s == nil || depth > maxSchemaDepth {
			return
		}
		for _, ref := range s.AllOf {
			if ref != nil {
				alternatives(ref.Value, depth+1)
			}
		}
		for _, ref := range append(append(openapi3.SchemaRefs(nil), s.OneOf...), s.AnyOf...) {
			if ref == nil {
				continue
			}
			for name, prop := range properties(ref.Value, depth+1) {
				if _, declared := out[name]; !declared {
					out[name] = prop
				}
			}
		}
	}
	alternatives(s, depth)
	return out
}
