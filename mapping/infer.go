package mapping

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/specsql/specsql/openapi"
)

// Inference maps a document that says nothing of tables, by REST
// conventions:
//
//   - the service is the path's first segment that is not "api", "rest" or
//     a version (/api/v1/users -> users; /webauthn-registration/api/v1/...
//     -> webauthn_registration), or else the operation's first tag;
//   - a resource is a collection path: one with a GET returning JSON, or
//     with items below it (/users/{id}). An operation on an item belongs to
//     its collection; one on a path that is neither (POST
//     /users/{id}/lifecycle/activate) belongs to the nearest collection or
//     item above it, or, at the service's root, to the service's only
//     resource. Resources are named by their last segment, lengthened with
//     the segments before it where two would share a name;
//   - verbs: GET is select; DELETE of an item is delete; POST to a
//     collection is insert; PUT or PATCH of an item is update; any other
//     operation is exec, reached with EXEC;
//   - method names are the snake_case of the operationId.

var versionSegment = regexp.MustCompile(`^[vV]\d+([._]\d+)*$`)

// prefixSegment reports whether a path segment says nothing of what the
// path is about.
func prefixSegment(s string) bool {
	return strings.EqualFold(s, "api") || strings.EqualFold(s, "rest") || versionSegment.MatchString(s)
}

func isParamSegment(s string) bool {
	return strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}")
}

func segments(path string) []string {
	path = strings.Trim(path, "/")
	if path == "" {
		return nil
	}
	return strings.Split(path, "/")
}

func parentPath(path string) string {
	if i := strings.LastIndex(strings.TrimSuffix(path, "/"), "/"); i > 0 {
		return path[:i]
	}
	return ""
}

// meaningful returns a path's literal segments that are not prefixes.
func meaningful(path string) []string {
	var out []string
	for _, s := range segments(path) {
		if !isParamSegment(s) && !prefixSegment(s) {
			out = append(out, s)
		}
	}
	return out
}

var nonIdentifier = regexp.MustCompile(`[^a-z0-9_]+`)

// identifier turns a path segment, tag or operationId into a name SQL can
// use unquoted: snake_case, letters, digits and underscores.
func identifier(s string) string {
	id := nonIdentifier.ReplaceAllString(SnakeCase(s), "_")
	id = strings.TrimRight(id, "_")
	if id != "" && id[0] >= '0' && id[0] <= '9' {
		id = "_" + id
	}
	return id
}

// inferred is an operation placed by inference.
type inferred struct {
	op      *openapi.Operation
	service string
	// coll is the collection path the operation belongs to; "" for an
	// operation at the service's root, placed once every resource is known.
	coll string
	verb string
}

