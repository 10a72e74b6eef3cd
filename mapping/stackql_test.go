package mapping_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/mapping"
)

// writeTree writes files under a new directory and returns it.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	}
	return dir
}

// warningsText joins warnings' messages.
func warningsText(ws []mapping.Warning) string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Message)
	}
	return strings.Join(out, "\n")
}

// stackQLDoc is a StackQL service document for /things, a bare array of
// things, and /pages, an object holding pages; methods, sqlVerbs and
// x-stackQL-config are the test's.
func stackQLDoc(methods, sqlVerbs, config string) string {
	return `openapi: 3.0.3
info: {title: things, version: "1"}
servers: [{url: "https://{subdomain}.example.com/", variables: {subdomain: {default: acme}}}]
paths:
  /things:
    get:
      operationId: listThings
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/ListThingsResponse'}
    post:
      operationId: createThing
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}
      responses: {'201': {description: made}}
  /things/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get:
      operationId: getThing
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}
    put:
      operationId: replaceThing
      responses: {'204': {description: replaced}}
    delete:
      operationId: deleteThing
      responses: {'204': {description: gone}}
  /pages:
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
                  data:
                    type: object
                    properties:
                      items: {type: array, items: {$ref: '#/components/schemas/Thing'}}
                  next: {type: string}
components:
  schemas:
    Thing:
      type: object
      properties: {id: {type: string}, colour: {type: string}}
    ListThingsResponse:
      type: object
      properties:
        things: {type: array, items: {$ref: '#/components/schemas/Thing'}}
  x-stackQL-resources:
    things:
      id: acme.shop.things
      name: things
      methods:
` + methods + `
      sqlVerbs:
` + sqlVerbs + `
` + config
}

const (
	listThingsWrapped = `        list_things:
          operation: {$ref: '#/paths/~1things/get'}
          response:
            mediaType: application/json
            openAPIDocKey: '200'
            objectKey: $.things
            schema_override: {$ref: '#/components/schemas/ListThingsResponse'}
            transform:
              body: |-
                {{- $wrapped := printf "{\"things\":%s}" . -}}
                {{- $wrapped -}}
              type: golang_template_text_v0.3.0
`
	allThingMethods = listThingsWrapped + `        get_thing:
          operation: {$ref: '#/paths/~1things~1{id}/get'}
          response: {mediaType: application/json, openAPIDocKey: '200'}
        create_thing:
          operation: {$ref: '#/paths/~1things/post'}
          response: {mediaType: application/json, openAPIDocKey: '201'}
        replace_thing:
          operation: {$ref: '#/paths/~1things~1{id}/put'}
          response: {mediaType: application/json, openAPIDocKey: '204'}
        delete_thing:
          operation: {$ref: '#/paths/~1things~1{id}/delete'}
          response: {mediaType: application/json, openAPIDocKey: '204'}
`
	allThingVerbs = `        select:
          - $ref: '#/components/x-stackQL-resources/things/methods/get_thing'
          - $ref: '#/components/x-stackQL-resources/things/methods/list_things'
        insert: [{$ref: '#/components/x-stackQL-resources/things/methods/create_thing'}]
        update: []
        delete: [{$ref: '#/components/x-stackQL-resources/things/methods/delete_thing'}]
        replace: [{$ref: '#/components/x-stackQL-resources/things/methods/replace_thing'}]
`
	selectList = `        select: [{$ref: '#/components/x-stackQL-resources/things/methods/list_things'}]
`
)

