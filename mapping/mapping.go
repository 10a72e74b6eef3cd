// Package mapping turns OpenAPI documents into SQL-shaped providers:
// services, resources (tables), their columns and their methods with SQL verbs.
// It makes no calls and knows no SQL syntax.
package mapping

import (
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/specsql/specsql/openapi"
)

// SQL verbs a method can serve. Exec methods are reached only with EXEC.
const (
	VerbSelect = "select"
	VerbInsert = "insert"
	VerbUpdate = "update"
	VerbDelete = "delete"
	VerbExec   = "exec"
)

// verbRank orders methods for display and documentation.
var verbRank = map[string]int{VerbSelect: 0, VerbInsert: 1, VerbUpdate: 2, VerbDelete: 3, VerbExec: 4}

// Parameter locations. Server variables such as {subdomain} are parameters
// too: a value must come from the statement for each of them.
const (
	InServer = "server"
	InPath   = "path"
	InQuery  = "query"
	InHeader = "header"
)

// Registry holds every loaded provider.
type Registry struct {
	Providers []*Provider
}

// Provider is one API: its services, server templates, auth and paging.
type Provider struct {
	Name       string
	Services   []*Service
	Auth       Auth
	Pagination Pagination
	Hosts      Hosts
	// Source names what the provider was loaded from: a file, a StackQL
	// provider directory, an overlay, or the built-in spec.
	Source string
	// Doc is the document the provider was mapped from in this process;
	// nil when it came from several documents (a StackQL directory) or from
	// the cache of parsed specs.
	Doc *openapi.Document
}

// Hosts says which hosts a server variable may name. A single label goes
// into the server URL template; a full host must lie within Domains.
type Hosts struct {
	Domains []string
	// RefusedLabelSuffixes end first labels that are never the API's host
	// (Okta's "-admin" Admin Console hosts).
	RefusedLabelSuffixes []string
}

// Auth says how to authenticate calls to a provider.
type Auth struct {
	Type              string // "api_key" or "" for none
	Header            string
	ValuePrefix       string
	CredentialsEnvVar string
}

// Pagination kinds.
const (
	// PageLinkHeader: the rel="next" target of the Link header is the
	// next page's URL (RFC 8288; Okta, GitHub).
	PageLinkHeader = "link_header"
	// PageToken: a token in the response goes into the next request's
	// query; an absent or empty token ends the list.
	PageToken = "token"
)

// Pagination says how a provider's list responses point to the next page.
type Pagination struct {
	Type string // PageLinkHeader, PageToken, or "" for none
	// For PageToken: the token is read from the response header
	// TokenHeader or, when that is empty, from the body at TokenPath (keys
	// from the top-level object), and sent as the query parameter
	// TokenParam.
	TokenHeader string
	TokenPath   []string
	TokenParam  string
	// PageSizeParam is the query parameter that sets a page's size, sent
	// when a LIMIT needs fewer rows than MaxPageSize.
	PageSizeParam string
	MaxPageSize   int
}

// Service groups resources, like okta.users.
type Service struct {
	Name      string
	Provider  *Provider
	Resources []*Resource
}

// Resource is a table: provider.service.resource.
type Resource struct {
	Name    string
	Service *Service
	// Columns are the fields of the rows the select methods return, in
	// documented order: id first, the rest by name.
	Columns []Column
	Methods []*Method
}

// Column is a field of a resource's rows.
type Column struct {
	Name        string
	Type        string // JSON type: string, integer, number, boolean, object, array
	Format      string
	Description string
	Example     string
}

// Method is an operation reachable from SQL.
type Method struct {
	Name        string
	Verb        string
	Summary     string
	Description string
	Resource    *Resource
	Operation   *openapi.Operation
	Params      []Param
	// Body is the JSON request body schema, or nil.
	Body *openapi3.Schema
	// Rows says how the response turns into rows.
	Rows RowShape
	// RowsKey are the keys leading from the response's top-level object to
	// the rows (StackQL's objectKey $.a.b); empty when the body itself is
	// the array or the row.
	RowsKey []string
	// ScalarRows: the array holds scalars (a list of IDs), each of which
	// becomes a row whose one column, value, holds it. Item is then an
	// object schema with that column.
	ScalarRows bool
	// Item is the schema of one row.
	Item *openapi3.Schema
}

// RowShape is the shape of a success response.
type RowShape int

// Row shapes.
const (
	RowsNone   RowShape = iota // no content
	RowsArray                  // a JSON array; each element is a row
	RowsObject                 // one JSON object; it is the row
)

