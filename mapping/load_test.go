package mapping_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/mapping"
	"github.com/specsql/specsql/openapi"
	"github.com/specsql/specsql/provider/okta"
)

// describe renders one table of a provider.
func describe(t *testing.T, p *mapping.Provider, id string) string {
	t.Helper()
	reg := &mapping.Registry{}
	require.NoError(t, reg.Add(p))
	r, err := reg.Lookup(id)
	require.NoError(t, err)
	return mapping.Describe(r)
}

// TestOfficialOktaSpecEnrollmentsAreTheBuiltInTable maps Okta's official
// spec by inference and its overlay: its webauthn_registration service
// yields the built-in enrollments table, columns, methods and parameters.
func TestOfficialOktaSpecEnrollmentsAreTheBuiltInTable(t *testing.T) {
	p, _, err := mapping.Load("okta", mapping.OfficialOverlay(t), mapping.LoadOptions{})
	require.NoError(t, err)
	builtIn, err := okta.Provider()
	require.NoError(t, err)
	const id = "okta.webauthn_registration.enrollments"
	want, err := os.ReadFile(filepath.Join("..", "testdata", "describe", id+".txt"))
	require.NoError(t, err)
	assert.Equal(t, string(want), describe(t, p, id))
	assert.Equal(t, describe(t, builtIn, id), describe(t, p, id))
	assert.Equal(t, builtIn.Auth, p.Auth)
	assert.Equal(t, builtIn.Hosts, p.Hosts)
	assert.Equal(t, builtIn.Pagination, p.Pagination)
}

// TestOfficialOktaSpecLoads loads the full spec as it is, without overlay:
// it fails strict validation, so it loads with a warning, and every list
// operation becomes a table's select method.
func TestOfficialOktaSpecLoads(t *testing.T) {
	path := mapping.SharedReference(t, "okta-openapi/management-minimal.yaml")
	p, warnings, err := mapping.Load("official", path, mapping.LoadOptions{})
	require.NoError(t, err)
	var messages []string
	for _, w := range warnings {
		messages = append(messages, w.Message)
	}
	assert.Equal(t, []string{
		`does not pass OpenAPI validation, loaded anyway; the first problem: invalid components: schema "RegistrationInlineHookResponse": when schema type is 'array', schema 'items' must be non-null`,
		"1 operation left out (a GET without a JSON response): GET /api/v1/apps/{appId}/sso/saml/metadata",
	}, messages)
	assert.Equal(t, mapping.Auth{Type: "api_key", Header: "Authorization", CredentialsEnvVar: "OFFICIAL_API_TOKEN"}, p.Auth,
		"the apiToken security scheme; the SSWS prefix is the overlay's to add")

	selects := map[string]*mapping.Method{}
	for _, s := range p.Services {
		for _, r := range s.Resources {
			for _, m := range r.MethodsFor(mapping.VerbSelect) {
				selects[m.Operation.ID] = m
			}
		}
	}
	doc, err := openapi.LoadFile(path)
	require.NoError(t, err)
	lists := 0
	for _, op := range doc.Operations() {
		if op.Method != http.MethodGet || openapi.SchemaType(op.Response) != openapi3.TypeArray {
			continue
		}
		lists++
		m := selects[op.ID]
		if assert.NotNil(t, m, "list operation %s (%s) has no table", op.ID, op.Path) {
			assert.Equal(t, mapping.RowsArray, m.Rows, op.ID)
			if item := op.Response.Items.Value; len(openapi.Properties(item)) > 0 || openapi.SchemaType(item) != openapi3.TypeObject {
				assert.NotEmpty(t, m.Resource.Columns, "%s: columns come from the item schema", m.Resource.ID())
			}
		}
	}
	assert.Equal(t, 120, lists)

	users := describe(t, p, "official.users.users")
	assert.Contains(t, users, "get_user                            select  yourOktaDomain, id")
	assert.Contains(t, users, "list_users                          select  yourOktaDomain ")
}

