package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/mapping"
	"github.com/specsql/specsql/openapi"
)

// genericSpec is a provider other than Okta; auth and pagination are
// filled in per test.
const genericSpec = `
openapi: 3.0.3
info: {title: Widgets, version: "1"}
servers:
  - url: http://127.0.0.1/
x-specsql-provider:
  name: widgets
%s
paths:
  /widgets:
    get:
      operationId: listWidgets
      x-specsql-resource: shop.widgets
      parameters:
        - {name: X-Tenant, in: header, schema: {type: string}}
        - {name: color, in: query, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: array
                items:
                  type: object
                  properties:
                    id: {type: string}
`

func genericMethod(t *testing.T, ext string) *mapping.Method {
	t.Helper()
	doc, err := openapi.Load([]byte(fmt.Sprintf(genericSpec, ext)), "widgets.yaml")
	require.NoError(t, err)
	p, err := mapping.FromDocument(doc, "")
	require.NoError(t, err)
	m := p.Service("shop").Resource("widgets").Method("list_widgets")
	require.NotNil(t, m)
	return m
}

func TestGenericProviderAuthAndPaging(t *testing.T) {
	tests := []struct {
		name       string
		ext        string
		tokens     map[string]string
		env        map[string]string
		wantHeader string // header that carries the credential
		wantValue  string
		wantPages  int
		wantErr    string
	}{
		{"no auth, no paging", "", nil, nil, "", "", 1, ""},
		{"api key in a custom header, from the environment",
			"  auth: {type: api_key, header: X-API-Key, credentialsEnvVar: WIDGETS_KEY}\n",
			nil, map[string]string{"WIDGETS_KEY": "k1"}, "X-API-Key", "k1", 1, ""},
		{"api key defaults to Authorization, Tokens win over the environment",
			"  auth: {type: api_key, valuePrefix: 'Bearer ', credentialsEnvVar: WIDGETS_KEY}\n",
			map[string]string{"widgets": "t1"}, map[string]string{"WIDGETS_KEY": "k1"}, "Authorization", "Bearer t1", 1, ""},
		{"link_header paging is followed",
			"  pagination: {type: link_header}\n", nil, nil, "", "", 2, ""},
		{"missing key", "  auth: {type: api_key, credentialsEnvVar: WIDGETS_KEY}\n",
			nil, nil, "", "", 0, "provider widgets: no API token: set WIDGETS_KEY"},
		{"missing key and no variable named", "  auth: {type: api_key}\n",
			nil, nil, "", "", 0, "provider widgets: no credentials are configured"},
		{"unsupported auth", "  auth: {type: oauth2}\n",
			nil, nil, "", "", 0, `auth type "oauth2" is not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &counter{}
			h.handle(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("page") == "" {
					w.Header().Add("Link", `</widgets?page=2>; rel="next"`)
				}
				writeJSONBody(w, `[{"id":"w"}]`)
			})
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			c := New()
			c.Servers = map[string]string{"widgets": srv.URL}
			c.Tokens = tt.tokens
			c.Getenv = func(k string) string { return tt.env[k] }
			r := run(t, c, genericMethod(t, tt.ext), map[string]string{"X-Tenant": "t-9", "color": "red"}, nil)
			if tt.wantErr != "" {
				require.Error(t, r.err)
				assert.Contains(t, r.err.Error(), tt.wantErr)
				assert.NotContains(t, r.err.Error(), "--demo", "--demo is Okta's")
				assert.Empty(t, h.requests())
				return
			}
			require.NoError(t, r.err)
			assert.Equal(t, tt.wantPages, r.out.Pages)
			reqs := h.requests()
			require.Len(t, reqs, tt.wantPages)
			first := reqs[0]
			assert.Equal(t, "t-9", first.Header.Get("X-Tenant"), "header parameters are sent as headers")
			assert.Equal(t, "red", first.URL.Query().Get("color"))
			assert.Equal(t, "specsql", first.Header.Get("User-Agent"))
			if tt.wantHeader == "" {
				assert.Empty(t, first.Header.Values("Authorization"))
				assert.Empty(t, first.Header.Values("X-API-Key"))
			} else {
				assert.Equal(t, []string{tt.wantValue}, first.Header.Values(tt.wantHeader))
			}
		})
	}
}
