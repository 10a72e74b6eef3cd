package okta_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/mapping"
	"github.com/specsql/specsql/openapi"
	"github.com/specsql/specsql/provider/okta"
)

func loadProvider(t *testing.T) *mapping.Provider {
	t.Helper()
	p, err := okta.Provider()
	require.NoError(t, err)
	require.NotNil(t, p)
	return p
}

func lookup(t *testing.T, p *mapping.Provider, id string) *mapping.Resource {
	t.Helper()
	reg := &mapping.Registry{}
	require.NoError(t, reg.Add(p))
	r, err := reg.Lookup(id)
	require.NoError(t, err)
	return r
}

func TestSpecValidates(t *testing.T) {
	doc, err := openapi.Load(okta.Spec(), "okta.yaml")
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
}

func TestProviderSettings(t *testing.T) {
	p := loadProvider(t)
	assert.Equal(t, "okta", p.Name)
	assert.Equal(t, mapping.Auth{
		Type: "api_key", Header: "Authorization", ValuePrefix: "SSWS ", CredentialsEnvVar: "OKTA_API_TOKEN",
	}, p.Auth)
	assert.Equal(t, "link_header", p.Pagination.Type)
}

func TestEnrollmentsColumns(t *testing.T) {
	r := lookup(t, loadProvider(t), "okta.webauthn_registration.enrollments")
	want := []struct{ name, typ, format string }{
		{"id", "string", ""},
		{"_links", "object", ""},
		{"created", "string", "date-time"},
		{"factorType", "string", ""},
		{"lastUpdated", "string", "date-time"},
		{"profile", "object", ""},
		{"provider", "string", ""},
		{"status", "string", ""},
		{"vendorName", "string", ""},
	}
	require.Len(t, r.Columns, len(want), "columns: %v", r.Columns)
	for i, w := range want {
		c := r.Columns[i]
		assert.Equal(t, w.name, c.Name, "column %d", i)
		assert.Equal(t, w.typ, c.Type, "type of %s", w.name)
		assert.Equal(t, w.format, c.Format, "format of %s", w.name)
	}
}

func TestEnrollmentsMethods(t *testing.T) {
	r := lookup(t, loadProvider(t), "okta.webauthn_registration.enrollments")
	doc, err := openapi.Load(okta.Spec(), "okta.yaml")
	require.NoError(t, err)

	type param struct{ name, in string }
	subdomain := param{"subdomain", mapping.InServer}
	userID := param{"userId", mapping.InPath}
	enrollmentID := param{"authenticatorEnrollmentId", mapping.InPath}
	want := []struct {
		name, verb, httpMethod, path string
		// params are every parameter of the method, all required.
		params []param
		// pathItemParams: the path parameters are declared on the path item,
		// not on the operation, and must be merged in.
		pathItemParams bool
	}{
		{"list_web_authn_preregistration_factors", "select", "GET",
			"/webauthn-registration/api/v1/users/{userId}/enrollments", []param{subdomain, userID}, true},
		{"delete_web_authn_preregistration_factor", "delete", "DELETE",
			"/webauthn-registration/api/v1/users/{userId}/enrollments/{authenticatorEnrollmentId}",
			[]param{subdomain, userID, enrollmentID}, true},
		{"activate_preregistration_enrollment", "exec", "POST", "/webauthn-registration/api/v1/activate", []param{subdomain}, false},
		{"enroll_preregistration_enrollment", "exec", "POST", "/webauthn-registration/api/v1/enroll", []param{subdomain}, false},
		{"generate_fulfillment_request", "exec", "POST", "/webauthn-registration/api/v1/initiate-fulfillment-request", []param{subdomain}, false},
		{"send_pin", "exec", "POST", "/webauthn-registration/api/v1/send-pin", []param{subdomain}, false},
		{"assign_fulfillment_error_web_authn_preregistration_factor", "exec", "POST",
			"/webauthn-registration/api/v1/users/{userId}/enrollments/{authenticatorEnrollmentId}/mark-error",
			[]param{subdomain, userID, enrollmentID}, true},
	}
	require.Len(t, r.Methods, len(want))
	for i, w := range want {
		t.Run(w.name, func(t *testing.T) {
			m := r.Methods[i]
			assert.Equal(t, w.name, m.Name)
			assert.Equal(t, w.verb, m.Verb)
			assert.Equal(t, w.httpMethod, m.Operation.Method)
			assert.Equal(t, w.path, m.Operation.Path)
			var got []param
			for _, p := range m.Params {
				got = append(got, param{p.Name, p.In})
				assert.True(t, p.Required, "%s must be required", p.Name)
			}
			assert.Equal(t, w.params, got)
			var required []string
			for _, p := range m.RequiredParams() {
				required = append(required, p.Name)
			}
			assert.Contains(t, required, "subdomain")
			if w.pathItemParams {
				assert.Empty(t, doc.T.Paths.Value(w.path).GetOperation(w.httpMethod).Parameters,
					"the path parameters are declared at path-item level; this checks that they were merged")
			}
		})
	}
	assert.Equal(t, []string{"select", "delete", "exec"}, r.Verbs())
	assert.Equal(t, mapping.RowsArray, r.Methods[0].Rows)
	assert.Equal(t, mapping.RowsNone, r.Methods[1].Rows)
	assert.NotNil(t, r.Method("enroll_preregistration_enrollment").Body)
	assert.Nil(t, r.Method("assign_fulfillment_error_web_authn_preregistration_factor").Body)
}