// TestStackQLOktaProvider loads StackQL's registry files for Okta.
func TestStackQLOktaProvider(t *testing.T) {
	dir := mapping.SharedReference(t, "stackql-okta")
	p, warnings, err := mapping.Load("okta", dir, mapping.LoadOptions{})
	require.NoError(t, err)
	assert.Equal(t, mapping.Auth{Type: "api_key", Header: "Authorization", ValuePrefix: "SSWS ", CredentialsEnvVar: "OKTA_API_TOKEN"}, p.Auth)
	assert.Equal(t, mapping.Pagination{Type: mapping.PageLinkHeader, PageSizeParam: "limit", MaxPageSize: 200}, p.Pagination)
	var absent string
	for _, w := range warnings {
		if strings.HasSuffix(w.Source, "provider.yaml") {
			absent = w.Message
		}
	}
	assert.Contains(t, absent, "55 of 57 services have no document")

	builtIn, err := okta.Provider()
	require.NoError(t, err)
	for _, id := range []string{"okta.webauthn_registration.enrollments", "okta.users.users", "okta.users.factors"} {
		reg := &mapping.Registry{}
		require.NoError(t, reg.Add(p))
		got, err := reg.Lookup(id)
		require.NoError(t, err)
		reg = &mapping.Registry{}
		require.NoError(t, reg.Add(builtIn))
		want, err := reg.Lookup(id)
		require.NoError(t, err)
		for _, verb := range []string{mapping.VerbSelect, mapping.VerbDelete} {
			for _, wm := range want.MethodsFor(verb) {
				gm := got.Method(wm.Name)
				if assert.NotNil(t, gm, "%s.%s", id, wm.Name) {
					assert.Equal(t, verb, gm.Verb)
					assert.Equal(t, paramNames(wm.RequiredParams()), paramNames(gm.RequiredParams()), "%s.%s", id, wm.Name)
					assert.Equal(t, wm.Rows, gm.Rows, "%s.%s: the bare-array transform is read as an array", id, wm.Name)
					assert.Nil(t, gm.RowsKey)
				}
			}
		}
		var names []string
		for _, c := range got.Columns {
			names = append(names, c.Name)
		}
		assert.Contains(t, names, "id", id)
		assert.Contains(t, names, "status", id)
	}
	users := describe(t, p, "okta.users.users")
	assert.Contains(t, users, "replace_user  ", "StackQL's replace list")
	assert.Regexp(t, `replace_user +exec`, users, "replace is reached with EXEC")
	assert.Regexp(t, `update_user +update`, users)
}

func paramNames(ps []mapping.Param) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// TestLoadErrors covers what Load refuses, each error saying what to give.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"swagger.yaml":    "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n",
		"other.yaml":      "hello: world\n",
		"empty.yaml":      "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n",
		"loop.yaml":       "spec: loop2.yaml\n",
		"loop2.yaml":      "spec: loop.yaml\n",
		"nospec.yaml":     "spec: ''\nresources: {a.b: c.d}\n",
		"badkey.yaml":     "spec: empty.yaml\ntables: {}\n",
		"badverb.yaml":    "spec: empty.yaml\noperations: {x: {verb: upsert}}\n",
		"bad.yaml":        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: {'200': {$ref: '#/components/responses/Nope'}}\n",
		"remote.yaml":     "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    $ref: 'https://example.com/paths.yaml#/a'\n",
		"d/README.md":     "not a provider\n",
		"s/provider.yaml": "id: p\nname: p\n",
	}
	for name, text := range files {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	}
	tests := []struct {
		name, provider, path, want string
	}{
		{"bad provider name", "my-api", "empty.yaml", `provider name "my-api": use letters, digits and underscores`},
		{"missing file", "p", "nope.yaml", "nope.yaml does not exist; give an OpenAPI 3 document (YAML or JSON), a StackQL provider directory or an overlay"},
		{"directory without provider.yaml", "p", "d", "is a directory without provider.yaml"},
		{"Swagger 2.0", "p", "swagger.yaml", "is a Swagger 2.0 document; specsql reads OpenAPI 3: convert it first"},
		{"not a spec", "p", "other.yaml", "has no openapi, providerServices or spec key at the top"},
		{"no tables", "p", "empty.yaml", "empty.yaml maps to no tables"},
		{"an overlay of an overlay", "p", "loop.yaml", "is an overlay too; name the OpenAPI document or StackQL directory itself"},
		{"overlay without spec", "p", "nospec.yaml", "spec is missing: name the OpenAPI document or StackQL directory it applies to"},
		{"overlay with an unknown key", "p", "badkey.yaml", "field tables not found"},
		{"overlay with an unknown verb", "p", "badverb.yaml", `unknown verb "upsert"; use select, insert, update, delete or exec`},
		{"unresolvable reference", "p", "bad.yaml", "bad.yaml"},
		{"reference over the network", "p", "remote.yaml", "specsql does not fetch references over the network; download the file"},
		{"StackQL provider without services", "p", "s", "names no providerServices"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := mapping.Load(tt.provider, filepath.Join(dir, tt.path), mapping.LoadOptions{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestLoadKeepsSpecsqlExtensions: a document written for specsql maps as
// before, under the name it is given.
func TestLoadKeepsSpecsqlExtensions(t *testing.T) {
	path := filepath.Join("..", "testdata", "hr", "hr.yaml")
	p, warnings, err := mapping.Load("people", path, mapping.LoadOptions{})
	require.NoError(t, err)
	assert.Empty(t, warnings)
	doc, err := openapi.LoadFile(path)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	want, err := mapping.FromDocument(doc, "people")
	require.NoError(t, err)
	assert.Equal(t, describe(t, want, "people.employees.employees"), describe(t, p, "people.employees.employees"))
	assert.Equal(t, want.Auth, p.Auth)
	assert.Equal(t, want.Pagination, p.Pagination)
	assert.NotEmpty(t, p.Source)
}