// inferProvider maps a document without x-specsql or x-stackQL extensions
// as provider name.
func inferProvider(doc *openapi.Document, name string, w *warnings) (*Provider, error) {
	ops := doc.Operations()
	hasGET, hasItems := map[string]bool{}, map[string]bool{}
	for _, op := range ops {
		if op.Method == http.MethodGet && op.Response != nil {
			hasGET[op.Path] = true
		}
		if segs := segments(op.Path); len(segs) > 0 && isParamSegment(segs[len(segs)-1]) {
			hasItems[parentPath(op.Path)] = true
		}
	}
	isCollection := func(path string) bool { return hasGET[path] || hasItems[path] }

	var placed []*inferred
	collections := map[string]map[string]bool{} // service -> collection paths
	for _, op := range ops {
		it, reason := inferOperation(op, isCollection)
		if it == nil {
			w.skip(doc.Location, "operation", "operations", reason, op.Method+" "+op.Path)
			continue
		}
		placed = append(placed, it)
		if collections[it.service] == nil {
			collections[it.service] = map[string]bool{}
		}
		if it.coll != "" {
			collections[it.service][it.coll] = true
		}
	}
	for _, it := range placed {
		if it.coll == "" {
			it.coll = rootResource(it, collections[it.service])
			collections[it.service][it.coll] = true
		}
	}
	names := map[string]string{}
	for service, colls := range collections {
		for path, resource := range resourceNames(service, colls) {
			names[path] = resource
		}
	}

	p := &Provider{Source: doc.Location, Doc: doc, Auth: inferAuth(doc, name, w), Pagination: Pagination{Type: PageLinkHeader}}
	for _, it := range placed {
		m := &Method{
			Name: identifier(it.op.ID), Verb: it.verb, Summary: it.op.Summary, Description: it.op.Description,
			Operation: it.op, Params: params(it.op), Body: it.op.RequestBody,
		}
		if m.Name == "" {
			m.Name = identifier(strings.ToLower(it.op.Method) + "_" + strings.Join(meaningful(it.op.Path), "_"))
		}
		m.Rows, m.Item = rowShape(it.op.Response)
		if it.verb == VerbSelect && m.Rows == RowsObject && hasItems[it.op.Path] {
			m.RowsKey, m.Item = wrappedRows(m.Item)
			if m.RowsKey != nil {
				m.Rows = RowsArray
			}
		}
		resource := names[it.coll]
		if svc := p.Service(it.service); svc != nil {
			if res := svc.Resource(resource); res != nil && res.Method(m.Name) != nil {
				renamed := m.Name + "_" + strings.ToLower(it.op.Method)
				w.add(doc.Location, "%s %s: method %s.%s.%s exists already; this one is named %s", it.op.Method, it.op.Path, it.service, resource, m.Name, renamed)
				m.Name = renamed
			}
		}
		if err := p.place(it.service, resource, m); err != nil {
			return nil, fmt.Errorf("%s: %s %s: %w", doc.Location, it.op.Method, it.op.Path, err)
		}
	}
	sort.Slice(p.Services, func(i, j int) bool { return p.Services[i].Name < p.Services[j].Name })
	for _, s := range p.Services {
		sort.Slice(s.Resources, func(i, j int) bool { return s.Resources[i].Name < s.Resources[j].Name })
	}
	return p, nil
}

// inferOperation places one operation; a nil result comes with the reason
// it cannot be mapped.
func inferOperation(op *openapi.Operation, isCollection func(string) bool) (*inferred, string) {
	it := &inferred{op: op}
	for _, s := range segments(op.Path) {
		if !isParamSegment(s) && !prefixSegment(s) {
			it.service = identifier(s)
			break
		}
	}
	if it.service == "" && len(op.Tags) > 0 {
		it.service = identifier(op.Tags[0])
	}
	if it.service == "" {
		return nil, "neither the path nor a tag names a service"
	}
	segs := segments(op.Path)
	item := len(segs) > 0 && isParamSegment(segs[len(segs)-1])
	collection := false
	switch {
	case item:
		it.coll = parentPath(op.Path)
	case isCollection(op.Path):
		it.coll, collection = op.Path, true
	default:
		// An action: it belongs to the item or collection above it.
		for p := parentPath(op.Path); len(meaningful(p)) > 0; p = parentPath(p) {
			if s := segments(p); isParamSegment(s[len(s)-1]) {
				it.coll = parentPath(p)
				break
			}
			if isCollection(p) {
				it.coll = p
				break
			}
		}
	}
	if len(meaningful(it.coll)) == 0 {
		it.coll = ""
	}
	switch op.Method {
	case http.MethodGet:
		if op.Response == nil {
			return nil, "a GET without a JSON response"
		}
		it.verb = VerbSelect
	case http.MethodDelete:
		it.verb = pick(item, VerbDelete)
	case http.MethodPost:
		it.verb = pick(collection, VerbInsert)
	case http.MethodPut, http.MethodPatch:
		it.verb = pick(item, VerbUpdate)
	case http.MethodHead, http.MethodOptions, http.MethodTrace:
		return nil, "HEAD, OPTIONS and TRACE return no rows"
	default:
		it.verb = VerbExec
	}
	return it, ""
}

// pick is verb when the operation plainly serves it, else exec: a DELETE
// of /users/{id}/sessions must not answer DELETE FROM users.
func pick(plain bool, verb string) string {
	if plain {
		return verb
	}
	return VerbExec
}

