package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"

	"github.com/specsql/specsql/openapi"
)

// An overlay changes how a spec is mapped without editing the spec. It is
// a YAML file that names the spec it applies to, so it can be loaded in
// the spec's place (--provider okta=okta.overlay.yaml, or under providers:
// in the config file):
//
//	spec: management.yaml              # an OpenAPI document or a StackQL directory, relative to this file
//	provider:                          # as x-specsql-provider: auth, hosts, pagination
//	  auth: {type: api_key, header: Authorization, valuePrefix: 'SSWS ', credentialsEnvVar: OKTA_API_TOKEN}
//	servers:                           # replace the spec's servers, as OpenAPI server objects
//	  - url: https://{subdomain}.okta.com/
//	    variables: {subdomain: {default: my-org}}
//	resources:                         # rename or merge tables, or drop one with null
//	  users.users_roles: users.roles
//	  apps.default: null
//	operations:                        # move one operation, and rename it or change its verb
//	  getUser: users.users
//	  replaceUser: {resource: users.users, method: replace_user, verb: exec}
//
// resources apply before operations, so operations name tables as renamed.
type overlay struct {
	Spec       string                      `yaml:"spec"`
	Provider   overlayProvider             `yaml:"provider"`
	Servers    []overlayServer             `yaml:"servers"`
	Resources  map[string]*string          `yaml:"resources"`
	Operations map[string]overlayOperation `yaml:"operations"`
	path       string
}

type overlayProvider struct {
	Auth *struct {
		Type              string `yaml:"type"`
		Header            string `yaml:"header"`
		ValuePrefix       string `yaml:"valuePrefix"`
		CredentialsEnvVar string `yaml:"credentialsEnvVar"`
	} `yaml:"auth"`
	Hosts *struct {
		Domains              []string `yaml:"domains"`
		RefusedLabelSuffixes []string `yaml:"refusedLabelSuffixes"`
	} `yaml:"hosts"`
	Pagination *paginationExt `yaml:"pagination"`
}

type overlayServer struct {
	URL         string `yaml:"url"`
	Description string `yaml:"description"`
	Variables   map[string]struct {
		Default     string   `yaml:"default"`
		Description string   `yaml:"description"`
		Enum        []string `yaml:"enum"`
	} `yaml:"variables"`
}

type overlayOperation struct {
	Resource string `yaml:"resource"`
	Method   string `yaml:"method"`
	Verb     string `yaml:"verb"`
}

// UnmarshalYAML reads an operation's target as "service.resource" or as
// a mapping.
func (o *overlayOperation) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		o.Resource = n.Value
		return nil
	}
	type plain overlayOperation
	return n.Decode((*plain)(o))
}

const overlayKeys = "spec, provider, servers, resources, operations"

func parseOverlay(path string, data []byte) (*overlay, error) {
	ov := &overlay{path: path}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(ov); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("overlay %s: %w (known keys: %s)", path, err, overlayKeys)
	}
	if ov.Spec == "" {
		return nil, fmt.Errorf("overlay %s: spec is missing: name the OpenAPI document or StackQL directory it applies to, relative to the overlay", path)
	}
	if !filepath.IsAbs(ov.Spec) {
		ov.Spec = filepath.Join(filepath.Dir(path), ov.Spec)
	}
	if pg := ov.Provider.Pagination; pg != nil {
		if _, err := pg.pagination(); err != nil {
			return nil, fmt.Errorf("overlay %s: provider.%w", path, err)
		}
	}
	for id, op := range ov.Operations {
		if op.Verb != "" {
			if _, known := verbRank[op.Verb]; !known {
				return nil, fmt.Errorf("overlay %s: operations.%s: unknown verb %q; use select, insert, update, delete or exec", path, id, op.Verb)
			}
		}
	}
	return ov, nil
}

