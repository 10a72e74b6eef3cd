package mapping

import (
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"

	"github.com/specsql/specsql/openapi"
)

// StackQL's provider format (stackql/stackql-provider-registry): a
// provider.yaml whose providerServices name OpenAPI documents, each with
// its tables in components.x-stackQL-resources and its paging in the
// root's x-stackQL-config.
const (
	extStackQLResources = "x-stackQL-resources"
	extStackQLConfig    = "x-stackQL-config"
	stackQLManifest     = "provider.yaml"
)

type stackQLManifestFile struct {
	ProviderServices map[string]struct {
		Service struct {
			Ref string `yaml:"$ref"`
		} `yaml:"service"`
	} `yaml:"providerServices"`
	Config struct {
		Auth stackQLAuth `yaml:"auth"`
	} `yaml:"config"`
}

type stackQLAuth struct {
	Type              string `yaml:"type"`
	CredentialsEnvVar string `yaml:"credentialsenvvar"`
	ValuePrefix       string `yaml:"valuePrefix"`
	// Name and Location place an api_key elsewhere than Authorization.
	Name     string `yaml:"name"`
	Location string `yaml:"location"`
}

type stackQLRef struct {
	Ref string `json:"$ref"`
}

type stackQLResource struct {
	ID       string                   `json:"id"`
	Methods  map[string]stackQLMethod `json:"methods"`
	SQLVerbs map[string][]stackQLRef  `json:"sqlVerbs"`
}

type stackQLMethod struct {
	Operation stackQLRef `json:"operation"`
	Response  struct {
		OpenAPIDocKey  string     `json:"openAPIDocKey"`
		ObjectKey      string     `json:"objectKey"`
		SchemaOverride stackQLRef `json:"schema_override"`
		Transform      struct {
			Body string `json:"body"`
		} `json:"transform"`
	} `json:"response"`
}

type stackQLConfig struct {
	Pagination struct {
		RequestToken  stackQLToken `json:"requestToken"`
		ResponseToken stackQLToken `json:"responseToken"`
	} `json:"pagination"`
	QueryParamPushdown struct {
		Top struct {
			ParamName string `json:"paramName"`
			MaxValue  int    `json:"maxValue"`
		} `json:"top"`
	} `json:"queryParamPushdown"`
}

type stackQLToken struct {
	Key      string `json:"key"`
	Location string `json:"location"`
}

// stackQLVerbs are the sqlVerbs lists specsql reads, in the order methods
// are placed. StackQL's replace has no SQL statement here: its methods,
// like every method no list names, are reached with EXEC.
var stackQLVerbs = []string{VerbSelect, VerbInsert, VerbUpdate, VerbDelete}

// readStackQLDir reads a StackQL provider directory: provider.yaml and the
// service documents it names. A service whose document is absent is left
// out with a warning (the registry itself has such references).
func readStackQLDir(dir string, in *inputs, w *warnings) (*Provider, error) {
	manifestPath := filepath.Join(dir, stackQLManifest)
	data, err := in.read(manifestPath)
	if err != nil {
		return nil, err
	}
	var m stackQLManifestFile
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", manifestPath, err)
	}
	if len(m.ProviderServices) == 0 {
		return nil, fmt.Errorf("%s names no providerServices; a StackQL provider lists its services there", manifestPath)
	}
	p := &Provider{Source: dir}
	p.Auth = stackQLAuthOf(m.Config.Auth, manifestPath, w)
	names := make([]string, 0, len(m.ProviderServices))
	for name := range m.ProviderServices {
		names = append(names, name)
	}
	sort.Strings(names)
	var absent []string
	var config *stackQLConfig
	configFrom := ""
	for _, name := range names {
		ref := m.ProviderServices[name].Service.Ref
		path, data, ok, err := in.readFirst(stackQLServicePaths(dir, ref))
		if err != nil {
			return nil, err
		}
		if !ok {
			absent = append(absent, name)
			continue
		}
		doc, err := openapi.LoadFileData(path, data)
		if err != nil {
			return nil, err
		}
		in.add(doc.Files[1:])
		checkDocument(doc, w)
		svcConfig, err := addStackQLService(p, doc, identifier(name), w)
		if err != nil {
			return nil, err
		}
		switch {
		case config == nil:
			config, configFrom = &svcConfig, doc.Location
		case svcConfig != *config:
			w.add(doc.Location, "its %s differs from %s's; specsql pages every service of a provider alike, as %s says", extStackQLConfig, filepath.Base(configFrom), filepath.Base(configFrom))
		}
	}
	if len(absent) > 0 {
		w.add(manifestPath, "%d of %d services have no document in %s and are left out: %s", len(absent), len(names), dir, listSome(absent))
	}
	if config != nil {
		p.Pagination = stackQLPagination(*config, configFrom, w)
	}
	return p, nil
}

