package mapping_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/mapping"
)

// inferSpec is a document without extensions: widgets with parts and
// lifecycle actions, a service with RPC-style actions, a wrapped list, a
// list of scalars, and operations that cannot be tables.
const inferSpec = `openapi: 3.0.3
info: {title: shop, version: "1"}
servers:
  - url: https://{region}.shop.example.com/
    variables: {region: {default: eu, description: Where the shop is}}
components:
  securitySchemes:
    oauth: {type: oauth2, flows: {clientCredentials: {tokenUrl: /token, scopes: {}}}}
    key: {type: apiKey, in: header, name: X-Shop-Key}
  schemas:
    Widget:
      allOf:
        - {$ref: '#/components/schemas/Base'}
        - {type: object, properties: {colour: {type: string, description: Paint}}}
    Base:
      type: object
      properties: {id: {type: string}, created: {type: string, format: date-time}}
    Part:
      type: object
      properties: {id: {type: string}, weight: {type: number}}
    List: {type: array, items: {$ref: '#/components/schemas/Widget'}}
paths:
  /api/v1/widgets:
    get:
      operationId: listWidgets
      tags: [Widget]
      parameters: [{name: limit, in: query, schema: {type: integer}}]
      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/List'}}}}}
    post:
      operationId: createWidget
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Widget'}}}}
      responses: {'201': {description: made, content: {application/json: {schema: {$ref: '#/components/schemas/Widget'}}}}}
  /api/v1/widgets/{widgetId}:
    parameters: [{name: widgetId, in: path, required: true, schema: {type: string}}]
    get:
      operationId: getWidget
      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Widget'}}}}}
    put:
      operationId: replaceWidget
      responses: {'200': {description: ok}}
    patch:
      operationId: patchWidget
      responses: {'200': {description: ok}}
    post:
      operationId: updateWidget
      responses: {'200': {description: ok}}
    delete:
      operationId: deleteWidget
      responses: {'204': {description: gone}}
    head:
      operationId: headWidget
      responses: {'200': {description: ok}}
  /api/v1/widgets/{widgetId}/lifecycle/activate:
    parameters: [{name: widgetId, in: path, required: true, schema: {type: string}}]
    post:
      operationId: activateWidget
      responses: {'204': {description: done}}
  /api/v1/widgets/{widgetId}/sessions:
    parameters: [{name: widgetId, in: path, required: true, schema: {type: string}}]
    delete:
      operationId: revokeWidgetSessions
      responses: {'204': {description: gone}}
  /api/v1/widgets/{widgetId}/parts:
    parameters: [{name: widgetId, in: path, required: true, schema: {type: string}}]
    get:
      operationId: listWidgetParts
      responses: {'200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Part'}}}}}}
  /api/v1/widgets/{widgetId}/bins/{binId}/parts:
    parameters:
      - {name: widgetId, in: path, required: true, schema: {type: string}}
      - {name: binId, in: path, required: true, schema: {type: string}}
    get:
      operationId: listBinParts
      responses: {'200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Part'}}}}}}
  /api/v1/widgets/{widgetId}/export:
    parameters: [{name: widgetId, in: path, required: true, schema: {type: string}}]
    get:
      operationId: exportWidget
      responses: {'200': {description: ok, content: {text/csv: {schema: {type: string}}}}}
  /api/v1/tags:
    get:
      operationId: list_tags
      responses: {'200': {description: ok, content: {application/json: {schema: {type: array, items: {type: string}}}}}}
  /api/v1/pages:
    get:
      operationId: listPages
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  items: {type: array, items: {$ref: '#/components/schemas/Part'}}
                  next: {type: string}
  /api/v1/pages/{pageId}:
    parameters: [{name: pageId, in: path, required: true, schema: {type: string}}]
    get:
      operationId: getPage
      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Part'}}}}}
  /reports-api/v2/run:
    post:
      responses: {'200': {description: ok}}
  /reports-api/v2/reports:
    get:
      operationId: listReports
      responses: {'200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Part'}}}}}}
  /v1/{anything}:
    parameters: [{name: anything, in: path, required: true, schema: {type: string}}]
    get:
      operationId: getAnything
      tags: [MiscThings]
      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Part'}}}}}
`

