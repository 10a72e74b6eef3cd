package planner

import (
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/specsql/specsql/mapping"
	"github.com/specsql/specsql/openapi"
	"github.com/specsql/specsql/provider/okta"
)

const (
	enrollments = "okta.webauthn_registration.enrollments"
	users       = "okta.users.users"
	listEnroll  = "list_web_authn_preregistration_factors"
	deleteEnrl  = "delete_web_authn_preregistration_factor"
	markError   = "assign_fulfillment_error_web_authn_preregistration_factor"
)

// enrollmentFields are the fields of the seed page, in its order.
var enrollmentFields = []string{"id", "_links", "created", "factorType", "lastUpdated", "profile", "provider", "status", "vendorName"}

// loadOkta maps the built-in spec once; planning does not change it.
var loadOkta = sync.OnceValues(okta.Provider)

func oktaPlanner(t testing.TB) *Planner {
	t.Helper()
	p, err := loadOkta()
	require.NoError(t, err)
	reg := &mapping.Registry{}
	require.NoError(t, reg.Add(p))
	return &Planner{Registry: reg}
}

func prepareOne(t *testing.T, input string) *Plan {
	t.Helper()
	plans, err := oktaPlanner(t).Prepare(input, nil)
	require.NoError(t, err)
	require.Len(t, plans, 1)
	return plans[0]
}

func prepareErr(t *testing.T, input string) error {
	t.Helper()
	plans, err := oktaPlanner(t).Prepare(input, nil)
	require.Error(t, err)
	assert.Nil(t, plans)
	return err
}

func bindingValues(tb *Table) map[string][]string {
	out := map[string][]string{}
	for _, b := range tb.Bindings {
		out[b.Param] = b.Values
	}
	return out
}

func callParams(calls []*Call) []map[string]string {
	out := []map[string]string{}
	for _, c := range calls {
		out = append(out, c.Params)
	}
	return out
}

