package provider

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/mapping"
	"github.com/specsql/specsql/openapi"
)

func TestURLDefaultServer(t *testing.T) {
	tests := []struct {
		resource, method string
		params           map[string]string
		want             string
	}{
		{users, "list_users", map[string]string{"subdomain": "acme"},
			"https://acme.okta.com/api/v1/users"},
		{users, "get_user", map[string]string{"subdomain": "acme", "id": "00u1"},
			"https://acme.okta.com/api/v1/users/00u1"},
		{enrollments, "list_web_authn_preregistration_factors", map[string]string{"subdomain": "acme", "userId": "00u1"},
			"https://acme.okta.com/webauthn-registration/api/v1/users/00u1/enrollments"},
		{enrollments, "delete_web_authn_preregistration_factor",
			map[string]string{"subdomain": "acme", "userId": "00u1", "authenticatorEnrollmentId": "fwf1"},
			"https://acme.okta.com/webauthn-registration/api/v1/users/00u1/enrollments/fwf1"},
		{enrollments, "assign_fulfillment_error_web_authn_preregistration_factor",
			map[string]string{"subdomain": "acme", "userId": "00u1", "authenticatorEnrollmentId": "fwf1"},
			"https://acme.okta.com/webauthn-registration/api/v1/users/00u1/enrollments/fwf1/mark-error"},
		{enrollments, "send_pin", map[string]string{"subdomain": "my-org"},
			"https://my-org.okta.com/webauthn-registration/api/v1/send-pin"},
		// Values of parameters the method does not take are ignored.
		{users, "list_users", map[string]string{"subdomain": "acme", "userId": "00u1", "id": "x"},
			"https://acme.okta.com/api/v1/users"},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			u, err := New().URL(method(t, tt.resource, tt.method), tt.params)
			require.NoError(t, err)
			assert.Equal(t, tt.want, u.String())
			assert.NotContains(t, strings.TrimPrefix(u.String(), "https://"), "//")
		})
	}
}

func TestURLPathParametersStayInTheirSegment(t *testing.T) {
	tests := []struct {
		value   string
		escaped string
	}{
		{"00u1", "00u1"},
		{"a/b", "a%2Fb"},
		{"a?b=c", "a%3Fb=c"},
		{"a#b", "a%23b"},
		{"50%", "50%25"},
		{"a%2Fb", "a%252Fb"},
		{"a b", "a%20b"},
		{"bücher", "b%C3%BCcher"},
		{"日本", "%E6%97%A5%E6%9C%AC"},
		{"a;b", "a%3Bb"},
		{"../admin", "..%2Fadmin"},
		{"...", "..."},
		{"{authenticatorEnrollmentId}", "%7BauthenticatorEnrollmentId%7D"},
	}
	m := method(t, enrollments, "delete_web_authn_preregistration_factor")
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			u, err := New().URL(m, map[string]string{"subdomain": "acme", "userId": tt.value, "authenticatorEnrollmentId": "fwf1"})
			require.NoError(t, err)
			want := "https://acme.okta.com/webauthn-registration/api/v1/users/" + tt.escaped + "/enrollments/fwf1"
			assert.Equal(t, want, u.String())
			assert.Empty(t, u.RawQuery)
			assert.Empty(t, u.Fragment)

			// What a server sees: the same number of segments, and the
			// user's segment unescapes to the value.
			parsed, err := url.Parse(u.String())
			require.NoError(t, err)
			segs := strings.Split(parsed.EscapedPath(), "/")
			require.Len(t, segs, 8)
			got, err := url.PathUnescape(segs[5])
			require.NoError(t, err)
			assert.Equal(t, tt.value, got)
			assert.Equal(t, "fwf1", segs[7])
		})
	}
}

func TestURLRefusesUnusablePathSegments(t *testing.T) {
	m := method(t, enrollments, "delete_web_authn_preregistration_factor")
	for _, v := range []string{"", ".", ".."} {
		for _, param := range []string{"userId", "authenticatorEnrollmentId"} {
			t.Run(param+"="+v, func(t *testing.T) {
				params := map[string]string{"subdomain": "acme", "userId": "00u1", "authenticatorEnrollmentId": "fwf1"}
				params[param] = v
				_, err := New().URL(m, params)
				require.Error(t, err)
				assert.Contains(t, err.Error(), fmt.Sprintf("%s = %q is not a usable path segment", param, v))
				assert.Contains(t, err.Error(), "delete_web_authn_preregistration_factor")
			})
		}
	}
	t.Run("missing", func(t *testing.T) {
		_, err := New().URL(m, map[string]string{"subdomain": "acme", "userId": "00u1"})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "path parameter authenticatorEnrollmentId has no value")
	})
}