// Param is a value a method takes from the statement.
type Param struct {
	Name        string
	In          string
	Type        string
	Format      string
	Description string
	Required    bool
	Default     string
	Example     string
}

// ID returns provider.service.resource.
func (r *Resource) ID() string {
	return r.Service.Provider.Name + "." + r.Service.Name + "." + r.Name
}

// MethodsFor returns the methods serving a SQL verb, most specific first.
func (r *Resource) MethodsFor(verb string) []*Method {
	var out []*Method
	for _, m := range r.Methods {
		if m.Verb == verb {
			out = append(out, m)
		}
	}
	return out
}

// Method finds a method by name.
func (r *Resource) Method(name string) *Method {
	for _, m := range r.Methods {
		if strings.EqualFold(m.Name, name) {
			return m
		}
	}
	return nil
}

// Verbs lists the SQL verbs the resource supports, in display order.
func (r *Resource) Verbs() []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range r.Methods {
		if !seen[m.Verb] {
			seen[m.Verb] = true
			out = append(out, m.Verb)
		}
	}
	return out
}

// Column finds a field column by name, ignoring case as SQL does.
func (r *Resource) Column(name string) (Column, bool) {
	for _, c := range r.Columns {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return Column{}, false
}

// ParamColumns are the parameters of the select methods that are not also
// fields: rows carry the values they were fetched with, so these can be
// selected, filtered and joined on.
func (r *Resource) ParamColumns() []Column {
	seen := map[string]bool{}
	var out []Column
	for _, m := range r.MethodsFor(VerbSelect) {
		for _, p := range m.Params {
			key := strings.ToLower(p.Name)
			if seen[key] {
				continue
			}
			seen[key] = true
			if _, isField := r.Column(p.Name); isField {
				continue
			}
			out = append(out, Column{Name: p.Name, Type: p.Type, Format: p.Format, Description: p.Description})
		}
	}
	return out
}

// RequiredParams returns the parameters a call cannot be made without.
func (m *Method) RequiredParams() []Param {
	var out []Param
	for _, p := range m.Params {
		if p.Required {
			out = append(out, p)
		}
	}
	return out
}

// ParamNames lists the names of the required and of the optional
// parameters, in declaration order.
func (m *Method) ParamNames() (required, optional []string) {
	for _, p := range m.Params {
		if p.Required {
			required = append(required, p.Name)
		} else {
			optional = append(optional, p.Name)
		}
	}
	return required, optional
}

// Param finds a parameter by name, ignoring case.
func (m *Method) Param(name string) (Param, bool) {
	for _, p := range m.Params {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Param{}, false
}

// Provider finds a provider by name.
func (r *Registry) Provider(name string) *Provider {
	for _, p := range r.Providers {
		if strings.EqualFold(p.Name, name) {
			return p
		}
	}
	return nil
}

// Service finds a service by name.
func (p *Provider) Service(name string) *Service {
	for _, s := range p.Services {
		if strings.EqualFold(s.Name, name) {
			return s
		}
	}
	return nil
}

// Resource finds a resource by name.
func (s *Service) Resource(name string) *Resource {
	for _, r := range s.Resources {
		if strings.EqualFold(r.Name, name) {
			return r
		}
	}
	return nil
}

// Add registers a provider; names must be unique.
func (r *Registry) Add(p *Provider) error {
	if r.Provider(p.Name) != nil {
		return fmt.Errorf("provider %q is loaded twice", p.Name)
	}
	r.Providers = append(r.Providers, p)
	return nil
}

// Lookup resolves a provider.service.resource name. Its errors say which
// part is unknown and what exists instead.
func (r *Registry) Lookup(id string) (*Resource, error) {
	parts := strings.Split(id, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("table %q: name tables as provider.service.resource, e.g. okta.webauthn_registration.enrollments", id)
	}
	p := r.Provider(parts[0])
	if p == nil {
		return nil, fmt.Errorf("table %q: unknown provider %q; loaded providers: %s", id, parts[0], names(r.Providers, func(p *Provider) string { return p.Name }))
	}
	s := p.Service(parts[1])
	if s == nil {
		return nil, fmt.Errorf("table %q: provider %s has no service %q; its services: %s", id, p.Name, parts[1], names(p.Services, func(s *Service) string { return s.Name }))
	}
	res := s.Resource(parts[2])
	if res == nil {
		return nil, fmt.Errorf("table %q: service %s.%s has no resource %q; its resources: %s", id, p.Name, s.Name, parts[2], names(s.Resources, func(r *Resource) string { return r.Name }))
	}
	return res, nil
}

func names[T any](items []T, name func(T) string) string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, name(it))
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "(none)"
	}
	return strings.Join(out, ", ")
}