// stackQLServicePaths lists where a service $ref may point: the registry
// writes okta/v00.00.00000/services/users.yaml relative to its root, so
// leading directories are dropped until the file is found in dir. A ref
// never leads out of dir.
func stackQLServicePaths(dir, ref string) []string {
	parts := strings.Split(filepath.ToSlash(ref), "/")
	var out []string
	for i := range parts {
		if rel := filepath.FromSlash(strings.Join(parts[i:], "/")); filepath.IsLocal(rel) {
			out = append(out, filepath.Join(dir, rel))
		}
	}
	return out
}

func stackQLAuthOf(a stackQLAuth, source string, w *warnings) Auth {
	switch a.Type {
	case "":
		return Auth{}
	case "api_key":
		header := "Authorization"
		if a.Name != "" && (a.Location == "" || a.Location == "header") {
			header = a.Name
		}
		prefix := a.ValuePrefix
		if prefix == "" && header == "Authorization" {
			prefix = "api_key " // StackQL's default: the auth type, then a space
		}
		return Auth{Type: "api_key", Header: header, ValuePrefix: prefix, CredentialsEnvVar: a.CredentialsEnvVar}
	case "bearer":
		return Auth{Type: "api_key", Header: "Authorization", ValuePrefix: "Bearer ", CredentialsEnvVar: a.CredentialsEnvVar}
	}
	w.add(source, "auth type %q is not supported (api_key and bearer are); calls are sent without credentials", a.Type)
	return Auth{}
}

// stackQLPagination reads x-stackQL-config: a Link header whose next URL
// replaces the request's, or a token read from the body or a header and
// sent as a query parameter; queryParamPushdown.top is the page size.
func stackQLPagination(c stackQLConfig, source string, w *warnings) Pagination {
	p := Pagination{
		PageSizeParam: c.QueryParamPushdown.Top.ParamName,
		MaxPageSize:   c.QueryParamPushdown.Top.MaxValue,
	}
	resp, req := c.Pagination.ResponseToken, c.Pagination.RequestToken
	switch {
	case resp == stackQLToken{}:
		// StackQL pages Okta and GitHub by their Link headers without
		// being told; following a rel="next" link any API sends is safe.
		p.Type = PageLinkHeader
	case strings.EqualFold(resp.Location, "header") && strings.EqualFold(resp.Key, "Link"):
		p.Type = PageLinkHeader
	case strings.EqualFold(req.Location, "query") && req.Key != "" && strings.EqualFold(resp.Location, "header"):
		p.Type, p.TokenHeader, p.TokenParam = PageToken, resp.Key, req.Key
	case strings.EqualFold(req.Location, "query") && req.Key != "" && strings.EqualFold(resp.Location, "body"):
		key := resp.Key
		if !strings.HasPrefix(key, "$") {
			key = "$." + key
		}
		keys, err := objectKey(key)
		if err != nil {
			w.add(source, "%s pagination: responseToken.key: %v; only the first page of each list is read", extStackQLConfig, err)
			return p
		}
		p.Type, p.TokenPath, p.TokenParam = PageToken, keys, req.Key
	default:
		w.add(source, "%s pagination (response token in %s %q, request token in %s %q) is not supported; only the first page of each list is read",
			extStackQLConfig, resp.Location, resp.Key, req.Location, req.Key)
	}
	return p
}