func TestURLQueryParameters(t *testing.T) {
	m := method(t, users, "list_users")
	tests := []struct {
		name     string
		params   map[string]string
		rawQuery string
	}{
		{"none", map[string]string{}, ""},
		{"limit", map[string]string{"limit": "200"}, "limit=200"},
		{"search with quotes and spaces",
			map[string]string{"search": `profile.lastName eq "O'Brien" and status eq "ACTIVE"`},
			"search=profile.lastName+eq+%22O%27Brien%22+and+status+eq+%22ACTIVE%22"},
		{"no injection of other parameters",
			map[string]string{"q": "a&after=evil#frag", "limit": "5"},
			"limit=5&q=a%26after%3Devil%23frag"},
		{"sorted and all encoded",
			map[string]string{"filter": `status eq "LOCKED_OUT"`, "after": "00u+/=", "q": "é"},
			"after=00u%2B%2F%3D&filter=status+eq+%22LOCKED_OUT%22&q=%C3%A9"},
		{"empty value is sent", map[string]string{"q": ""}, "q="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := map[string]string{"subdomain": "acme"}
			for k, v := range tt.params {
				params[k] = v
			}
			u, err := New().URL(m, params)
			require.NoError(t, err)
			assert.Equal(t, tt.rawQuery, u.RawQuery)
			assert.Equal(t, "/api/v1/users", u.Path)
			assert.Empty(t, u.Fragment)
			back, err := url.ParseQuery(u.RawQuery)
			require.NoError(t, err)
			assert.Len(t, back, len(tt.params))
			for k, v := range tt.params {
				assert.Equal(t, v, back.Get(k), k)
			}
		})
	}
}

func TestURLServerOverride(t *testing.T) {
	m := method(t, users, "list_users")
	tests := []struct {
		template string
		want     string
	}{
		{"https://{subdomain}.oktapreview.com/", "https://acme.oktapreview.com/api/v1/users"},
		{"https://{subdomain}.okta-emea.com", "https://acme.okta-emea.com/api/v1/users"},
		{"https://login.example.com/", "https://login.example.com/api/v1/users"},
		{"https://login.example.com/okta/", "https://login.example.com/okta/api/v1/users"},
		{"https://login.example.com/okta", "https://login.example.com/okta/api/v1/users"},
		{"HTTPS://{subdomain}.OKTA.com/", "https://acme.OKTA.com/api/v1/users"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/api/v1/users"},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/api/v1/users"},
		{"http://127.0.0.2/", "http://127.0.0.2/api/v1/users"},
		{"http://[::1]:8080/", "http://[::1]:8080/api/v1/users"},
		{"http://localhost:8080/", "http://localhost:8080/api/v1/users"},
		{"http://LocalHost./", "http://LocalHost./api/v1/users"},
		{"http://{subdomain}.localhost:8080/", "http://acme.localhost:8080/api/v1/users"},
		{"http://x.localhost/", "http://x.localhost/api/v1/users"},
	}
	for _, tt := range tests {
		t.Run(tt.template, func(t *testing.T) {
			c := New()
			c.Servers = map[string]string{"okta": tt.template}
			u, err := c.URL(m, map[string]string{"subdomain": "acme", "limit": "3"})
			require.NoError(t, err)
			assert.Equal(t, tt.want+"?limit=3", u.String())
		})
	}
}

func TestURLRefusedServers(t *testing.T) {
	m := method(t, users, "list_users")
	tests := []struct {
		template string
		want     string
	}{
		{"http://{subdomain}.okta.com/", "only https is allowed"},
		{"http://example.com/", "only https is allowed"},
		{"http://10.0.0.1/", "only https is allowed"},
		{"http://192.168.1.1:8080/", "only https is allowed"},
		{"http://localhost.evil.com/", "only https is allowed"},
		{"http://127.0.0.1.nip.io/", "only https is allowed"},
		{"http://localhostx/", "only https is allowed"},
		{"http://[::2]/", "only https is allowed"},
		{"ftp://127.0.0.1/", "only https is allowed"},
		{"file:///etc/passwd", "not an absolute URL"},
		{"/api", "not an absolute URL"},
		{"https://user:s3cret@{subdomain}.okta.com/", "must not hold credentials"},
		{"https://user@{subdomain}.okta.com/", "must not hold credentials"},
		{"http://user:s3cret@localhost:8080/", "must not hold credentials"},
		{"http://user:s3cret@example.com/", "only https is allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.template, func(t *testing.T) {
			c := New()
			c.Servers = map[string]string{"okta": tt.template}
			u, err := c.URL(m, map[string]string{"subdomain": "acme"})
			require.Error(t, err)
			assert.Nil(t, u)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), "okta.users.users.list_users")
			assert.NotContains(t, err.Error(), "s3cret", "the error must not repeat a password")
		})
	}
}

