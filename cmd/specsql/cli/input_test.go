package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/fakeokta"
)

// TestBadInputChangesNothing runs invalid command lines: each must fail with
// a message saying what to do, the right exit code, and no call to the org.
func TestBadInputChangesNothing(t *testing.T) {
	o := startOrg(t, fakeokta.Config{})
	server := "okta=" + o.url
	delete1 := "DELETE FROM okta.webauthn_registration.enrollments WHERE subdomain='demo' AND userId='00uZCVxgsmCjPIPh4ZKa' AND authenticatorEnrollmentId='fwfvpGiSe2yJW87fJQBl'"
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no SQL", []string{"exec", "--server", server}, 2, "no SQL given"},
		{"two arguments", []string{"exec", "--server", server, "SELECT 1", "SELECT 2"}, 2, "quote the SQL as one argument"},
		{"argument and file", []string{"exec", "--server", server, "-f", "x.sql", "SELECT 1"}, 2, "not both"},
		{"missing file", []string{"exec", "--server", server, "-f", "/nonexistent/q.sql"}, 2, "no such file"},
		{"bad output format", []string{"exec", "-o", "xml", "--server", server, "SELECT 1"}, 2, "unknown output format \"xml\": use one of table, json, ndjson, csv"},
		{"bad var", []string{"exec", "--var", "novalue", "--server", server, "SELECT 1"}, 2, "write --var name=value"},
		{"unknown flag", []string{"exec", "--nope", "SELECT 1"}, 2, "unknown flag: --nope"},
		{"bad server flag", []string{"exec", "--server", "okta", "SELECT 1"}, 2, "write PROVIDER=URL_TEMPLATE"},
		{"server for unknown provider", []string{"exec", "--server", "github=https://api.github.com", "SELECT 1"}, 2, "no provider named github"},
		{"demo and server", []string{"exec", "--demo", "--server", server, "SELECT 1"}, 2, "use one"},
		{"unset template variable", []string{"exec", "--server", server, "SELECT id FROM okta.users.users WHERE subdomain = '{{ subdomain }}' AND id = '{{ userId }}'"}, 1, "template variables {{ subdomain }}, {{ userId }} not set: pass --var subdomain=VALUE --var userId=VALUE"},
		{"syntax error", []string{"exec", "--server", server, "SELEC id FROM okta.users.users"}, 1, "syntax error"},
		{"unterminated string", []string{"exec", "--server", server, "SELECT 'abc FROM okta.users.users"}, 1, "line 1, column 8: the string starting here is not closed"},
		{"unknown table", []string{"exec", "--server", server, "SELECT * FROM okta.users.groups WHERE subdomain='demo'"}, 1, "service okta.users has no resource \"groups\"; its resources: factors, users"},
		{"unqualified table", []string{"exec", "--server", server, "SELECT * FROM users"}, 1, "tables are named provider.service.resource"},
		{"subdomain with a path", []string{"exec", "--server", server, "SELECT id FROM okta.users.users WHERE subdomain = 'evil.example.com/x'"}, 1, `subdomain = "evil.example.com/x" is refused: "/" is not allowed in a host name`},
		{"subdomain naming another host", []string{"exec", "--server", server, "SELECT id FROM okta.users.users WHERE subdomain = 'evil.example.com'"}, 1, "a full host must be within the official domains"},
		{"admin host", []string{"exec", "--server", server, "SELECT id FROM okta.users.users WHERE subdomain = 'demo-admin'"}, 1, "names the Admin Console"},
		{"bad custom domain flag", []string{"exec", "--custom-domain", "login.example.com", "SELECT 1"}, 2, "write PROVIDER=HOST"},
		{"missing config file", []string{"exec", "--config", "/nonexistent/specsql.yaml", "SELECT 1"}, 2, "config file"},
		{"delete by status", []string{"exec", "--server", server, delete1 + " AND status = 'ACTIVE'"}, 1, "can filter only on the parameters"},
		{"error in second statement stops the first", []string{"exec", "--server", server, delete1 + "; SELECT nope FROM"}, 1, "statement 2: syntax error"},
		{"exec unknown method", []string{"exec", "--server", server, "EXEC okta.webauthn_registration.enrollments.explode @subdomain='demo'"}, 1, "has no method explode"},
		{"exec bad json", []string{"exec", "--server", server, "EXEC okta.webauthn_registration.enrollments.send_pin @subdomain='demo' @@json='{nope'"}, 1, "@@json is not valid JSON"},
		{"bad subdomain in the last statement stops the first", []string{"exec", "--server", server, delete1 + "; SELECT id FROM okta.users.users WHERE subdomain = 'a/b'"}, 1, "statement 2: okta.users.users.list_users: subdomain = \"a/b\" is refused"},
		{"exec missing subdomain", []string{"exec", "--server", server, "EXEC okta.webauthn_registration.enrollments.send_pin @@json='{}'"}, 1, "send_pin needs @subdomain"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := run(t, "", tc.args...)
			require.Equal(t, tc.code, code, stderr)
			require.Contains(t, stderr, tc.want)
			require.Empty(t, stdout)
			require.Empty(t, o.Requests(), "bad input must not reach the API")
		})
	}
}