func TestSelectMethodAndBindings(t *testing.T) {
	tests := []struct {
		name     string
		sql      string
		method   string
		bindings map[string][]string
		calls    []map[string]string
	}{
		{
			name:     "= with the literal on the right",
			sql:      "SELECT id FROM okta.webauthn_registration.enrollments WHERE subdomain = 'acme' AND userId = '00u1'",
			method:   listEnroll,
			bindings: map[string][]string{"subdomain": {"acme"}, "userId": {"00u1"}},
			calls:    []map[string]string{{"subdomain": "acme", "userId": "00u1"}},
		},
		{
			name:     "= with the literal on the left",
			sql:      "SELECT id FROM okta.webauthn_registration.enrollments WHERE 'acme' = subdomain AND '00u1' = userId",
			method:   listEnroll,
			bindings: map[string][]string{"subdomain": {"acme"}, "userId": {"00u1"}},
			calls:    []map[string]string{{"subdomain": "acme", "userId": "00u1"}},
		},
		{
			name:     "qualified by alias",
			sql:      "SELECT e.id FROM okta.webauthn_registration.enrollments e WHERE e.subdomain = 'acme' AND e.userId = '00u1'",
			method:   listEnroll,
			bindings: map[string][]string{"subdomain": {"acme"}, "userId": {"00u1"}},
			calls:    []map[string]string{{"subdomain": "acme", "userId": "00u1"}},
		},
		{
			name:     "IN makes one call per distinct value",
			sql:      "SELECT id FROM okta.webauthn_registration.enrollments WHERE subdomain = 'acme' AND userId IN ('a', 'b', 'a')",
			method:   listEnroll,
			bindings: map[string][]string{"subdomain": {"acme"}, "userId": {"a", "b"}},
			calls:    []map[string]string{{"subdomain": "acme", "userId": "a"}, {"subdomain": "acme", "userId": "b"}},
		},
		{
			name:     "IN on two parameters makes every combination",
			sql:      "SELECT id FROM okta.webauthn_registration.enrollments WHERE subdomain IN ('s1', 's2') AND userId IN ('a', 'b')",
			method:   listEnroll,
			bindings: map[string][]string{"subdomain": {"s1", "s2"}, "userId": {"a", "b"}},
			calls: []map[string]string{
				{"subdomain": "s1", "userId": "a"}, {"subdomain": "s1", "userId": "b"},
				{"subdomain": "s2", "userId": "a"}, {"subdomain": "s2", "userId": "b"},
			},
		},
		{
			name:     "nested and parenthesised AND",
			sql:      "SELECT id FROM okta.webauthn_registration.enrollments WHERE status = 'ACTIVE' AND (subdomain = 'acme' AND (userId = 'u' AND created > '2024'))",
			method:   listEnroll,
			bindings: map[string][]string{"subdomain": {"acme"}, "userId": {"u"}},
			calls:    []map[string]string{{"subdomain": "acme", "userId": "u"}},
		},
		{
			// Regression: a parenthesised single condition gave no value.
			name:     "parenthesised conditions",
			sql:      "SELECT id FROM okta.webauthn_registration.enrollments WHERE (subdomain = 'acme') AND ((userId IN ('u')))",
			method:   listEnroll,
			bindings: map[string][]string{"subdomain": {"acme"}, "userId": {"u"}},
			calls:    []map[string]string{{"subdomain": "acme", "userId": "u"}},
		},
		{
			name:     "two conditions on one parameter intersect",
			sql:      "SELECT id FROM okta.webauthn_registration.enrollments WHERE subdomain = 'acme' AND userId IN ('a', 'b') AND userId = 'b'",
			method:   listEnroll,
			bindings: map[string][]string{"subdomain": {"acme"}, "userId": {"b"}},
			calls:    []map[string]string{{"subdomain": "acme", "userId": "b"}},
		},
		{
			name:     "disjoint conditions make no call",
			sql:      "SELECT id FROM okta.webauthn_registration.enrollments WHERE subdomain = 'acme' AND userId IN ('a', 'b') AND userId = 'c'",
			method:   listEnroll,
			bindings: map[string][]string{"subdomain": {"acme"}, "userId": {}},
			calls:    []map[string]string{},
		},
		{
			name:     "= NULL makes no call",
			sql:      "SELECT id FROM okta.webauthn_registration.enrollments WHERE subdomain = 'acme' AND userId = NULL",
			method:   listEnroll,
			bindings: map[string][]string{"subdomain": {"acme"}, "userId": {}},
			calls:    []map[string]string{},
		},
		{
			name:     "NULL in an IN list is no value",
			sql:      "SELECT id FROM okta.webauthn_registration.enrollments WHERE subdomain = 'acme' AND userId IN (NULL, 'u')",
			method:   listEnroll,
			bindings: map[string][]string{"subdomain": {"acme"}, "userId": {"u"}},
			calls:    []map[string]string{{"subdomain": "acme", "userId": "u"}},
		},
		{
			name:     "id given: get_user, the most specific",
			sql:      "SELECT id FROM okta.users.users WHERE subdomain = 'acme' AND id = '00u1'",
			method:   "get_user",
			bindings: map[string][]string{"subdomain": {"acme"}, "id": {"00u1"}},
			calls:    []map[string]string{{"subdomain": "acme", "id": "00u1"}},
		},
		{
			name:     "no id: list_users",
			sql:      "SELECT id FROM okta.users.users WHERE subdomain = 'acme' AND status = 'ACTIVE'",
			method:   "list_users",
			bindings: map[string][]string{"subdomain": {"acme"}},
			calls:    []map[string]string{{"subdomain": "acme"}},
		},
		{
			name:     "optional query parameters passed when given",
			sql:      "SELECT id FROM okta.users.users WHERE subdomain = 'acme' AND `limit` = 5 AND filter = 'status eq \"ACTIVE\"' AND q = 'bob'",
			method:   "list_users",
			bindings: map[string][]string{"subdomain": {"acme"}, "limit": {"5"}, "filter": {`status eq "ACTIVE"`}, "q": {"bob"}},
			calls:    []map[string]string{{"subdomain": "acme", "limit": "5", "filter": `status eq "ACTIVE"`, "q": "bob"}},
		},
		{
			// get_user takes no limit; its rows would carry no limit value
			// and fail the condition, so list_users serves and SQLite keeps
			// the row with that id.
			name:     "id with a parameter get_user lacks: list_users",
			sql:      "SELECT id FROM okta.users.users WHERE subdomain = 'acme' AND id = '00u1' AND `limit` = 5",
			method:   "list_users",
			bindings: map[string][]string{"subdomain": {"acme"}, "limit": {"5"}},
			calls:    []map[string]string{{"subdomain": "acme", "limit": "5"}},
		},
		{
			name:     "literal forms",
			sql:      "SELECT id FROM okta.webauthn_registration.enrollments WHERE subdomain = ('acme') AND userId IN (42, -7, 1.5, - 2.5, TRUE, false, ('p'))",
			method:   listEnroll,
			bindings: map[string][]string{"subdomain": {"acme"}, "userId": {"42", "-7", "1.5", "-2.5", "true", "false", "p"}},
			calls: []map[string]string{
				{"subdomain": "acme", "userId": "42"}, {"subdomain": "acme", "userId": "-7"}, {"subdomain": "acme", "userId": "1.5"},
				{"subdomain": "acme", "userId": "-2.5"}, {"subdomain": "acme", "userId": "true"}, {"subdomain": "acme", "userId": "false"},
				{"subdomain": "acme", "userId": "p"},
			},
		},
		{
			name:     "parameter names ignore case",
			sql:      "SELECT id FROM okta.webauthn_registration.enrollments WHERE SUBDOMAIN = 'acme' AND userid = 'u'",
			method:   listEnroll,
			bindings: map[string][]string{"subdomain": {"acme"}, "userId": {"u"}},
			calls:    []map[string]string{{"subdomain": "acme", "userId": "u"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := prepareOne(t, tt.sql)
			require.Len(t, plan.Tables, 1)
			tb := plan.Tables[0]
			assert.Equal(t, tt.method, tb.Method.Name)
			assert.Equal(t, tt.bindings, bindingValues(tb))
			assert.Equal(t, tt.calls, callParams(tb.Calls))
			for _, c := range tb.Calls {
				assert.Same(t, tb.Method, c.Method)
			}
		})
	}
}

func TestParamMisuseErrors(t *testing.T) {
	const example = "SELECT * FROM okta.webauthn_registration.enrollments WHERE subdomain = 'acme' AND userId = '00ub0oNGTSWTBKOLGLNR'"
	tests := []struct {
		name, where, reason string
	}{
		{"compared with a column", "userId = id", "userId is used compared with a column, in userId = id"},
		{"only under OR", "(userId = 'a' OR userId = 'b')", "userId is used under OR, in (userId = 'a' or userId = 'b')"},
		{"under NOT", "NOT userId = 'a'", "userId is used under NOT, in not userId = 'a'"},
		{"compared with >", "userId > 'a'", "userId is used compared with >, in userId > 'a'"},
		{"parenthesised, compared with >", "(userId > 'a')", "userId is used compared with >, in (userId > 'a')"},
		{"IN list holding an expression", "userId IN ('a', lower('B'))", "userId is used in the condition userId in ('a', lower('B'))"},
		{"not given", "status = 'ACTIVE'", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := prepareErr(t, "SELECT id FROM okta.webauthn_registration.enrollments WHERE subdomain = 'acme' AND "+tt.where)
			var mp *MissingParamError
			require.ErrorAs(t, err, &mp)
			assert.Equal(t, enrollments, mp.Table)
			assert.Equal(t, listEnroll, mp.Method)
			assert.Equal(t, []string{"userId"}, mp.Missing)
			msg := err.Error()
			assert.Contains(t, msg, "table okta.webauthn_registration.enrollments: method "+listEnroll+" needs userId, which the WHERE clause does not supply")
			assert.Contains(t, msg, tt.reason)
			// The example carries the user's own subdomain.
			assert.Contains(t, msg, "for example:\n  "+example)
		})
	}
}

