package engine

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/fakeokta"
	"github.com/specsql/specsql/mapping"
	"github.com/specsql/specsql/planner"
	"github.com/specsql/specsql/provider"
	"github.com/specsql/specsql/provider/okta"
)

// capture is a ResultWriter that keeps what it is given.
type capture struct {
	cols  []Column
	rows  [][]any
	ended bool
}

func (c *capture) Begin(cols []Column) error { c.cols = cols; return nil }
func (c *capture) Row(v []any) error         { c.rows = append(c.rows, v); return nil }
func (c *capture) End() error                { c.ended = true; return nil }

type fixture struct {
	org     *fakeokta.Org
	planner *planner.Planner
	engine  *Engine
}

func newFixture(t *testing.T, cfg fakeokta.Config) *fixture {
	t.Helper()
	org := fakeokta.New(cfg)
	return newFixtureFor(t, org, org)
}

// newFixtureFor serves handler, which fronts org.
func newFixtureFor(t *testing.T, org *fakeokta.Org, handler http.Handler) *fixture {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	p, err := okta.Provider()
	require.NoError(t, err)
	reg := &mapping.Registry{}
	require.NoError(t, reg.Add(p))
	client := provider.New()
	client.Servers = map[string]string{"okta": "http://{subdomain}.localhost:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:] + "/"}
	client.Tokens = map[string]string{"okta": fakeokta.DemoToken}
	return &fixture{org: org, planner: &planner.Planner{Registry: reg}, engine: &Engine{Client: client}}
}

func (f *fixture) run(t *testing.T, sql string) (*capture, string, error) {
	t.Helper()
	plans, err := f.planner.Prepare(sql, nil)
	require.NoError(t, err)
	require.Len(t, plans, 1)
	c := &capture{}
	status, err := f.engine.Run(context.Background(), plans[0], c)
	return c, status, err
}

func TestSelectReadsEveryPage(t *testing.T) {
	f := newFixture(t, fakeokta.Config{Users: 450})
	c, _, err := f.run(t, "SELECT count(*) AS n, count(DISTINCT id) AS ids FROM okta.users.users WHERE subdomain = 'demo'")
	require.NoError(t, err)
	visible := 0
	for _, u := range f.org.Users() {
		if u.Status != "DEPROVISIONED" {
			visible++
		}
	}
	require.Greater(t, visible, 400, "enough users for three pages of 200")
	require.Equal(t, [][]any{{int64(visible), int64(visible)}}, c.rows)
	pages := 0
	for _, r := range f.org.Requests() {
		if r.Path == "/api/v1/users" {
			pages++
		}
	}
	require.Equal(t, 3, pages)
}

func TestSelectTypesResultColumns(t *testing.T) {
	f := newFixture(t, fakeokta.Config{})
	user := f.org.Users()[0].ID
	c, _, err := f.run(t, "SELECT id, profile, created, userId, 1 = 1 AS yes, 2.5 AS x FROM okta.webauthn_registration.enrollments WHERE subdomain = 'demo' AND userId = '"+user+"' LIMIT 1")
	require.NoError(t, err)
	require.Equal(t, []Column{
		{Name: "id", Type: TypeText},
		{Name: "profile", Type: TypeJSON},
		{Name: "created", Type: TypeTimestamp},
		{Name: "userId", Type: TypeText},
		{Name: "yes", Type: ""},
		{Name: "x", Type: ""},
	}, c.cols)
	require.Len(t, c.rows, 1)
	row := c.rows[0]
	require.IsType(t, json.RawMessage{}, row[1], "object columns stay JSON")
	require.Equal(t, f.org.Enrollments(user)[0].Created, row[2], "timestamps keep the text the API sent")
	require.Equal(t, user, row[3], "rows carry the parameters they were fetched with")
	require.Equal(t, int64(1), row[4])
	require.Equal(t, 2.5, row[5])
	require.True(t, c.ended)
}

func TestDeleteReportsPartialProgress(t *testing.T) {
	f := newFixture(t, fakeokta.Config{})
	var user string
	var enrollment string
	for _, u := range f.org.Users() {
		if es := f.org.Enrollments(u.ID); len(es) > 0 {
			user, enrollment = u.ID, es[0].ID
			break
		}
	}
	_, _, err := f.run(t, "DELETE FROM okta.webauthn_registration.enrollments WHERE subdomain = 'demo' AND userId = '"+user+
		"' AND authenticatorEnrollmentId IN ('"+enrollment+"', 'fwfNOSUCHENROLLMENT0')")
	require.Error(t, err)
	require.Contains(t, err.Error(), "deleted 1 of 2 before this error")
	require.Contains(t, err.Error(), "E0000007")
}

func TestExecRowsFollowTheSchemaThenExtraFields(t *testing.T) {
	m := &mapping.Method{
		Name: "m",
		Item: &openapi3.Schema{Properties: openapi3.Schemas{
			"userId": {Value: &openapi3.Schema{Type: &openapi3.Types{"string"}}},
			"count":  {Value: &openapi3.Schema{Type: &openapi3.Types{"integer"}}},
			"ok":     {Value: &openapi3.Schema{Type: &openapi3.Types{"boolean"}}},
		}},
		Resource: &mapping.Resource{Name: "r", Service: &mapping.Service{Name: "s", Provider: &mapping.Provider{Name: "p"}}},
	}
	c := &capture{}
	err := writeObjects(c, m, []json.RawMessage{json.RawMessage(`{"zeta":{"a":1},"userId":"u1","count":3,"ok":true,"alpha":"x","flag":false}`)})
	require.NoError(t, err)
	var names []string
	for _, col := range c.cols {
		names = append(names, col.Name)
	}
	require.Equal(t, []string{"count", "ok", "userId", "alpha", "flag", "zeta"}, names)
	require.Equal(t, []any{int64(3), true, "u1", "x", json.RawMessage(`false`), json.RawMessage(`{"a":1}`)}, c.rows[0])
}

func TestFieldValue(t *testing.T) {
	str := mapping.Column{Type: "string"}
	cases := []struct {
		name string
		col  mapping.Column
		raw  string
		want any
	}{
		{"missing", str, ``, nil},
		{"null", str, `null`, nil},
		{"string", str, `"a\"b"`, `a"b`},
		{"object compacted", mapping.Column{Type: "object"}, `{ "a" : [1, 2] }`, `{"a":[1,2]}`},
		{"boolean true", mapping.Column{Type: "boolean"}, `true`, int64(1)},
		{"boolean false", mapping.Column{Type: "boolean"}, `false`, int64(0)},
		{"integer", mapping.Column{Type: "integer"}, `42`, int64(42)},
		{"big number", mapping.Column{Type: "number"}, `1e300`, 1e300},
		{"number in a string column stays text", str, `12345678901234567890`, "12345678901234567890"},
		{"boolean in a string column", str, `true`, "true"},
		{"object in a string column", str, `{"x":1}`, `{"x":1}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := fieldValue(tc.col, json.RawMessage(tc.raw))
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}