func TestNoTokenFailsBeforeAnyCall(t *testing.T) {
	o := startOrg(t, fakeokta.Config{})
	t.Setenv("OKTA_API_TOKEN", "")
	stdout, stderr, code := run(t, "", "exec", "--server", "okta="+o.url, "SELECT id FROM okta.users.users WHERE subdomain = 'demo'")
	require.Equal(t, 1, code)
	require.Empty(t, stdout)
	require.Contains(t, stderr, "set OKTA_API_TOKEN")
	require.Contains(t, stderr, "--demo")
	require.Empty(t, o.Requests())
}

func TestWrongTokenIsAnErrorNotAnEmptyResult(t *testing.T) {
	o := startOrg(t, fakeokta.Config{})
	t.Setenv("OKTA_API_TOKEN", "wrong")
	stdout, stderr, code := run(t, "", "exec", "-o", "json", "--server", "okta="+o.url, "SELECT id FROM okta.users.users WHERE subdomain = 'demo'")
	require.Equal(t, 1, code)
	require.Empty(t, stdout)
	require.Contains(t, stderr, "HTTP 401 Unauthorized: E0000011: Invalid token provided")
	require.Contains(t, stderr, "OKTA_API_TOKEN")
}

func TestStatementsRunFromFileAndStdin(t *testing.T) {
	o := startOrg(t, fakeokta.Config{})
	sql := "-- users first\nSELECT count(*) AS n FROM okta.users.users WHERE subdomain = 'demo';\n# then one user\nSELECT id FROM okta.users.users WHERE subdomain = 'demo' AND id = '00uTCzrt0njgq8tVxtzw';\n"
	want := "n\n282\nid\n00uTCzrt0njgq8tVxtzw\n"

	stdout, stderr, code := run(t, sql, "exec", "-o", "csv", "--server", "okta="+o.url, "-f", "-")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, want, stdout)

	path := filepath.Join(t.TempDir(), "audit.sql")
	require.NoError(t, os.WriteFile(path, []byte(sql), 0o644))
	stdout, stderr, code = run(t, "", "exec", "-o", "csv", "--server", "okta="+o.url, "-f", path)
	require.Equal(t, 0, code, stderr)
	require.Equal(t, want, stdout)
}

func TestDemoAnswersTheAuditQuery(t *testing.T) {
	t.Setenv("OKTA_API_TOKEN", "")
	// The demo serves the default fake org; the same config gives the same data.
	demo := fakeokta.New(fakeokta.Config{})
	users := demo.Users()[:20]
	var ids []string
	counts := map[string]int{}
	for _, u := range users {
		ids = append(ids, "'"+u.ID+"'")
		for _, e := range demo.Enrollments(u.ID) {
			counts[e.Status]++
		}
	}
	var want strings.Builder
	want.WriteString("status,n\n")
	statuses := make([]string, 0, len(counts))
	for s := range counts {
		statuses = append(statuses, s)
	}
	sort.Strings(statuses)
	for _, s := range statuses {
		fmt.Fprintf(&want, "%s,%d\n", s, counts[s])
	}
	require.Greater(t, len(statuses), 1, "the sample should hold several statuses")

	stdout, stderr, code := run(t, "", "exec", "--demo", "-o", "csv",
		"SELECT status, count(*) AS n FROM okta.webauthn_registration.enrollments WHERE subdomain = 'demo' AND userId IN ("+strings.Join(ids, ", ")+") GROUP BY status ORDER BY status")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, want.String(), stdout)
}