func TestMissingParamExampleKeepsGivenValues(t *testing.T) {
	err := prepareErr(t, "SELECT * FROM okta.webauthn_registration.enrollments WHERE userId = '00uMINE'")
	var mp *MissingParamError
	require.ErrorAs(t, err, &mp)
	assert.Equal(t, []string{"subdomain"}, mp.Missing)
	assert.Contains(t, err.Error(), "SELECT * FROM okta.webauthn_registration.enrollments WHERE subdomain = 'my-org' AND userId = '00uMINE'")
}

func TestSeveralStatements(t *testing.T) {
	pl := oktaPlanner(t)
	plans, err := pl.Prepare(`
		SELECT 1;
		SELECT id FROM okta.users.users WHERE subdomain = 'acme'; -- users
		EXEC okta.webauthn_registration.enrollments.send_pin @subdomain='acme' @@json='{}';`, nil)
	require.NoError(t, err)
	require.Len(t, plans, 3)
	assert.Equal(t, KindSelect, plans[0].Statement.Kind)
	assert.Empty(t, plans[0].Tables)
	assert.Equal(t, "list_users", plans[1].Tables[0].Method.Name)
	assert.Equal(t, KindExec, plans[2].Statement.Kind)
	assert.Equal(t, "send_pin", plans[2].Calls[0].Method.Name)

	// Nothing is planned when a later statement is wrong.
	plans, err = pl.Prepare("SELECT 1; SELECT id FROM okta.users.users; SELECT 2", nil)
	require.Error(t, err)
	assert.Nil(t, plans)
	assert.True(t, strings.HasPrefix(err.Error(), "statement 2: table okta.users.users: method list_users needs subdomain"), err.Error())
	var mp *MissingParamError
	assert.ErrorAs(t, err, &mp)

	plans, err = pl.Prepare("SELECT 1; SELECT FROM", nil)
	require.Error(t, err)
	assert.Nil(t, plans)
	assert.True(t, strings.HasPrefix(err.Error(), "statement 2: syntax error"), err.Error())

	// A single statement carries no number.
	_, err = pl.Prepare("SELECT id FROM okta.users.users", nil)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "table okta.users.users:"), err.Error())
}

func tablesByName(plan *Plan) map[string]*Table {
	out := map[string]*Table{}
	for _, tb := range plan.Tables {
		out[tb.Name] = tb
	}
	return out
}