func TestStackQLMethods(t *testing.T) {
	tests := []struct {
		name    string
		methods string
		verbs   string
		// want lists the table's methods as "name verb rows key".
		want        []string
		wantColumns []string
		wantWarning string
	}{
		{
			name:    "sqlVerbs give the verbs, in their order; replace and the rest are exec",
			methods: allThingMethods, verbs: allThingVerbs,
			want: []string{"get_thing select 2 []", "list_things select 1 []", "create_thing insert 0 []",
				"delete_thing delete 0 []", "replace_thing exec 0 []"},
			wantColumns: []string{"id", "colour"},
		},
		{
			name:    "the bare-array transform reads the array the API sends",
			methods: listThingsWrapped, verbs: selectList,
			want: []string{"list_things select 1 []"},
		},
		{
			name: "an objectKey without transform is followed into the body",
			methods: `        list_pages:
          operation: {$ref: '#/paths/~1pages/get'}
          response: {mediaType: application/json, openAPIDocKey: '200', objectKey: '$.data.items[*]'}
`,
			verbs: `        select: [{$ref: '#/components/x-stackQL-resources/things/methods/list_pages'}]
`,
			want: []string{"list_pages select 1 [data items]"},
		},
		{
			name: "an objectKey in brackets",
			methods: `        list_pages:
          operation: {$ref: '#/paths/~1pages/get'}
          response: {mediaType: application/json, objectKey: "$['data']"}
`,
			verbs: `        select: [{$ref: '#/components/x-stackQL-resources/things/methods/list_pages'}]
`,
			want: []string{"list_pages select 2 [data]"},
		},
		{
			name: "another transform leaves the method out",
			methods: strings.Replace(listThingsWrapped, `{{- $wrapped -}}`, `{{- upper $wrapped -}}`, 1) + `        get_thing:
          operation: {$ref: '#/paths/~1things~1{id}/get'}
          response: {openAPIDocKey: '200'}
`,
			verbs: `        select: [{$ref: '#/components/x-stackQL-resources/things/methods/get_thing'}]
`,
			want:        []string{"get_thing select 2 []"},
			wantWarning: "1 method left out (a response transform other than the bare-array wrapping specsql reads): things.list_things",
		},
		{
			name:        "an objectKey beside the wrapped array leaves the method out",
			methods:     strings.Replace(listThingsWrapped, "objectKey: $.things", "objectKey: $.other", 1),
			verbs:       selectList,
			wantWarning: "1 method left out (objectKey not reading the array the transform wraps): things.list_things",
		},
		{
			name: "an objectKey that is no JSONPath specsql reads",
			methods: `        list_pages:
          operation: {$ref: '#/paths/~1pages/get'}
          response: {objectKey: '$..items'}
`,
			verbs:       "        select: []\n",
			wantWarning: `objectKey "$..items", not a JSONPath specsql reads ($, $.a.b, $.items[*])): things.list_pages`,
		},
		{
			name: "a status the operation lacks",
			methods: `        get_thing:
          operation: {$ref: '#/paths/~1things~1{id}/get'}
          response: {openAPIDocKey: '201'}
`,
			verbs:       "        select: []\n",
			wantWarning: "openAPIDocKey naming a status the operation does not declare",
		},
		{
			name: "an operation that does not exist",
			methods: `        get_thing:
          operation: {$ref: '#/paths/~1nothing/get'}
`,
			verbs:       "        select: []\n",
			wantWarning: "operation $ref naming no operation of the document",
		},
		{
			name:        "a select method must read rows",
			methods:     allThingMethods,
			verbs:       `        select: [{$ref: '#/components/x-stackQL-resources/things/methods/create_thing'}, {$ref: '#/components/x-stackQL-resources/things/methods/list_things'}]` + "\n",
			want:        []string{"list_things select 1 []", "get_thing exec 2 []", "replace_thing exec 0 []", "delete_thing exec 0 []"},
			wantWarning: "1 method left out (a select method that is not a GET returning JSON): things.create_thing",
		},
		{
			name:        "sqlVerbs naming an unknown method",
			methods:     listThingsWrapped,
			verbs:       `        select: [{$ref: '#/components/x-stackQL-resources/things/methods/nope'}, {$ref: '#/components/x-stackQL-resources/things/methods/list_things'}]` + "\n",
			want:        []string{"list_things select 1 []"},
			wantWarning: "1 sqlVerbs entry left out (naming no method of the resource): things.select: #/components/x-stackQL-resources/things/methods/nope",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, map[string]string{"shop.yaml": stackQLDoc(tt.methods, tt.verbs, "")})
			p, warnings, err := mapping.Load("acme", filepath.Join(dir, "shop.yaml"), mapping.LoadOptions{})
			if tt.want == nil {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantWarning)
				return
			}
			require.NoError(t, err)
			require.Len(t, p.Services, 1)
			assert.Equal(t, "shop", p.Services[0].Name, "the service is named by the resources' ids")
			r := p.Services[0].Resource("things")
			require.NotNil(t, r)
			var got []string
			for _, m := range r.Methods {
				got = append(got, fmt.Sprintf("%s %s %d %v", m.Name, m.Verb, m.Rows, m.RowsKey))
				if m.Verb == mapping.VerbSelect {
					assert.Equal(t, "subdomain", m.Params[0].Name, "server variables are parameters")
				}
			}
			assert.Equal(t, tt.want, got)
			if tt.wantColumns != nil {
				var cols []string
				for _, c := range r.Columns {
					cols = append(cols, c.Name)
				}
				assert.Equal(t, tt.wantColumns, cols)
			}
			if tt.wantWarning != "" {
				assert.Contains(t, warningsText(warnings), tt.wantWarning)
			}
		})
	}
}