// addStackQLService maps one service document's x-stackQL-resources into p
// and returns its x-stackQL-config.
func addStackQLService(p *Provider, doc *openapi.Document, service string, w *warnings) (stackQLConfig, error) {
	var config stackQLConfig
	if raw, ok := doc.Extension(extStackQLConfig); ok {
		if err := decodeExtension(raw, &config); err != nil {
			return config, fmt.Errorf("%s: %s: %w", doc.Location, extStackQLConfig, err)
		}
	}
	var resources map[string]stackQLResource
	if doc.T.Components != nil {
		if raw, ok := doc.T.Components.Extensions[extStackQLResources]; ok {
			if err := decodeExtension(raw, &resources); err != nil {
				return config, fmt.Errorf("%s: components.%s: %w", doc.Location, extStackQLResources, err)
			}
		}
	}
	if len(resources) == 0 {
		w.add(doc.Location, "has no components.%s, so no tables", extStackQLResources)
		return config, nil
	}
	ops := map[string]*openapi.Operation{}
	order := map[string]int{}
	for i, op := range doc.Operations() {
		key := op.Method + " " + op.Path
		ops[key], order[key] = op, i
	}
	names := make([]string, 0, len(resources))
	for name := range resources {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		res := resources[name]
		resource := identifier(name)
		verbOf := map[string]string{}
		var placed []string
		for _, verb := range stackQLVerbs {
			for _, ref := range res.SQLVerbs[verb] {
				method := ref.Ref[strings.LastIndex(ref.Ref, "/")+1:]
				if _, ok := res.Methods[method]; !ok {
					w.skip(doc.Location, "sqlVerbs entry", "sqlVerbs entries", "naming no method of the resource", resource+"."+verb+": "+ref.Ref)
					continue
				}
				if _, dup := verbOf[method]; !dup {
					verbOf[method] = verb
					placed = append(placed, method)
				}
			}
		}
		var rest []string
		for method := range res.Methods {
			if _, ok := verbOf[method]; !ok {
				rest = append(rest, method)
			}
		}
		sort.Slice(rest, func(i, j int) bool {
			a, b := order[opKey(res.Methods[rest[i]].Operation.Ref)], order[opKey(res.Methods[rest[j]].Operation.Ref)]
			if a != b {
				return a < b
			}
			return rest[i] < rest[j]
		})
		for _, method := range append(placed, rest...) {
			verb, ok := verbOf[method]
			if !ok {
				verb = VerbExec
			}
			m, reason := stackQLMethodOf(doc, ops, res.Methods[method], method, verb)
			if m == nil {
				w.skip(doc.Location, "method", "methods", reason, resource+"."+method)
				continue
			}
			if err := p.place(service, resource, m); err != nil {
				return config, fmt.Errorf("%s: %w", doc.Location, err)
			}
		}
	}
	return config, nil
}

// opKey turns an operation $ref, a JSON pointer such as
// #/paths/~1api~1v1~1users/get, into "GET /api/v1/users".
func opKey(ref string) string {
	rest, ok := strings.CutPrefix(ref, "#/paths/")
	if !ok {
		return ""
	}
	i := strings.LastIndex(rest, "/")
	if i < 0 {
		return ""
	}
	path := strings.NewReplacer("~1", "/", "~0", "~").Replace(rest[:i])
	return strings.ToUpper(rest[i+1:]) + " " + path
}

// stackQLMethodOf maps one method; a nil method comes with the reason it
// cannot be used.
func stackQLMethodOf(doc *openapi.Document, ops map[string]*openapi.Operation, sm stackQLMethod, name, verb string) (*Method, string) {
	op := ops[opKey(sm.Operation.Ref)]
	if op == nil {
		return nil, "operation $ref naming no operation of the document"
	}
	m := &Method{
		Name: name, Verb: verb, Summary: op.Summary, Description: op.Description,
		Operation: op, Params: params(op), Body: op.RequestBody,
	}
	resp := op.Response
	if status := sm.Response.OpenAPIDocKey; status != "" {
		schema, found := doc.Response(op.Path, op.Method, status)
		if !found {
			return nil, "openAPIDocKey naming a status the operation does not declare"
		}
		resp = schema
	}
	if ref := sm.Response.SchemaOverride.Ref; ref != "" {
		override := localSchema(doc, ref)
		if override == nil {
			return nil, "schema_override naming no schema of the document"
		}
		resp = override
	}
	key := sm.Response.ObjectKey
	if body := sm.Response.Transform.Body; body != "" {
		wrapper, ok := bareArrayWrapper(body)
		if !ok {
			return nil, "a response transform other than the bare-array wrapping specsql reads"
		}
		if key != "$."+wrapper && key != "$."+wrapper+"[*]" {
			return nil, "objectKey not reading the array the transform wraps"
		}
		// The wrapper exists only for StackQL's template: the API sends
		// the bare array, read here directly.
		if openapi.SchemaType(resp) != openapi3.TypeArray {
			if resp = openapi.Properties(resp)[wrapper]; resp == nil {
				return nil, "a response schema without the array the transform wraps"
			}
		}
		key = ""
	}
	if key != "" {
		keys, err := objectKey(key)
		if err != nil {
			return nil, "objectKey " + err.Error()
		}
		for _, k := range keys {
			resp = openapi.Properties(resp)[k]
		}
		if resp == nil {
			return nil, "objectKey naming no property of the response schema"
		}
		m.RowsKey = keys
	}
	m.Rows, m.Item = rowShape(resp)
	if verb == VerbSelect && (op.Method != http.MethodGet || m.Rows == RowsNone) {
		return nil, "a select method that is not a GET returning JSON"
	}
	return m, ""
}