func TestJoinAndSubqueryBindings(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		want map[string]map[string][]string // table -> bindings
	}{
		{
			name: "WHERE binds each table by qualifier",
			sql: `SELECT u.id, e.id FROM okta.users.users u, okta.webauthn_registration.enrollments e
				WHERE u.subdomain = 'one' AND e.subdomain = 'two' AND e.userId = 'u1'`,
			want: map[string]map[string][]string{
				users:       {"subdomain": {"one"}},
				enrollments: {"subdomain": {"two"}, "userId": {"u1"}},
			},
		},
		{
			// users has no userId column, so the bare name is the enrollments'.
			name: "unqualified name only one table has",
			sql: `SELECT u.id FROM okta.users.users u JOIN okta.webauthn_registration.enrollments e ON e.id = u.id
				WHERE u.subdomain = 'acme' AND e.subdomain = 'acme' AND userId = 'u1'`,
			want: map[string]map[string][]string{
				users:       {"subdomain": {"acme"}},
				enrollments: {"subdomain": {"acme"}, "userId": {"u1"}},
			},
		},
		{
			name: "ON of an inner join binds both sides",
			sql: `SELECT u.id FROM okta.users.users u JOIN okta.webauthn_registration.enrollments e
				ON e.userId = 'u1' AND u.subdomain = 'acme' AND e.subdomain = 'acme'`,
			want: map[string]map[string][]string{
				users:       {"subdomain": {"acme"}},
				enrollments: {"subdomain": {"acme"}, "userId": {"u1"}},
			},
		},
		{
			name: "ON of a LEFT JOIN binds the right side",
			sql: `SELECT u.id FROM okta.users.users u LEFT JOIN okta.webauthn_registration.enrollments e
				ON e.userId = 'u1' AND e.subdomain = 'acme' WHERE u.subdomain = 'acme'`,
			want: map[string]map[string][]string{
				users:       {"subdomain": {"acme"}},
				enrollments: {"subdomain": {"acme"}, "userId": {"u1"}},
			},
		},
		{
			name: "ON of a RIGHT JOIN binds the left side",
			sql: `SELECT u.id FROM okta.webauthn_registration.enrollments e RIGHT JOIN okta.users.users u
				ON e.userId = 'u1' AND e.subdomain = 'acme' WHERE u.subdomain = 'acme'`,
			want: map[string]map[string][]string{
				users:       {"subdomain": {"acme"}},
				enrollments: {"subdomain": {"acme"}, "userId": {"u1"}},
			},
		},
		{
			name: "a subquery's WHERE binds its own table only",
			sql: `SELECT id FROM okta.users.users WHERE subdomain = 'acme' AND id IN
				(SELECT userId FROM okta.webauthn_registration.enrollments WHERE subdomain = 'beta' AND userId = 'u9')`,
			want: map[string]map[string][]string{
				users:       {"subdomain": {"acme"}},
				enrollments: {"subdomain": {"beta"}, "userId": {"u9"}},
			},
		},
		{
			name: "ON inside a parenthesised join",
			sql: `SELECT u.id FROM (okta.users.users u JOIN okta.webauthn_registration.enrollments e
				ON e.subdomain = 'acme' AND e.userId = 'u1') WHERE u.subdomain = 'acme'`,
			want: map[string]map[string][]string{
				users:       {"subdomain": {"acme"}},
				enrollments: {"subdomain": {"acme"}, "userId": {"u1"}},
			},
		},
		{
			name: "JOIN USING binds nothing",
			sql: `SELECT u.id FROM okta.users.users u JOIN okta.webauthn_registration.enrollments e USING (id)
				WHERE u.subdomain = 'acme' AND e.subdomain = 'acme' AND e.userId = 'u1'`,
			want: map[string]map[string][]string{
				users:       {"subdomain": {"acme"}},
				enrollments: {"subdomain": {"acme"}, "userId": {"u1"}},
			},
		},
		{
			name: "each member of a UNION binds its own table",
			sql: `SELECT id FROM okta.users.users WHERE subdomain = 'acme'
				UNION SELECT id FROM okta.webauthn_registration.enrollments WHERE subdomain = 'beta' AND userId = 'u9'`,
			want: map[string]map[string][]string{
				users:       {"subdomain": {"acme"}},
				enrollments: {"subdomain": {"beta"}, "userId": {"u9"}},
			},
		},
		{
			name: "derived table",
			sql:  "SELECT x.id FROM (SELECT id FROM okta.users.users WHERE subdomain = 'beta') x WHERE x.id = 'u1'",
			want: map[string]map[string][]string{
				users: {"subdomain": {"beta"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := prepareOne(t, tt.sql)
			got := map[string]map[string][]string{}
			for name, tb := range tablesByName(plan) {
				got[name] = bindingValues(tb)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestLeftJoinOnDoesNotBindLeftTable(t *testing.T) {
	// The left table keeps all its rows whatever ON says, so a literal
	// there restricts nothing and cannot choose the calls.
	err := prepareErr(t, `SELECT u.id FROM okta.users.users u LEFT JOIN okta.webauthn_registration.enrollments e
		ON e.userId = 'u1' AND e.subdomain = 'acme' AND u.subdomain = 'acme'`)
	var mp *MissingParamError
	require.ErrorAs(t, err, &mp)
	assert.Equal(t, users, mp.Table)
	assert.Equal(t, []string{"subdomain"}, mp.Missing)
}

// openDB opens an in-memory SQLite database on a single connection, since
// each connection to :memory: is a database of its own.
func openDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", ":memory:")
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// fill creates the plan's SQLite tables, with their fields and parameter
// columns, and inserts rows given by table name.
func fill(t *testing.T, db *sql.DB, plan *Plan, rows map[string][]map[string]any) {
	t.Helper()
	for _, tb := range plan.Tables {
		var cols []string
		for _, c := range tb.Columns() {
			cols = append(cols, quoteIdent(c.Name))
		}
		_, err := db.Exec(fmt.Sprintf("CREATE TABLE %s (%s)", quoteIdent(tb.Name), strings.Join(cols, ", ")))
		require.NoError(t, err)
		for _, row := range rows[tb.Name] {
			var names, marks []string
			var args []any
			for k, v := range row {
				names = append(names, quoteIdent(k))
				marks = append(marks, "?")
				args = append(args, v)
			}
			_, err := db.Exec(fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", quoteIdent(tb.Name), strings.Join(names, ", "), strings.Join(marks, ", ")), args...)
			require.NoError(t, err)
		}
	}
}

func query(t *testing.T, db *sql.DB, q string) ([]string, [][]any) {
	t.Helper()
	rows, err := db.Query(q)
	require.NoError(t, err, "SQL: %s", q)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	out := [][]any{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		out = append(out, vals)
	}
	require.NoError(t, rows.Err())
	return cols, out
}

func TestSameTableTwice(t *testing.T) {
	t.Run("different parameters: two tables", func(t *testing.T) {
		plan := prepareOne(t, `SELECT a.id AS a_id, b.userId AS b_user FROM okta.webauthn_registration.enrollments a
			JOIN okta.webauthn_registration.enrollments b ON a.factorType = b.factorType
			WHERE a.subdomain = 'acme' AND a.userId = 'x' AND b.subdomain = 'acme' AND b.userId = 'y'`)
		require.Len(t, plan.Tables, 2)
		assert.Equal(t, enrollments, plan.Tables[0].Name)
		assert.Equal(t, enrollments+"#2", plan.Tables[1].Name)
		assert.Equal(t, map[string][]string{"subdomain": {"acme"}, "userId": {"x"}}, bindingValues(plan.Tables[0]))
		assert.Equal(t, map[string][]string{"subdomain": {"acme"}, "userId": {"y"}}, bindingValues(plan.Tables[1]))
		assert.Contains(t, plan.SQL, `FROM "okta.webauthn_registration.enrollments" AS "a" JOIN "okta.webauthn_registration.enrollments#2" AS "b"`)

		db := openDB(t)
		fill(t, db, plan, map[string][]map[string]any{
			enrollments:        {{"id": "fx", "factorType": "webauthn", "subdomain": "acme", "userId": "x"}},
			enrollments + "#2": {{"id": "fy", "factorType": "webauthn", "subdomain": "acme", "userId": "y"}},
		})
		cols, rows := query(t, db, plan.SQL)
		assert.Equal(t, []string{"a_id", "b_user"}, cols)
		assert.Equal(t, [][]any{{"fx", "y"}}, rows)
	})

	t.Run("unaliased in a subquery: the name as written still resolves", func(t *testing.T) {
		plan := prepareOne(t, `SELECT id FROM okta.users.users WHERE subdomain = 'a' AND okta.users.users.id IN
			(SELECT id FROM okta.users.users WHERE subdomain = 'b') ORDER BY id`)
		require.Len(t, plan.Tables, 2)
		assert.Equal(t, users, plan.Tables[0].Name)
		assert.Equal(t, users+"#2", plan.Tables[1].Name)
		assert.Contains(t, plan.SQL, `FROM "okta.users.users#2" AS "okta.users.users"`)

		db := openDB(t)
		fill(t, db, plan, map[string][]map[string]any{
			users:        {{"id": "1", "subdomain": "a"}, {"id": "2", "subdomain": "a"}},
			users + "#2": {{"id": "2", "subdomain": "b"}, {"id": "3", "subdomain": "b"}},
		})
		_, rows := query(t, db, plan.SQL)
		assert.Equal(t, [][]any{{"2"}}, rows)
	})

	t.Run("same parameters: one table", func(t *testing.T) {
		plan := prepareOne(t, `SELECT a.id FROM okta.webauthn_registration.enrollments a
			JOIN okta.webauthn_registration.enrollments b ON a.id = b.id
			WHERE a.subdomain = 'acme' AND a.userId = 'x' AND b.subdomain = 'acme' AND b.userId = 'x'`)
		require.Len(t, plan.Tables, 1)
		assert.Contains(t, plan.SQL, `FROM "okta.webauthn_registration.enrollments" AS "a" JOIN "okta.webauthn_registration.enrollments" AS "b"`)
	})
}

func TestTableLookupErrors(t *testing.T) {
	tests := []struct {
		name, sql string
		want      []string
	}{
		{"unknown provider", "SELECT * FROM nope.x.y", []string{`table "nope.x.y": unknown provider "nope"; loaded providers: okta`}},
		{"unknown provider in a join", "SELECT 1 FROM okta.users.users u JOIN Nope.users.users n ON 1 = 1", []string{`unknown provider "Nope"; loaded providers: okta`}},
		{"unknown service", "SELECT * FROM okta.nope.users", []string{`provider okta has no service "nope"; its services: users, webauthn_registration`}},
		{"unknown resource", "SELECT * FROM okta.users.nope", []string{`service okta.users has no resource "nope"; its resources: factors, users`}},
		{"two-part name", "SELECT * FROM okta.users", []string{"unknown table okta.users: tables are named provider.service.resource", "loaded providers: okta"}},
		{"bare name", "SELECT * FROM users", []string{"unknown table users", "loaded providers: okta"}},
		{"four-part name", "SELECT * FROM okta.users.users.id", []string{"unknown table okta.users.users.id"}},
		{"EXEC on an unknown service", "EXEC okta.nope.x.m", []string{`provider okta has no service "nope"; its services: users, webauthn_registration`}},
		{"DELETE on an unknown provider", "DELETE FROM nope.x.y WHERE a = 1", []string{`unknown provider "nope"; loaded providers: okta`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := prepareErr(t, tt.sql)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestUnsupportedVerbs(t *testing.T) {
	const enrollmentVerbs = "it supports SELECT, DELETE, EXEC (activate_preregistration_enrollment, " + markError +
		", enroll_preregistration_enrollment, generate_fulfillment_request, send_pin)"
	tests := []struct {
		name, sql, want string
	}{
		{"INSERT", "INSERT INTO okta.webauthn_registration.enrollments (id) VALUES ('x')",
			"table okta.webauthn_registration.enrollments does not support INSERT; " + enrollmentVerbs},
		{"UPDATE", "UPDATE okta.webauthn_registration.enrollments SET status = 'x' WHERE subdomain = 'acme'",
			"table okta.webauthn_registration.enrollments does not support UPDATE; " + enrollmentVerbs},
		{"DELETE on a read-only table", "DELETE FROM okta.users.users WHERE subdomain = 'acme' AND id = 'x'",
			"table okta.users.users does not support DELETE; it supports SELECT"},
		{"INSERT on an unknown table", "INSERT INTO okta.users.nope (id) VALUES ('x')", `its resources: factors, users`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := prepareErr(t, tt.sql)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func sortedCalls(calls []*Call) []string {
	var out []string
	for _, c := range calls {
		var kv []string
		for k, v := range c.Params {
			kv = append(kv, k+"="+v)
		}
		sort.Strings(kv)
		out = append(out, c.Method.Name+"("+strings.Join(kv, ", ")+")")
	}
	sort.Strings(out)
	return out
}

func TestDelete(t *testing.T) {
	plan := prepareOne(t, `DELETE FROM okta.webauthn_registration.enrollments
		WHERE subdomain = 'acme' AND userId IN ('u1', 'u2') AND authenticatorEnrollmentId IN ('e1', 'e2', 'e1')`)
	assert.Empty(t, plan.Tables)
	assert.Empty(t, plan.SQL)
	assert.Equal(t, []string{
		deleteEnrl + "(authenticatorEnrollmentId=e1, subdomain=acme, userId=u1)",
		deleteEnrl + "(authenticatorEnrollmentId=e1, subdomain=acme, userId=u2)",
		deleteEnrl + "(authenticatorEnrollmentId=e2, subdomain=acme, userId=u1)",
		deleteEnrl + "(authenticatorEnrollmentId=e2, subdomain=acme, userId=u2)",
	}, sortedCalls(plan.Calls))

	plan = prepareOne(t, `DELETE FROM okta.webauthn_registration.enrollments
		WHERE subdomain = 'acme' AND userId = 'u1' AND authenticatorEnrollmentId = NULL`)
	assert.Empty(t, plan.Calls)
}

func TestDeleteErrors(t *testing.T) {
	const all = "subdomain = 'acme' AND userId = 'u' AND authenticatorEnrollmentId = 'e'"
	tests := []struct {
		name, sql string
		want      []string
	}{
		{"authenticatorEnrollmentId missing", "DELETE FROM okta.webauthn_registration.enrollments WHERE subdomain = 'acme' AND userId = 'u'",
			[]string{"method " + deleteEnrl + " needs authenticatorEnrollmentId",
				"DELETE FROM okta.webauthn_registration.enrollments WHERE subdomain = 'acme' AND userId = 'u' AND authenticatorEnrollmentId = '...'"}},
		{"no WHERE", "DELETE FROM okta.webauthn_registration.enrollments",
			[]string{"needs subdomain and userId and authenticatorEnrollmentId"}},
		{"condition on a field", "DELETE FROM okta.webauthn_registration.enrollments WHERE " + all + " AND status = 'ACTIVE'",
			[]string{"can filter only on the parameters of " + deleteEnrl + " (subdomain, userId, authenticatorEnrollmentId) with = or IN", "status", "SELECT their ids first"}},
		{"OR", "DELETE FROM okta.webauthn_registration.enrollments WHERE " + all + " AND (userId = 'v' OR 1 = 1)",
			[]string{"can filter only on the parameters of " + deleteEnrl}},
		{"ORDER BY", "DELETE FROM okta.webauthn_registration.enrollments WHERE " + all + " ORDER BY id",
			[]string{"ORDER BY and LIMIT are not supported"}},
		{"LIMIT", "DELETE FROM okta.webauthn_registration.enrollments WHERE " + all + " LIMIT 1",
			[]string{"ORDER BY and LIMIT are not supported"}},
		{"two tables", "DELETE e FROM okta.webauthn_registration.enrollments e JOIN okta.users.users u ON 1 = 1 WHERE " + all,
			[]string{"DELETE works on one table at a time"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := prepareErr(t, tt.sql)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestExecPlan(t *testing.T) {
	t.Run("body kept as given", func(t *testing.T) {
		body := "{\"b\": 2,\n  \"a\": [1, \"x\"]}"
		plan := prepareOne(t, "EXEC okta.webauthn_registration.enrollments.send_pin @SUBDOMAIN='acme' @@json=' "+body+" \n'")
		require.Len(t, plan.Calls, 1)
		c := plan.Calls[0]
		assert.Equal(t, "send_pin", c.Method.Name)
		// Parameters are keyed by their declared name.
		assert.Equal(t, map[string]string{"subdomain": "acme"}, c.Params)
		assert.Equal(t, body, string(c.Body))
	})

	t.Run("seed example", func(t *testing.T) {
		vars := seedVars()
		vars["yubicoSigningJwks"] = `[{"crv": "P-384", "kid": "k1", "kty": "EC", "use": "sig", "x": "a", "y": "b"}]`
		plans, err := oktaPlanner(t).Prepare(seedActivate, vars)
		require.NoError(t, err)
		require.Len(t, plans, 1)
		c := plans[0].Calls[0]
		assert.Equal(t, "activate_preregistration_enrollment", c.Method.Name)
		assert.Equal(t, map[string]string{"subdomain": "acme"}, c.Params)
		assert.Contains(t, string(c.Body), `"credResponses": [{"credRequestJwe": "eyJ", "authenticatorEnrollmentId": "fwf1"}]`)
	})

	t.Run("mark-error takes path parameters and no body", func(t *testing.T) {
		plan := prepareOne(t, "EXEC okta.webauthn_registration.enrollments."+markError+" @subdomain='acme', @userId='u', @authenticatorEnrollmentId='e'")
		c := plan.Calls[0]
		assert.Equal(t, map[string]string{"subdomain": "acme", "userId": "u", "authenticatorEnrollmentId": "e"}, c.Params)
		assert.Nil(t, c.Body)
	})

	t.Run("quoted null is a value", func(t *testing.T) {
		plan := prepareOne(t, "EXEC okta.webauthn_registration.enrollments.send_pin @subdomain='null'")
		assert.Equal(t, map[string]string{"subdomain": "null"}, plan.Calls[0].Params)
	})
}

func TestExecPlanErrors(t *testing.T) {
	tests := []struct {
		name, sql string
		want      []string
	}{
		{"unknown method", "EXEC okta.webauthn_registration.enrollments.nope @subdomain='acme'",
			[]string{"table okta.webauthn_registration.enrollments has no method nope; its methods: " + listEnroll + ", " + deleteEnrl +
				", activate_preregistration_enrollment, enroll_preregistration_enrollment, generate_fulfillment_request, send_pin, " + markError}},
		{"unknown parameter", "EXEC okta.webauthn_registration.enrollments.send_pin @subdomain='acme', @userId='u'",
			[]string{"okta.webauthn_registration.enrollments.send_pin takes no parameter @userId; its parameters: @subdomain. Request body fields go in @@json='{...}'"}},
		{"missing required", "EXEC okta.webauthn_registration.enrollments.send_pin @@json='{}'",
			[]string{"send_pin needs @subdomain, for example:\n  EXEC okta.webauthn_registration.enrollments.send_pin @subdomain='my-org' @@json='{...}'"}},
		{"null is no value", "EXEC okta.webauthn_registration.enrollments.send_pin @subdomain=null",
			[]string{"send_pin needs @subdomain"}},
		{"missing two, example keeps the given one", "EXEC okta.webauthn_registration.enrollments." + markError + " @subdomain='acme'",
			[]string{markError + " needs @userId and @authenticatorEnrollmentId, for example:\n  EXEC okta.webauthn_registration.enrollments." + markError +
				" @subdomain='acme', @userId='00ub0oNGTSWTBKOLGLNR', @authenticatorEnrollmentId='...'"}},
		{"body not JSON", "EXEC okta.webauthn_registration.enrollments.send_pin @subdomain='acme' @@json='{\"a\": }'",
			[]string{"okta.webauthn_registration.enrollments.send_pin: @@json is not valid JSON"}},
		{"body on a method without one", "EXEC okta.webauthn_registration.enrollments." + markError + " @subdomain='acme', @userId='u', @authenticatorEnrollmentId='e' @@json='{}'",
			[]string{markError + " takes no request body: remove @@json"}},
		{"syntax", "EXEC okta.webauthn_registration.enrollments @subdomain='acme'",
			[]string{"EXEC needs provider.service.resource.method"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := prepareErr(t, tt.sql)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestSelectStar(t *testing.T) {
	const where = "WHERE subdomain = 'acme' AND userId = 'u1'"
	row := map[string]any{
		"id": "f1", "_links": `{"self": {}}`, "created": "2024-01-01", "factorType": "webauthn", "lastUpdated": "2024-01-02",
		"profile": `{"k": 1}`, "provider": "FIDO", "status": "ACTIVE", "vendorName": "FIDO", "subdomain": "acme", "userId": "u1",
	}
	fieldValues := []any{"f1", `{"self": {}}`, "2024-01-01", "webauthn", "2024-01-02", `{"k": 1}`, "FIDO", "ACTIVE", "FIDO"}

	t.Run("fields in documented order, no parameter columns", func(t *testing.T) {
		plan := prepareOne(t, "SELECT * FROM okta.webauthn_registration.enrollments "+where)
		var fields []string
		for _, c := range plan.Tables[0].Fields() {
			fields = append(fields, c.Name)
		}
		require.Equal(t, enrollmentFields, fields)

		db := openDB(t)
		fill(t, db, plan, map[string][]map[string]any{enrollments: {row}})
		cols, rows := query(t, db, plan.SQL)
		assert.Equal(t, enrollmentFields, cols)
		assert.Equal(t, [][]any{fieldValues}, rows)
	})

	t.Run("alias.* in a join", func(t *testing.T) {
		plan := prepareOne(t, `SELECT e.*, u.status AS user_status FROM okta.users.users u
			JOIN okta.webauthn_registration.enrollments e ON e.userId = 'u1' AND e.subdomain = 'acme'
			WHERE u.subdomain = 'acme' AND u.id = 'u1'`)
		db := openDB(t)
		fill(t, db, plan, map[string][]map[string]any{
			enrollments: {row},
			users:       {{"id": "u1", "status": "SUSPENDED", "subdomain": "acme"}},
		})
		cols, rows := query(t, db, plan.SQL)
		assert.Equal(t, append(append([]string{}, enrollmentFields...), "user_status"), cols)
		assert.Equal(t, [][]any{append(append([]any{}, fieldValues...), "SUSPENDED")}, rows)
	})

	t.Run("parameter columns by name", func(t *testing.T) {
		plan := prepareOne(t, "SELECT userId, id, subdomain FROM okta.webauthn_registration.enrollments "+where)
		db := openDB(t)
		fill(t, db, plan, map[string][]map[string]any{enrollments: {row}})
		cols, rows := query(t, db, plan.SQL)
		assert.Equal(t, []string{"userId", "id", "subdomain"}, cols)
		assert.Equal(t, [][]any{{"u1", "f1", "acme"}}, rows)
	})

	t.Run("star with a derived table", func(t *testing.T) {
		plan := prepareOne(t, "SELECT * FROM okta.webauthn_registration.enrollments e, (SELECT 1 AS n) d "+
			"WHERE e.subdomain = 'acme' AND e.userId = 'u1'")
		db := openDB(t)
		fill(t, db, plan, map[string][]map[string]any{enrollments: {row}})
		cols, rows := query(t, db, plan.SQL)
		assert.Equal(t, append(append([]string{}, enrollmentFields...), "n"), cols)
		assert.Equal(t, [][]any{append(append([]any{}, fieldValues...), int64(1))}, rows)
	})
}

// testRegistry is a hand-made provider with the shapes the Okta spec lacks:
// two select methods taking different optional parameters, a method that
// requires a body, one without parameters, and a table with no methods.
func testRegistry() *mapping.Registry {
	p := &mapping.Provider{Name: "test"}
	s := &mapping.Service{Name: "s", Provider: p}
	p.Services = []*mapping.Service{s}
	items := &mapping.Resource{Name: "items", Service: s, Columns: []mapping.Column{{Name: "id"}, {Name: "name"}}}
	actions := &mapping.Resource{Name: "actions", Service: s}
	empty := &mapping.Resource{Name: "empty", Service: s}
	s.Resources = []*mapping.Resource{items, actions, empty}
	a := mapping.Param{Name: "a", In: mapping.InPath, Required: true, Example: "ex-a"}
	items.Methods = []*mapping.Method{
		{Name: "by_x", Verb: mapping.VerbSelect, Resource: items, Operation: &openapi.Operation{},
			Params: []mapping.Param{a, {Name: "x", In: mapping.InQuery}}},
		{Name: "by_y", Verb: mapping.VerbSelect, Resource: items, Operation: &openapi.Operation{},
			Params: []mapping.Param{a, {Name: "y", In: mapping.InQuery}}},
	}
	actions.Methods = []*mapping.Method{
		{Name: "needs_body", Verb: mapping.VerbExec, Resource: actions, Body: &openapi3.Schema{},
			Operation: &openapi.Operation{RequestBodyRequired: true}, Params: []mapping.Param{a}},
		{Name: "no_params", Verb: mapping.VerbExec, Resource: actions, Operation: &openapi.Operation{}},
	}
	return &mapping.Registry{Providers: []*mapping.Provider{p}}
}

func TestMethodChoiceByOptionalParams(t *testing.T) {
	pl := &Planner{Registry: testRegistry()}
	tests := []struct {
		where, method string
	}{
		{"a = '1'", "by_x"},
		{"a = '1' AND x = '2'", "by_x"},
		// by_x does not take y: its rows would carry no y and fail y = '3'.
		{"a = '1' AND y = '3'", "by_y"},
	}
	for _, tt := range tests {
		t.Run(tt.where, func(t *testing.T) {
			plans, err := pl.Prepare("SELECT id FROM test.s.items WHERE "+tt.where, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.method, plans[0].Tables[0].Method.Name)
		})
	}

	_, err := pl.Prepare("SELECT id FROM test.s.items WHERE a = '1' AND x = '2' AND y = '3'", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "table test.s.items: no select method takes all of the parameters given (a, x, y); by_")

	// The example takes the parameter's documented example value.
	_, err = pl.Prepare("SELECT id FROM test.s.items", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "SELECT * FROM test.s.items WHERE a = 'ex-a'")
}

func TestSyntheticProviderErrors(t *testing.T) {
	pl := &Planner{Registry: testRegistry()}
	tests := []struct {
		name, sql, want string
	}{
		{"SELECT on a table without select methods", "SELECT * FROM test.s.actions",
			"table test.s.actions does not support SELECT; it supports EXEC (needs_body, no_params)"},
		{"a table without methods", "INSERT INTO test.s.empty (id) VALUES (1)", "table test.s.empty does not support INSERT; it supports nothing"},
		{"body required", "EXEC test.s.actions.needs_body @a='1'", "test.s.actions.needs_body needs a request body: add @@json='{...}'"},
		{"no parameters", "EXEC test.s.actions.no_params @a='1'", "test.s.actions.no_params takes no parameter @a; its parameters: none"},
		{"example for EXEC with a body", "EXEC test.s.actions.needs_body", "for example:\n  EXEC test.s.actions.needs_body @a='ex-a' @@json='{...}'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pl.Prepare(tt.sql, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}

	plans, err := pl.Prepare("EXEC test.s.actions.no_params", nil)
	require.NoError(t, err)
	assert.Equal(t, []map[string]string{{}}, callParams(plans[0].Calls))
}

func TestExecBodyIsValidatedAgainstTheSchema(t *testing.T) {
	const activate = "EXEC okta.webauthn_registration.enrollments.activate_preregistration_enrollment @subdomain='acme' @@json='%s'"
	jwk := `{"crv": "P-384", "kid": "k1", "kty": "EC", "use": "sig", "x": "a", "y": "b"}`
	tests := []struct {
		name, body string
		problems   []string
	}{
		{"valid", `{"fulfillmentProvider": "yubico", "serial": "1", "yubicoSigningJwks": [` + jwk + `]}`, nil},
		{"unknown fields pass, as the API ignores them", `{"fulfillmentProvider": "yubico", "extra": 1}`, nil},
		{"unknown enum value", `{"fulfillmentProvider": "acme-keys"}`, []string{`/fulfillmentProvider: value is not one of the allowed values ["yubico"]`}},
		{"wrong types, each listed", `{"serial": 3632071, "credResponses": "fwf1", "yubicoSigningJwks": {"kid": "k"}}`, []string{
			"/credResponses: value must be an array",
			"/serial: value must be a string",
			"/yubicoSigningJwks: value must be an array",
		}},
		{"nested: an item of an array", `{"credResponses": [{"authenticatorEnrollmentId": 7}]}`, []string{"/credResponses/0/authenticatorEnrollmentId: value must be a string"}},
		{"nested: required key and enum", `{"yubicoSigningJwks": [{"crv": "P-256", "kid": "k1", "kty": "EC", "use": "sig", "x": "a"}]}`, []string{
			`/yubicoSigningJwks/0/crv: value is not one of the allowed values ["P-384"]`,
			`/yubicoSigningJwks/0/y: property "y" is missing`,
		}},
		{"not an object", `["fulfillmentProvider"]`, []string{"/: value must be an object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plans, err := oktaPlanner(t).Prepare(fmt.Sprintf(activate, tt.body), nil)
			if tt.problems == nil {
				require.NoError(t, err)
				assert.JSONEq(t, tt.body, string(plans[0].Calls[0].Body))
				return
			}
			var be *BodyError
			require.ErrorAs(t, err, &be)
			assert.ElementsMatch(t, tt.problems, be.Problems)
			assert.Contains(t, err.Error(), "activate_preregistration_enrollment: @@json does not match the request schema, so nothing was sent")
		})
	}
	_, err := oktaPlanner(t).Prepare(fmt.Sprintf(activate, `{"serial": `), nil)
	require.ErrorContains(t, err, "@@json is not valid JSON")
}