func TestStackQLConfig(t *testing.T) {
	tests := []struct {
		name        string
		config      string
		want        mapping.Pagination
		wantWarning string
	}{
		{
			name: "Link header, with limit as the page size",
			config: `x-stackQL-config:
  pagination:
    requestToken: {key: '', location: request}
    responseToken: {key: Link, location: header}
  queryParamPushdown:
    top: {paramName: limit, maxValue: 200}
`,
			want: mapping.Pagination{Type: mapping.PageLinkHeader, PageSizeParam: "limit", MaxPageSize: 200},
		},
		{
			name:   "none: Link headers are followed where sent",
			config: "",
			want:   mapping.Pagination{Type: mapping.PageLinkHeader},
		},
		{
			name: "a token in the body",
			config: `x-stackQL-config:
  pagination:
    requestToken: {key: pageToken, location: query}
    responseToken: {key: nextPageToken, location: body}
`,
			want: mapping.Pagination{Type: mapping.PageToken, TokenPath: []string{"nextPageToken"}, TokenParam: "pageToken"},
		},
		{
			name: "a token in a header",
			config: `x-stackQL-config:
  pagination:
    requestToken: {key: cursor, location: query}
    responseToken: {key: X-Next-Cursor, location: header}
`,
			want: mapping.Pagination{Type: mapping.PageToken, TokenHeader: "X-Next-Cursor", TokenParam: "cursor"},
		},
		{
			name: "a token sent in the body is not supported",
			config: `x-stackQL-config:
  pagination:
    requestToken: {key: page, location: body}
    responseToken: {key: $.next, location: body}
`,
			want:        mapping.Pagination{},
			wantWarning: `x-stackQL-config pagination (response token in body "$.next", request token in body "page") is not supported; only the first page of each list is read`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, map[string]string{"shop.yaml": stackQLDoc(listThingsWrapped, selectList, tt.config)})
			p, warnings, err := mapping.Load("acme", filepath.Join(dir, "shop.yaml"), mapping.LoadOptions{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, p.Pagination)
			if tt.wantWarning != "" {
				assert.Contains(t, warningsText(warnings), tt.wantWarning)
			}
		})
	}
}

func TestStackQLProviderDirectory(t *testing.T) {
	tests := []struct {
		name        string
		auth        string
		want        mapping.Auth
		wantWarning string
	}{
		{"api_key with a prefix", "{type: api_key, credentialsenvvar: ACME_TOKEN, valuePrefix: 'Token '}",
			mapping.Auth{Type: "api_key", Header: "Authorization", ValuePrefix: "Token ", CredentialsEnvVar: "ACME_TOKEN"}, ""},
		{"api_key without a prefix gets StackQL's", "{type: api_key, credentialsenvvar: ACME_TOKEN}",
			mapping.Auth{Type: "api_key", Header: "Authorization", ValuePrefix: "api_key ", CredentialsEnvVar: "ACME_TOKEN"}, ""},
		{"api_key in another header", "{type: api_key, credentialsenvvar: ACME_TOKEN, name: X-Api-Key, location: header}",
			mapping.Auth{Type: "api_key", Header: "X-Api-Key", CredentialsEnvVar: "ACME_TOKEN"}, ""},
		{"bearer", "{type: bearer, credentialsenvvar: ACME_TOKEN}",
			mapping.Auth{Type: "api_key", Header: "Authorization", ValuePrefix: "Bearer ", CredentialsEnvVar: "ACME_TOKEN"}, ""},
		{"unsupported", "{type: service_account, credentialsfilepathenvvar: KEY}",
			mapping.Auth{}, `auth type "service_account" is not supported (api_key and bearer are); calls are sent without credentials`},
	}
	other := strings.ReplaceAll(strings.ReplaceAll(stackQLDoc(listThingsWrapped, selectList, ""), "/things", "/gadgets"), "~1things", "~1gadgets")
	other += `x-stackQL-config:
  pagination: {responseToken: {key: X-Next, location: header}, requestToken: {key: next, location: query}}
`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, map[string]string{
				"provider.yaml": `id: acme
name: acme
providerServices:
  shop:
    service: {$ref: acme/v1/services/shop.yaml}
  storeFront:
    service: {$ref: acme/v1/services/store_front.yaml}
  missing:
    service: {$ref: acme/v1/services/missing.yaml}
config:
  auth: ` + tt.auth + "\n",
				"services/shop.yaml":        stackQLDoc(listThingsWrapped, selectList, ""),
				"services/store_front.yaml": other,
			})
			for _, path := range []string{dir, filepath.Join(dir, "provider.yaml")} {
				p, warnings, err := mapping.Load("acme", path, mapping.LoadOptions{})
				require.NoError(t, err)
				assert.Equal(t, tt.want, p.Auth)
				var services []string
				for _, s := range p.Services {
					services = append(services, s.Name)
				}
				assert.Equal(t, []string{"shop", "store_front"}, services, "services are named by providerServices")
				text := warningsText(warnings)
				assert.Contains(t, text, "1 of 3 services have no document in "+dir+" and are left out: missing")
				assert.Contains(t, text, "its x-stackQL-config differs from shop.yaml's; specsql pages every service of a provider alike, as shop.yaml says")
				if tt.wantWarning != "" {
					assert.Contains(t, text, tt.wantWarning)
				}
				assert.Equal(t, mapping.PageLinkHeader, p.Pagination.Type)
			}
		})
	}
}