func localSchema(doc *openapi.Document, ref string) *openapi3.Schema {
	name, ok := strings.CutPrefix(ref, "#/components/schemas/")
	if !ok || doc.T.Components == nil {
		return nil
	}
	if s := doc.T.Components.Schemas[name]; s != nil {
		return s.Value
	}
	return nil
}

// bareArrayPattern is the response transform StackQL's registry writes
// for APIs that answer with a bare JSON array:
//
//	{{- $wrapped := printf "{\"users\":%s}" . -}}
//	{{- $wrapped -}}
var bareArrayPattern = regexp.MustCompile(`^\s*\{\{-?\s*\$(\w+)\s*:=\s*printf\s+"\{\\"(\w+)\\":\s*%s\s*\}"\s+\.\s*-?\}\}\s*\{\{-?\s*\$(\w+)\s*-?\}\}\s*$`)

// bareArrayWrapper returns the key a bare-array transform wraps the body
// in; ok is false for any other template.
func bareArrayWrapper(template string) (string, bool) {
	m := bareArrayPattern.FindStringSubmatch(template)
	if m == nil || m[1] != m[3] {
		return "", false
	}
	return m[2], true
}

var objectKeyPattern = regexp.MustCompile(`^\$((?:\.[A-Za-z_][\w-]*|\['[^']+'\]|\["[^"]+"\])*)(\[\*\])?$`)
var objectKeyStep = regexp.MustCompile(`\.([A-Za-z_][\w-]*)|\['([^']+)'\]|\["([^"]+)"\]`)

// objectKey reads the JSONPath subset StackQL's objectKey uses: $, $.a.b,
// $['a'], each optionally ending in [*].
func objectKey(path string) ([]string, error) {
	m := objectKeyPattern.FindStringSubmatch(path)
	if m == nil {
		return nil, fmt.Errorf("%q, not a JSONPath specsql reads ($, $.a.b, $.items[*])", path)
	}
	var keys []string
	for _, step := range objectKeyStep.FindAllStringSubmatch(m[1], -1) {
		keys = append(keys, step[1]+step[2]+step[3])
	}
	return keys, nil
}

// readStackQLDoc maps a single StackQL service document: its service is
// named by its resources' ids (okta.users.users) or else by the file.
func readStackQLDoc(doc *openapi.Document, w *warnings) (*Provider, error) {
	service := strings.TrimSuffix(filepath.Base(doc.Location), filepath.Ext(doc.Location))
	var resources map[string]struct {
		ID string `json:"id"`
	}
	if raw, ok := doc.T.Components.Extensions[extStackQLResources]; ok && decodeExtension(raw, &resources) == nil {
		for _, name := range slices.Sorted(maps.Keys(resources)) {
			if parts := strings.Split(resources[name].ID, "."); len(parts) == 3 {
				service = parts[1]
				break
			}
		}
	}
	p := &Provider{Source: doc.Location, Doc: doc}
	config, err := addStackQLService(p, doc, identifier(service), w)
	if err != nil {
		return nil, err
	}
	p.Pagination = stackQLPagination(config, doc.Location, w)
	return p, nil
}

// isStackQLDoc reports whether a document carries x-stackQL-resources.
func isStackQLDoc(doc *openapi.Document) bool {
	if doc.T.Components == nil {
		return false
	}
	_, ok := doc.T.Components.Extensions[extStackQLResources]
	return ok
}

// listSome names a few items of a list and counts the rest.
func listSome(items []string) string {
	shown := items[:min(len(items), examplesShown*3)]
	out := strings.Join(shown, ", ")
	if more := len(items) - len(shown); more > 0 {
		out += fmt.Sprintf(" and %d more", more)
	}
	return out
}