// TestInference maps a document without extensions by REST conventions.
func TestInference(t *testing.T) {
	dir := writeTree(t, map[string]string{"shop.yaml": inferSpec})
	p, warnings, err := mapping.Load("shop", filepath.Join(dir, "shop.yaml"), mapping.LoadOptions{})
	require.NoError(t, err)

	tables := map[string][]string{}
	for _, s := range p.Services {
		for _, r := range s.Resources {
			for _, m := range r.Methods {
				var req []string
				for _, prm := range m.RequiredParams() {
					req = append(req, prm.Name)
				}
				line := fmt.Sprintf("%s %s(%s)", m.Name, m.Verb, strings.Join(req, ","))
				if m.RowsKey != nil {
					line += fmt.Sprintf(" rows at %v", m.RowsKey)
				}
				tables[s.Name+"."+r.Name] = append(tables[s.Name+"."+r.Name], line)
			}
		}
	}
	assert.Equal(t, map[string][]string{
		"widgets.widgets": {
			"get_widget select(region,widgetId)", "list_widgets select(region)",
			"create_widget insert(region)",
			"replace_widget update(region,widgetId)", "patch_widget update(region,widgetId)",
			"delete_widget delete(region,widgetId)",
			"update_widget exec(region,widgetId)", "activate_widget exec(region,widgetId)",
			"revoke_widget_sessions exec(region,widgetId)",
		},
		"widgets.parts":      {"list_widget_parts select(region,widgetId)"},
		"widgets.bins_parts": {"list_bin_parts select(region,widgetId,binId)"},
		"tags.tags":          {"list_tags select(region)"},
		"pages.pages":        {"get_page select(region,pageId)", "list_pages select(region) rows at [items]"},
		"reports_api.reports": {
			"list_reports select(region)", "post_reports_api_run exec(region)",
		},
		"misc_things.misc_things": {"get_anything select(region,anything)"},
	}, tables)

	columns := func(id string) []string {
		var out []string
		for _, c := range lookup(t, p, id).Columns {
			out = append(out, c.Name+" "+c.Type)
		}
		return out
	}
	assert.Equal(t, []string{"id string", "colour string", "created string"}, columns("shop.widgets.widgets"), "allOf merged, id first")
	assert.Equal(t, []string{"value string"}, columns("shop.tags.tags"), "a list of scalars is a one-column table")
	assert.Equal(t, []string{"id string", "weight number"}, columns("shop.pages.pages"), "the rows of a wrapped list")
	region := lookup(t, p, "shop.widgets.widgets").Method("list_widgets").Params[0]
	assert.Equal(t, mapping.Param{Name: "region", In: mapping.InServer, Type: "string", Description: "Where the shop is", Required: true, Default: "eu"}, region)

	assert.Equal(t, mapping.Auth{Type: "api_key", Header: "X-Shop-Key", CredentialsEnvVar: "SHOP_API_TOKEN"}, p.Auth)
	assert.Equal(t, mapping.Pagination{Type: mapping.PageLinkHeader}, p.Pagination)
	text := warningsText(warnings)
	assert.Contains(t, text, "1 operation left out (a GET without a JSON response): GET /api/v1/widgets/{widgetId}/export")
	assert.Contains(t, text, "1 operation left out (HEAD, OPTIONS and TRACE return no rows): HEAD /api/v1/widgets/{widgetId}")
}

func lookup(t *testing.T, p *mapping.Provider, id string) *mapping.Resource {
	t.Helper()
	reg := &mapping.Registry{}
	require.NoError(t, reg.Add(p))
	r, err := reg.Lookup(id)
	require.NoError(t, err)
	return r
}

func TestInferredAuth(t *testing.T) {
	tests := []struct {
		name, schemes, security string
		want                    mapping.Auth
		wantWarning             string
	}{
		{"none", "", "", mapping.Auth{}, ""},
		{"bearer", "{bearer: {type: http, scheme: bearer}}", "",
			mapping.Auth{Type: "api_key", Header: "Authorization", ValuePrefix: "Bearer ", CredentialsEnvVar: "HR_API_TOKEN"}, ""},
		{"the required scheme first", "{a: {type: apiKey, in: header, name: X-A}, b: {type: apiKey, in: header, name: X-B}}", "security: [{b: []}]",
			mapping.Auth{Type: "api_key", Header: "X-B", CredentialsEnvVar: "HR_API_TOKEN"}, ""},
		{"nothing usable", "{basic: {type: http, scheme: basic}, q: {type: apiKey, in: query, name: key}}", "",
			mapping.Auth{}, "none of its security schemes (basic, q) is an API key in a header or a bearer token; calls are sent without credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := "openapi: 3.0.3\ninfo: {title: hr, version: '1'}\n" + tt.security + "\n"
			if tt.schemes != "" {
				spec += "components: {securitySchemes: " + tt.schemes + "}\n"
			}
			spec += "paths: {/people: {get: {operationId: listPeople, responses: {'200': {description: ok, content: {application/json: {schema: {type: array, items: {type: object}}}}}}}}}\n"
			dir := writeTree(t, map[string]string{"hr.yaml": spec})
			p, warnings, err := mapping.Load("hr", filepath.Join(dir, "hr.yaml"), mapping.LoadOptions{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, p.Auth)
			if tt.wantWarning != "" {
				assert.Contains(t, warningsText(warnings), tt.wantWarning)
			}
		})
	}
}

// TestInferredNamesStayUnique: operationIds whose snake_case meets get a
// suffix, with a warning, rather than one hiding the other.
func TestInferredNamesStayUnique(t *testing.T) {
	spec := `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    get:
      operationId: getHTTPThings
      responses: {'200': {description: ok, content: {application/json: {schema: {type: array, items: {type: object}}}}}}
    post:
      operationId: getHttpThings
      responses: {'200': {description: ok}}
`
	dir := writeTree(t, map[string]string{"t.yaml": spec})
	p, warnings, err := mapping.Load("t", filepath.Join(dir, "t.yaml"), mapping.LoadOptions{})
	require.NoError(t, err)
	r := lookup(t, p, "t.things.things")
	assert.NotNil(t, r.Method("get_http_things"))
	assert.NotNil(t, r.Method("get_http_things_post"))
	assert.Contains(t, warningsText(warnings), "POST /things: method things.things.get_http_things exists already; this one is named get_http_things_post")
}
