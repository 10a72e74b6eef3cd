package cli

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/fakeokta"
	"github.com/specsql/specsql/mapping"
	"github.com/specsql/specsql/provider/okta"
)

func TestShellReadsStatementsFromStdin(t *testing.T) {
	o := startOrg(t, fakeokta.Config{})
	script := `-- a script, as a pipe gives it
SHOW RESOURCES IN okta.users;
.output csv
SELECT id, status
  FROM okta.users.users   -- a statement over lines
  WHERE subdomain = '{{ org }}' AND id = '00uTCzrt0njgq8tVxtzw';
.var org=demo
SELECT id FROM okta.users.users WHERE subdomain = '{{ org }}' AND id = '00uTCzrt0njgq8tVxtzw';
.output json
SELECT 'it''s; not the end' AS s
`
	stdout, stderr, code := run(t, script, "shell", "--server", "okta="+o.url)
	require.Equal(t, 1, code, "a statement failed, so the shell does")
	require.Equal(t, "name    | id                 | supports\n"+
		"--------+--------------------+---------\n"+
		"users   | okta.users.users   | SELECT\n"+
		"factors | okta.users.factors | SELECT\n"+
		"(2 rows)\n"+
		"id\n00uTCzrt0njgq8tVxtzw\n"+
		"[\n  {\"s\":\"it's; not the end\"}\n]\n", stdout)
	require.Equal(t, "error: template variable {{ org }} not set: pass --var org=VALUE\nspecsql: some statements failed\n", stderr)
}

func TestShellDotCommands(t *testing.T) {
	o := startOrg(t, fakeokta.Config{})
	stdout, stderr, code := run(t, ".help\n.output xml\n.var novalue\n.nope\n.quit\nSELECT 1;\n", "shell", "--server", "okta="+o.url)
	require.Equal(t, 1, code)
	require.Contains(t, stdout, "Statements end with ';'")
	require.Contains(t, stderr, `error: unknown output format "xml"`)
	require.Contains(t, stderr, "error: write .var name=value")
	require.Contains(t, stderr, "error: unknown command .nope")
	require.NotContains(t, stdout, "1\n", ".quit stops before the last statement")
}

func TestShellCachesCallsAcrossStatements(t *testing.T) {
	o := startOrg(t, fakeokta.Config{})
	q := "SELECT count(*) FROM okta.users.users WHERE subdomain = 'demo';\n"
	_, stderr, code := run(t, q+q+"REFRESH;\n"+q, "shell", "--server", "okta="+o.url)
	require.Equal(t, 0, code, stderr)
	require.Len(t, o.Requests(), 4, "two pages, served again from the cache, then fetched after REFRESH")

	o.ClearRequests()
	_, stderr, code = run(t, q+q, "shell", "--no-cache", "--server", "okta="+o.url)
	require.Equal(t, 0, code, stderr)
	require.Len(t, o.Requests(), 4)
}

func TestCompleter(t *testing.T) {
	p, err := okta.Provider()
	require.NoError(t, err)
	reg := &mapping.Registry{}
	require.NoError(t, reg.Add(p))
	pending := ""
	c := &completer{registry: reg, pending: func() string { return pending }}
	complete := func(line string) []string {
		out, _ := c.Do([]rune(line), len([]rune(line)))
		var s []string
		for _, r := range out {
			s = append(s, string(r))
		}
		sort.Strings(s)
		return s
	}
	require.Equal(t, []string{"kta", "n", "r", "rder"}, complete("SELECT * FROM o"), "okta, and on, or, order")
	require.Equal(t, []string{"users", "webauthn_registration"}, complete("SELECT * FROM okta."))
	require.Equal(t, []string{"rs"}, complete("SELECT * FROM okta.use"))
	require.Equal(t, []string{"enrollments"}, complete("SELECT * FROM okta.webauthn_registration."))
	require.Equal(t, []string{"factors", "users"}, complete("FROM okta.users."))
	require.Contains(t, complete("EXEC okta.webauthn_registration.enrollments.se"), "nd_pin")
	// Columns of the tables in the statement, parameters included.
	pending = "SELECT e.id\nFROM okta.webauthn_registration.enrollments e\n"
	require.Equal(t, []string{"ctorType"}, complete("WHERE e.fa"))
	require.Equal(t, []string{"erId"}, complete("WHERE us"))
	require.Contains(t, complete("SELECT sel"), "ect", "keywords in the case typed")
	require.Contains(t, complete("SELECT SEL"), "ECT")
}

func TestExecCacheIsOffUnlessAsked(t *testing.T) {
	o := startOrg(t, fakeokta.Config{})
	q := "SELECT count(*) FROM okta.users.users WHERE subdomain = 'demo'; SELECT count(*) FROM okta.users.users WHERE subdomain = 'demo'"
	_, stderr, code := run(t, "", "exec", "--server", "okta="+o.url, q)
	require.Equal(t, 0, code, stderr)
	require.Len(t, o.Requests(), 4, "exec calls for each statement by default")
	o.ClearRequests()
	_, stderr, code = run(t, "", "exec", "--cache-ttl", "1m", "--server", "okta="+o.url, q)
	require.Equal(t, 0, code, stderr)
	require.Len(t, o.Requests(), 2)
}