// rootResource chooses the resource of an operation at its service's root
// (POST /webauthn-registration/api/v1/activate): the resource named like
// the service, else the service's only resource, else its own.
func rootResource(it *inferred, colls map[string]bool) string {
	paths := make([]string, 0, len(colls))
	for c := range colls {
		paths = append(paths, c)
	}
	sort.Strings(paths)
	for _, c := range paths {
		if m := meaningful(c); identifier(m[len(m)-1]) == it.service {
			return c
		}
	}
	if len(paths) == 1 {
		return paths[0]
	}
	return it.op.Path
}

// resourceNames names a service's collection paths by their last
// meaningful segment. Where two share a name, the one with fewer segments
// keeps it and the other takes the segments before its own, until every
// name is unique; paths that differ only in parameters
// (/apps/{appId} and /apps/{appName}/{appId}) share theirs, and so their
// resource. A path without such segments is named like the service.
func resourceNames(service string, colls map[string]bool) map[string]string {
	paths := make([]string, 0, len(colls))
	for c := range colls {
		paths = append(paths, c)
	}
	sort.Slice(paths, func(i, j int) bool {
		a, b := len(meaningful(paths[i])), len(meaningful(paths[j]))
		if a != b {
			return a < b
		}
		return paths[i] < paths[j]
	})
	depth := map[string]int{}
	name := func(path string) string {
		m := meaningful(path)
		if len(m) == 0 {
			return service
		}
		n := min(max(depth[path], 1), len(m))
		return identifier(strings.Join(m[len(m)-n:], "_"))
	}
	for {
		taken := map[string]bool{}
		changed := false
		for _, p := range paths {
			if d := max(depth[p], 1); taken[name(p)] && d < len(meaningful(p)) {
				depth[p] = d + 1
				changed = true
			}
			taken[name(p)] = true
		}
		if !changed {
			break
		}
	}
	out := map[string]string{}
	for _, p := range paths {
		out[p] = name(p)
	}
	return out
}

// wrappedRows finds the rows of a list answered as an object holding one
// array of objects ({"items": [...], "next": "..."}): the key and the item
// schema; a nil key when the object is not such a wrapper.
func wrappedRows(s *openapi3.Schema) ([]string, *openapi3.Schema) {
	var key string
	var item *openapi3.Schema
	for name, prop := range openapi.Properties(s) {
		if openapi.SchemaType(prop) != openapi3.TypeArray || prop.Items == nil || openapi.SchemaType(prop.Items.Value) != openapi3.TypeObject {
			continue
		}
		if key != "" {
			return nil, s
		}
		key, item = name, prop.Items.Value
	}
	if key == "" {
		return nil, s
	}
	return []string{key}, item
}

// inferAuth reads the document's security schemes: an API key in a header,
// or an HTTP bearer token. The token is read from NAME_API_TOKEN, NAME
// being the provider's; an overlay can say otherwise.
func inferAuth(doc *openapi.Document, provider string, w *warnings) Auth {
	if doc.T.Components == nil || len(doc.T.Components.SecuritySchemes) == 0 {
		return Auth{}
	}
	names := make([]string, 0, len(doc.T.Components.SecuritySchemes))
	for name := range doc.T.Components.SecuritySchemes {
		names = append(names, name)
	}
	sort.Strings(names)
	// Schemes the document requires come first.
	var required []string
	for _, req := range doc.T.Security {
		for name := range req {
			required = append(required, name)
		}
	}
	sort.Strings(required)
	names = append(required, names...)
	envVar := strings.ToUpper(identifier(provider)) + "_API_TOKEN"
	for _, name := range names {
		ref := doc.T.Components.SecuritySchemes[name]
		if ref == nil || ref.Value == nil {
			continue
		}
		s := ref.Value
		switch {
		case s.Type == "apiKey" && s.In == "header":
			return Auth{Type: "api_key", Header: s.Name, CredentialsEnvVar: envVar}
		case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"):
			return Auth{Type: "api_key", Header: "Authorization", ValuePrefix: "Bearer ", CredentialsEnvVar: envVar}
		}
	}
	w.add(doc.Location, "none of its security schemes (%s) is an API key in a header or a bearer token; calls are sent without credentials", strings.Join(names, ", "))
	return Auth{}
}