// apply changes a mapped provider as the overlay says. Every table and
// operation it names must exist: an overlay that silently stopped matching
// its spec would hide the tables it was written for.
func (ov *overlay) apply(p *Provider) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("overlay %s: %s", ov.path, fmt.Sprintf(format, args...))
	}
	if a := ov.Provider.Auth; a != nil {
		p.Auth = Auth{Type: a.Type, Header: a.Header, ValuePrefix: a.ValuePrefix, CredentialsEnvVar: a.CredentialsEnvVar}
	}
	if h := ov.Provider.Hosts; h != nil {
		p.Hosts = Hosts{Domains: h.Domains, RefusedLabelSuffixes: h.RefusedLabelSuffixes}
	}
	if pg := ov.Provider.Pagination; pg != nil {
		p.Pagination, _ = pg.pagination() // checked by parseOverlay
	}
	if len(ov.Servers) > 0 {
		servers := ov.servers()
		for _, m := range p.methods() {
			m.Operation.Servers = servers
			m.Params = params(m.Operation)
		}
	}
	for _, from := range slices.Sorted(maps.Keys(ov.Resources)) {
		res, err := p.resource(from)
		if err != nil {
			return fail("resources: %v", err)
		}
		methods := res.Methods
		res.Methods = nil
		to := ov.Resources[from]
		if to == nil {
			continue
		}
		service, resource, ok := splitResourceID(*to)
		if !ok {
			return fail("resources: %s: write the new name as service.resource, not %q", from, *to)
		}
		for _, m := range methods {
			if err := p.place(service, resource, m); err != nil {
				return fail("resources: %s -> %s: %v", from, *to, err)
			}
		}
	}
	byOperation := map[string]*Method{}
	for _, m := range p.methods() {
		if m.Operation.ID != "" {
			byOperation[m.Operation.ID] = m
		}
	}
	for _, id := range slices.Sorted(maps.Keys(ov.Operations)) {
		op := ov.Operations[id]
		m := byOperation[id]
		if m == nil {
			return fail("operations: no mapped operation has operationId %s", id)
		}
		service, resource, ok := splitResourceID(op.Resource)
		if op.Resource == "" {
			service, resource, ok = m.Resource.Service.Name, m.Resource.Name, true
		}
		if !ok {
			return fail("operations: %s: write the resource as service.resource, not %q", id, op.Resource)
		}
		m.Resource.remove(m)
		if op.Method != "" {
			m.Name = op.Method
		}
		if op.Verb != "" {
			m.Verb = op.Verb
		}
		if err := p.place(service, resource, m); err != nil {
			return fail("operations: %s: %v", id, err)
		}
	}
	p.prune()
	return nil
}

func (ov *overlay) servers() []openapi.Server {
	servers := make(openapi3.Servers, 0, len(ov.Servers))
	for _, s := range ov.Servers {
		srv := &openapi3.Server{URL: s.URL, Description: s.Description, Variables: map[string]*openapi3.ServerVariable{}}
		for name, v := range s.Variables {
			srv.Variables[name] = &openapi3.ServerVariable{Default: v.Default, Description: v.Description, Enum: v.Enum}
		}
		servers = append(servers, srv)
	}
	return openapi.ConvertServers(servers)
}

func splitResourceID(id string) (string, string, bool) {
	service, resource, ok := strings.Cut(id, ".")
	return service, resource, ok && service != "" && resource != "" && !strings.Contains(resource, ".")
}

// resource finds service.resource, or says which exist.
func (p *Provider) resource(id string) (*Resource, error) {
	service, resource, ok := splitResourceID(id)
	if !ok {
		return nil, fmt.Errorf("name tables as service.resource, not %q", id)
	}
	reg := &Registry{Providers: []*Provider{p}}
	return reg.Lookup(p.Name + "." + service + "." + resource)
}

// methods lists every method of the provider.
func (p *Provider) methods() []*Method {
	var out []*Method
	for _, s := range p.Services {
		for _, r := range s.Resources {
			out = append(out, r.Methods...)
		}
	}
	return out
}

func (r *Resource) remove(m *Method) {
	for i, x := range r.Methods {
		if x == m {
			r.Methods = append(r.Methods[:i], r.Methods[i+1:]...)
			return
		}
	}
}

// prune drops resources left without methods, and services without
// resources.
func (p *Provider) prune() {
	services := p.Services[:0]
	for _, s := range p.Services {
		resources := s.Resources[:0]
		for _, r := range s.Resources {
			if len(r.Methods) > 0 {
				resources = append(resources, r)
			}
		}
		s.Resources = resources
		if len(s.Resources) > 0 {
			services = append(services, s)
		}
	}
	p.Services = services
}
