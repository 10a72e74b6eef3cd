package mapping

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/specsql/specsql/openapi"
)

// Extensions read from documents written for specsql.
const (
	ExtProvider = "x-specsql-provider" // root: name, auth, pagination
	ExtResource = "x-specsql-resource" // operation: "service.resource"
	ExtMethod   = "x-specsql-method"   // operation: method name, overriding snake_case(operationId)
	ExtVerb     = "x-specsql-verb"     // operation: SQL verb, overriding the HTTP method's
)

type providerExt struct {
	Name string `json:"name"`
	Auth struct {
		Type              string `json:"type"`
		Header            string `json:"header"`
		ValuePrefix       string `json:"valuePrefix"`
		CredentialsEnvVar string `json:"credentialsEnvVar"`
	} `json:"auth"`
	Hosts struct {
		Domains              []string `json:"domains"`
		RefusedLabelSuffixes []string `json:"refusedLabelSuffixes"`
	} `json:"hosts"`
	Pagination paginationExt `json:"pagination"`
}

// paginationExt is how x-specsql-provider, and an overlay's provider
// section, write Pagination.
type paginationExt struct {
	Type          string `json:"type" yaml:"type"`
	TokenHeader   string `json:"tokenHeader" yaml:"tokenHeader"`
	TokenPath     string `json:"tokenPath" yaml:"tokenPath"` // $.a.b
	TokenParam    string `json:"tokenParam" yaml:"tokenParam"`
	PageSizeParam string `json:"pageSizeParam" yaml:"pageSizeParam"`
	MaxPageSize   int    `json:"maxPageSize" yaml:"maxPageSize"`
}

func (e paginationExt) pagination() (Pagination, error) {
	p := Pagination{Type: e.Type, TokenHeader: e.TokenHeader, TokenParam: e.TokenParam, PageSizeParam: e.PageSizeParam, MaxPageSize: e.MaxPageSize}
	switch e.Type {
	case "", PageLinkHeader:
	case PageToken:
		if e.TokenPath != "" {
			keys, err := objectKey(e.TokenPath)
			if err != nil {
				return p, fmt.Errorf("pagination.tokenPath: %w", err)
			}
			p.TokenPath = keys
		}
		if e.TokenParam == "" || (e.TokenHeader == "" && len(p.TokenPath) == 0) {
			return p, fmt.Errorf("pagination type %s needs tokenParam, and tokenHeader or tokenPath", PageToken)
		}
	default:
		return p, fmt.Errorf("unknown pagination type %q; use %s or %s", e.Type, PageLinkHeader, PageToken)
	}
	return p, nil
}

// FromDocument maps a document to a provider. name overrides the provider
// name the document declares; one of the two must be set.
func FromDocument(doc *openapi.Document, name string) (*Provider, error) {
	var ext providerExt
	if raw, ok := doc.Extension(ExtProvider); ok {
		if err := decodeExtension(raw, &ext); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", doc.Location, ExtProvider, err)
		}
	}
	if name == "" {
		name = ext.Name
	}
	if name == "" {
		return nil, fmt.Errorf("%s: the provider needs a name: give one on the command line (NAME=PATH) or in %s.name", doc.Location, ExtProvider)
	}
	pagination, err := ext.Pagination.pagination()
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", doc.Location, ExtProvider, err)
	}
	p := &Provider{
		Name: name,
		Auth: Auth{
			Type:              ext.Auth.Type,
			Header:            ext.Auth.Header,
			ValuePrefix:       ext.Auth.ValuePrefix,
			CredentialsEnvVar: ext.Auth.CredentialsEnvVar,
		},
		Pagination: pagination,
		Hosts:      Hosts{Domains: ext.Hosts.Domains, RefusedLabelSuffixes: ext.Hosts.RefusedLabelSuffixes},
		Source:     doc.Location,
		Doc:        doc,
	}
	for _, op := range doc.Operations() {
		if err := p.addOperation(op); err != nil {
			return nil, fmt.Errorf("%s: %s %s: %w", doc.Location, op.Method, op.Path, err)
		}
	}
	for _, s := range p.Services {
		for _, r := range s.Resources {
			r.finish()
		}
	}
	return p, nil
}

