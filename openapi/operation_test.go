package openapi

import (
	"testing"

	"github.com/stretchr/testify/require"
)

const doc = `
openapi: 3.0.3
info: {title: t, version: "1"}
servers:
  - url: https://{region}.{tenant}.example.com/v1
    variables:
      tenant: {default: acme}
      region: {default: eu, enum: [eu, us]}
paths:
  /things/{thingId}:
    parameters:
      - {name: thingId, in: path, required: true, description: path level, schema: {type: string}}
      - {name: verbose, in: query, description: path level, schema: {type: boolean}}
    get:
      operationId: getThing
      parameters:
        - {name: verbose, in: query, required: true, description: operation level, schema: {type: boolean}}
        - {name: verbose, in: header, schema: {type: string}}
      responses:
        '404': {description: no}
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
    delete:
      operationId: deleteThing
      servers: [{url: 'https://delete.example.com/'}]
      responses:
        '204': {description: gone}
  /a:
    post:
      operationId: makeA
      requestBody:
        required: true
        content:
          application/vnd.api+json:
            schema: {type: object, properties: {x: {type: string}}}
      responses:
        '201':
          description: made
          content:
            application/json:
              schema: {type: array, items: {type: object}}
        '200':
          description: also
components:
  schemas:
    Base:
      type: object
      properties:
        id: {type: string}
        name: {type: string, description: base}
    Thing:
      allOf:
        - $ref: '#/components/schemas/Base'
        - properties:
            name: {type: string, description: override}
            size: {type: integer}
`

func TestOperations(t *testing.T) {
	d, err := Load([]byte(doc), "test.yaml")
	require.NoError(t, err)
	ops := d.Operations()
	var ids []string
	for _, op := range ops {
		ids = append(ids, op.ID)
	}
	require.Equal(t, []string{"makeA", "getThing", "deleteThing"}, ids, "by path, then GET before DELETE")

	get := ops[1]
	require.Len(t, get.Parameters, 3)
	require.Equal(t, "thingId", get.Parameters[0].Name)
	require.True(t, get.Parameters[0].Required, "path-item parameters reach the operation")
	require.Equal(t, "query", get.Parameters[1].In)
	require.Equal(t, "operation level", get.Parameters[1].Description, "the operation's declaration wins")
	require.True(t, get.Parameters[1].Required)
	require.Equal(t, "header", get.Parameters[2].In, "same name, other location: a parameter of its own")
	require.Equal(t, 200, get.SuccessStatus)
	require.Equal(t, "object", SchemaType(get.Response))
	props := Properties(get.Response)
	require.Len(t, props, 3)
	require.Equal(t, "override", props["name"].Description, "later allOf members override earlier ones")

	require.Equal(t, "https://{region}.{tenant}.example.com/v1", get.Servers[0].URL)
	require.Equal(t, []ServerVariable{
		{Name: "region", Default: "eu", Enum: []string{"eu", "us"}},
		{Name: "tenant", Default: "acme"},
	}, get.Servers[0].Variables, "variables in URL order")

	del := ops[2]
	require.Equal(t, "https://delete.example.com/", del.Servers[0].URL, "operation servers override the document's")
	require.Equal(t, 204, del.SuccessStatus)
	require.Nil(t, del.Response)

	post := ops[0]
	require.True(t, post.RequestBodyRequired)
	require.NotNil(t, post.RequestBody, "a +json media type is JSON")
	require.Equal(t, 200, post.SuccessStatus, "the lowest 2xx wins")
	require.Nil(t, post.Response)
}

func TestLoadErrorsNameTheDocument(t *testing.T) {
	_, err := Load([]byte("openapi: [nope"), "broken.yaml")
	require.ErrorContains(t, err, "broken.yaml")
	_, err = LoadFile("/nonexistent/spec.yaml")
	require.ErrorContains(t, err, "no such file")
}

func TestPropertiesOfAlternatives(t *testing.T) {
	d, err := Load([]byte(`
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Role:
      properties: {id: {type: string, description: own}}
      oneOf:
        - {$ref: '#/components/schemas/Standard'}
        - {$ref: '#/components/schemas/Custom'}
    Standard:
      properties: {id: {type: string, description: standard}, type: {type: string}}
    Custom:
      allOf: [{$ref: '#/components/schemas/Role'}]
      anyOf: [{properties: {label: {type: string}}}]
`), "roles.yaml")
	require.NoError(t, err)
	props := Properties(d.T.Components.Schemas["Role"].Value)
	require.Len(t, props, 3, "own, then each alternative's, the recursive one included")
	require.Equal(t, "own", props["id"].Description, "a property declared by the schema itself wins")
	require.Contains(t, props, "type")
	require.Contains(t, props, "label")
}