func TestSubdomainValues(t *testing.T) {
	m := method(t, enrollments, "list_web_authn_preregistration_factors")
	refused := []struct{ value, rule string }{
		{"evil.com/x", `"/" is not allowed in a host name`},
		{"a@b", `"@" is not allowed`},
		{"a:1", `":" is not allowed`},
		{"a?b", `"?" is not allowed`},
		{"a#b", `"#" is not allowed`},
		{"a%2eb", `"%" is not allowed`},
		{"a b", "a space is not allowed"},
		{" acme", "a space is not allowed"},
		{"a\x00", "the control character U+0000"},
		{"a_b", `"_" is not allowed`},
		{"bücher", `"ü" is not allowed`},
		{"{subdomain}", `"{" is not allowed`},
		{"", "it is empty"},
		{"-a", "it is not a DNS name"},
		{"a-", "it is not a DNS name"},
		{"a..b", "it is not a DNS name"},
		{"acme.", "it is not a DNS name"},
		{".okta.com", "it is not a DNS name"},
		{strings.Repeat("a", 64), "it is not a DNS name"},
		{"evil.com", "a full host must be within the official domains (okta.com, oktapreview.com, okta-emea.com, okta-gov.com, okta.mil) or a custom domain configured for okta (--custom-domain okta=HOST"},
		{"okta.com", "a full host must be within"},
		{"acme.okta.com.evil.com", "a full host must be within"},
		{"acmeokta.com", "a full host must be within"},
		{"acme-admin", `"acme-admin" names the Admin Console, not the org; API calls go to the org's own host (acme)`},
		{"acme-admin.okta.com", "names the Admin Console"},
		{"ACME-ADMIN.oktapreview.com", "names the Admin Console"},
		{"login.example.com", "a full host must be within"},
	}
	for _, template := range []string{"", "http://{subdomain}.localhost:8080/", "https://{subdomain}.oktapreview.com/"} {
		for _, tt := range refused {
			t.Run(template+"/"+tt.value, func(t *testing.T) {
				c := New()
				if template != "" {
					c.Servers = map[string]string{"okta": template}
				}
				u, err := c.URL(m, map[string]string{"subdomain": tt.value, "userId": "00u1"})
				require.Error(t, err)
				assert.Nil(t, u)
				var he *HostError
				require.ErrorAs(t, err, &he)
				assert.Contains(t, err.Error(), fmt.Sprintf("subdomain = %q is refused", tt.value), "the error names the value")
				assert.Contains(t, err.Error(), tt.rule, "the error names the rule")
			})
		}
	}

	accepted := []struct{ value, url string }{
		{"acme", "https://acme.okta.com/webauthn-registration/api/v1/users/00u1/enrollments"},
		{"ACME", "https://ACME.okta.com/webauthn-registration/api/v1/users/00u1/enrollments"},
		{"my-org-2", "https://my-org-2.okta.com/webauthn-registration/api/v1/users/00u1/enrollments"},
		{"xn--bcher-kva", "https://xn--bcher-kva.okta.com/webauthn-registration/api/v1/users/00u1/enrollments"},
		{strings.Repeat("a", 63), "https://" + strings.Repeat("a", 63) + ".okta.com/webauthn-registration/api/v1/users/00u1/enrollments"},
		{"acme.oktapreview.com", "https://acme.oktapreview.com/webauthn-registration/api/v1/users/00u1/enrollments"},
		{"Acme.Okta-EMEA.com", "https://acme.okta-emea.com/webauthn-registration/api/v1/users/00u1/enrollments"},
		{"acme.okta-gov.com", "https://acme.okta-gov.com/webauthn-registration/api/v1/users/00u1/enrollments"},
		{"acme.okta.mil", "https://acme.okta.mil/webauthn-registration/api/v1/users/00u1/enrollments"},
		{"acme.okta.com", "https://acme.okta.com/webauthn-registration/api/v1/users/00u1/enrollments"},
		{"login.acme.com", "https://login.acme.com/webauthn-registration/api/v1/users/00u1/enrollments"},
	}
	for _, tt := range accepted {
		t.Run("ok/"+tt.value, func(t *testing.T) {
			c := New()
			c.CustomDomains = map[string][]string{"okta": {"login.acme.com"}}
			u, err := c.URL(m, map[string]string{"subdomain": tt.value, "userId": "00u1"})
			require.NoError(t, err)
			assert.Equal(t, tt.url, u.String())
		})
	}

	// A custom domain is the configured host exactly: not a host under it.
	c := New()
	c.CustomDomains = map[string][]string{"okta": {"login.acme.com"}}
	_, err := c.URL(m, map[string]string{"subdomain": "evil.login.acme.com", "userId": "00u1"})
	require.ErrorContains(t, err, "a full host must be within")
}

func TestURLMissingServer(t *testing.T) {
	m := method(t, users, "list_users")
	_, err := New().URL(m, map[string]string{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "needs a value for {subdomain}")

	bare := &mapping.Method{
		Name:      "get",
		Resource:  &mapping.Resource{Name: "r", Service: &mapping.Service{Name: "s", Provider: &mapping.Provider{Name: "p"}}},
		Operation: &openapi.Operation{Method: "GET", Path: "/x"},
	}
	_, err = New().URL(bare, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "pass --server p=URL")

	c := New()
	c.Servers = map[string]string{"p": "https://api.example.com/v1/"}
	u, err := c.URL(bare, nil)
	require.NoError(t, err)
	assert.Equal(t, "https://api.example.com/v1/x", u.String())
}