func (p *Provider) addOperation(op *openapi.Operation) error {
	raw, ok := op.Extensions[ExtResource]
	if !ok {
		return nil
	}
	var full string
	if err := decodeExtension(raw, &full); err != nil {
		return fmt.Errorf("%s: %w", ExtResource, err)
	}
	serviceName, resourceName, ok := strings.Cut(full, ".")
	if !ok || serviceName == "" || resourceName == "" || strings.Contains(resourceName, ".") {
		return fmt.Errorf("%s must be \"service.resource\", not %q", ExtResource, full)
	}
	m := &Method{
		Name:        SnakeCase(op.ID),
		Verb:        verbOf(op.Method),
		Summary:     op.Summary,
		Description: op.Description,
		Operation:   op,
		Params:      params(op),
		Body:        op.RequestBody,
	}
	if raw, ok := op.Extensions[ExtMethod]; ok {
		if err := decodeExtension(raw, &m.Name); err != nil {
			return fmt.Errorf("%s: %w", ExtMethod, err)
		}
	}
	if raw, ok := op.Extensions[ExtVerb]; ok {
		if err := decodeExtension(raw, &m.Verb); err != nil {
			return fmt.Errorf("%s: %w", ExtVerb, err)
		}
		if _, known := verbRank[m.Verb]; !known {
			return fmt.Errorf("%s: unknown SQL verb %q", ExtVerb, m.Verb)
		}
	}
	if m.Name == "" {
		return fmt.Errorf("the operation has no operationId to name its method; add one or set %s", ExtMethod)
	}
	m.Rows, m.Item = rowShape(op.Response)
	return p.place(serviceName, resourceName, m)
}

// place adds a method to service.resource, creating either as needed.
func (p *Provider) place(serviceName, resourceName string, m *Method) error {
	svc := p.Service(serviceName)
	if svc == nil {
		svc = &Service{Name: serviceName, Provider: p}
		p.Services = append(p.Services, svc)
	}
	res := svc.Resource(resourceName)
	if res == nil {
		res = &Resource{Name: resourceName, Service: svc}
		svc.Resources = append(svc.Resources, res)
	}
	if res.Method(m.Name) != nil {
		return fmt.Errorf("resource %s has two methods named %s", res.ID(), m.Name)
	}
	m.Resource = res
	res.Methods = append(res.Methods, m)
	return nil
}

// ScalarColumn is the column of a row made from a scalar.
const ScalarColumn = "value"

// finish orders methods and derives the columns once all operations are in.
func (r *Resource) finish() {
	for _, m := range r.Methods {
		switch openapi.SchemaType(m.Item) {
		case openapi3.TypeString, openapi3.TypeInteger, openapi3.TypeNumber, openapi3.TypeBoolean:
			if m.Rows == RowsArray {
				m.ScalarRows = true
				m.Item = &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeObject}, Properties: openapi3.Schemas{ScalarColumn: {Value: m.Item}}}
			}
		}
	}
	sort.SliceStable(r.Methods, func(i, j int) bool {
		a, b := r.Methods[i], r.Methods[j]
		if verbRank[a.Verb] != verbRank[b.Verb] {
			return verbRank[a.Verb] < verbRank[b.Verb]
		}
		// Most specific first: the method needing more parameters is
		// chosen when the statement supplies them (get_user before list_users).
		if a.Verb == VerbSelect {
			return len(a.RequiredParams()) > len(b.RequiredParams())
		}
		return false
	})
	r.Columns = ColumnsOf(r.rowSchema())
}

// rowSchema is the item schema of the resource's list method, else of any
// select method.
func (r *Resource) rowSchema() *openapi3.Schema {
	var fallback *openapi3.Schema
	for _, m := range r.MethodsFor(VerbSelect) {
		if m.Item == nil {
			continue
		}
		if m.Rows == RowsArray {
			return m.Item
		}
		if fallback == nil {
			fallback = m.Item
		}
	}
	return fallback
}