func TestUsersAndFactors(t *testing.T) {
	p := loadProvider(t)
	users := lookup(t, p, "okta.users.users")

	selects := users.MethodsFor(mapping.VerbSelect)
	var names []string
	for _, m := range selects {
		names = append(names, m.Name)
	}
	assert.Equal(t, []string{"get_user", "list_users"}, names, "the most specific method comes first")

	list := users.Method("list_users")
	require.NotNil(t, list)
	for _, name := range []string{"limit", "after", "q", "filter", "search"} {
		p, ok := list.Param(name)
		if assert.True(t, ok, "list_users has %s", name) {
			assert.Equal(t, mapping.InQuery, p.In, name)
			assert.False(t, p.Required, name)
		}
	}
	limit, _ := list.Param("limit")
	assert.Equal(t, "integer", limit.Type)
	assert.Equal(t, mapping.RowsArray, list.Rows)

	get := users.Method("get_user")
	require.NotNil(t, get)
	assert.Equal(t, mapping.RowsObject, get.Rows)
	id, ok := get.Param("id")
	require.True(t, ok)
	assert.True(t, id.Required)
	assert.Equal(t, mapping.InPath, id.In)

	factors := lookup(t, p, "okta.users.factors")
	lf := factors.Method("list_factors")
	require.NotNil(t, lf)
	assert.Equal(t, "/api/v1/users/{userId}/factors", lf.Operation.Path)
	u, ok := lf.Param("userId")
	require.True(t, ok)
	assert.True(t, u.Required)
	require.NotEmpty(t, factors.Columns)
	assert.Equal(t, "id", factors.Columns[0].Name)
}

func TestEveryMethodNeedsSubdomain(t *testing.T) {
	p := loadProvider(t)
	n := 0
	for _, s := range p.Services {
		for _, r := range s.Resources {
			for _, m := range r.Methods {
				n++
				sub, ok := m.Param("subdomain")
				if assert.True(t, ok, "%s.%s", r.ID(), m.Name) {
					assert.Equal(t, mapping.InServer, sub.In, "%s.%s", r.ID(), m.Name)
					assert.True(t, sub.Required, "%s.%s", r.ID(), m.Name)
				}
				require.NotEmpty(t, m.Operation.Servers)
				assert.Equal(t, "https://{subdomain}.okta.com/", m.Operation.Servers[0].URL)
			}
		}
	}
	assert.Equal(t, 10, n, "7 enrollment methods, get_user, list_users, list_factors")
}