// ColumnsOf lists the fields of a row schema in documented order: id first,
// the rest by name.
func ColumnsOf(item *openapi3.Schema) []Column {
	if item == nil {
		return nil
	}
	props := openapi.Properties(item)
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if (names[i] == "id") != (names[j] == "id") {
			return names[i] == "id"
		}
		return names[i] < names[j]
	})
	cols := make([]Column, 0, len(names))
	for _, n := range names {
		s := props[n]
		col := Column{Name: n, Type: columnType(s), Format: s.Format, Description: s.Description}
		if s.Example != nil {
			if _, scalar := s.Example.(string); scalar || columnType(s) != "object" && columnType(s) != "array" {
				col.Example = fmt.Sprint(s.Example)
			}
		}
		cols = append(cols, col)
	}
	return cols
}

func columnType(s *openapi3.Schema) string {
	if t := openapi.SchemaType(s); t != "" {
		return t
	}
	if len(s.OneOf) > 0 || len(s.AnyOf) > 0 {
		return openapi3.TypeObject
	}
	return openapi3.TypeString
}

func rowShape(resp *openapi3.Schema) (RowShape, *openapi3.Schema) {
	if resp == nil {
		return RowsNone, nil
	}
	if openapi.SchemaType(resp) == openapi3.TypeArray {
		if resp.Items != nil {
			return RowsArray, resp.Items.Value
		}
		return RowsArray, nil
	}
	return RowsObject, resp
}

func verbOf(httpMethod string) string {
	switch httpMethod {
	case "GET":
		return VerbSelect
	case "DELETE":
		return VerbDelete
	default:
		return VerbExec
	}
}

// params lists a method's parameters: server variables first, then path,
// query and header parameters in declaration order.
func params(op *openapi.Operation) []Param {
	var out []Param
	if len(op.Servers) > 0 {
		for _, v := range op.Servers[0].Variables {
			out = append(out, Param{
				Name: v.Name, In: InServer, Type: openapi3.TypeString, Description: v.Description,
				Required: true, Default: v.Default,
			})
		}
	}
	for _, in := range []string{InPath, InQuery, InHeader} {
		for _, p := range op.Parameters {
			if p.In != in {
				continue
			}
			param := Param{Name: p.Name, In: p.In, Description: p.Description, Required: p.Required, Type: openapi3.TypeString}
			if p.Schema != nil {
				if t := openapi.SchemaType(p.Schema); t != "" {
					param.Type = t
				}
				param.Format = p.Schema.Format
				if p.Schema.Default != nil {
					param.Default = fmt.Sprint(p.Schema.Default)
				}
				if p.Schema.Example != nil {
					param.Example = fmt.Sprint(p.Schema.Example)
				}
			}
			out = append(out, param)
		}
	}
	return out
}

func decodeExtension(raw any, into any) error {
	var data []byte
	switch v := raw.(type) {
	case json.RawMessage:
		data = v
	case []byte:
		data = v
	default:
		var err error
		if data, err = json.Marshal(v); err != nil {
			return err
		}
	}
	return json.Unmarshal(data, into)
}

// SnakeCase turns an operationId into a method name the way StackQL does:
// listWebAuthnPreregistrationFactors -> list_web_authn_preregistration_factors,
// getHTTPServer -> get_http_server.
func SnakeCase(s string) string {
	runes := []rune(s)
	var b strings.Builder
	for i, r := range runes {
		if r == '-' || r == ' ' || r == '.' {
			b.WriteRune('_')
			continue
		}
		if unicode.IsUpper(r) {
			prevLowerOrDigit := i > 0 && (unicode.IsLower(runes[i-1]) || unicode.IsDigit(runes[i-1]))
			acronymEnd := i > 0 && unicode.IsUpper(runes[i-1]) && i+1 < len(runes) && unicode.IsLower(runes[i+1])
			if (prevLowerOrDigit || acronymEnd) && b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
				b.WriteRune('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
