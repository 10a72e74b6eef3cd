package mapping_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/engine"
	"github.com/specsql/specsql/fakeokta"
	"github.com/specsql/specsql/mapping"
	"github.com/specsql/specsql/planner"
	"github.com/specsql/specsql/provider"
	"github.com/specsql/specsql/provider/okta"
)

// oktaSources loads the three Okta providers: the built-in one, StackQL's
// registry files, and Okta's official spec with its overlay.
func oktaSources(t *testing.T) map[string]*mapping.Provider {
	t.Helper()
	builtIn, err := okta.Provider()
	require.NoError(t, err)
	stackql, _, err := mapping.Load("stackql", mapping.SharedReference(t, "stackql-okta"), mapping.LoadOptions{})
	require.NoError(t, err)
	official, _, err := mapping.Load("official", mapping.OfficialOverlay(t), mapping.LoadOptions{})
	require.NoError(t, err)
	return map[string]*mapping.Provider{"okta": builtIn, "stackql": stackql, "official": official}
}

// rows collects a result set as text.
type rows struct {
	lines []string
}

func (r *rows) Begin(cols []engine.Column) error {
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	r.lines = append(r.lines, strings.Join(names, " | "))
	return nil
}

func (r *rows) Row(values []any) error {
	var cells []string
	for _, v := range values {
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		cells = append(cells, fmt.Sprint(v))
	}
	r.lines = append(r.lines, strings.Join(cells, " | "))
	return nil
}

func (r *rows) End() error { return nil }

// TestThreeSourcesAgree runs the same statements through the built-in Okta
// provider, StackQL's files and Okta's official spec, each against its own
// copy of the fake org, and gets the same answers and the same calls.
func TestThreeSourcesAgree(t *testing.T) {
	sources := oktaSources(t)
	probe := fakeokta.New(fakeokta.Config{})
	var withKeys, withFactors string
	for _, u := range probe.Users() {
		if withKeys == "" && len(probe.Enrollments(u.ID)) >= 2 {
			withKeys = u.ID
		}
	}
	require.NotEmpty(t, withKeys)
	withFactors = probe.Users()[0].ID

	statements := []struct {
		name string
		sql  string
		want string // the answer, where no rows are expected
	}{
		{"a user's enrollments", "SELECT id, status, factorType FROM {p}.webauthn_registration.enrollments WHERE subdomain = 'demo' AND userId = '" + withKeys + "' ORDER BY id", ""},
		{"users by filter", `SELECT id, status, profile->>'$.login' AS login FROM {p}.users.users WHERE subdomain = 'demo' AND filter = 'status eq "SUSPENDED"' ORDER BY id`, ""},
		{"one user by id", "SELECT id, status FROM {p}.users.users WHERE subdomain = 'demo' AND id = '" + withKeys + "'", ""},
		{"factors", "SELECT id, factorType, provider, status FROM {p}.users.factors WHERE subdomain = 'demo' AND userId = '" + withFactors + "' ORDER BY id", ""},
		{"LIMIT pushed down as a page size", "SELECT id FROM {p}.users.users WHERE subdomain = 'demo' LIMIT 3", ""},
		{"join", `SELECT u.id, e.id AS enrollment, e.status FROM {p}.users.users u
			JOIN {p}.webauthn_registration.enrollments e ON e.userId = u.id AND e.subdomain = 'demo'
			WHERE u.subdomain = 'demo' AND u.filter = 'status eq "SUSPENDED"' ORDER BY u.id, e.id`, ""},
		{"count by status", "SELECT status, count(*) AS n FROM {p}.webauthn_registration.enrollments WHERE subdomain = 'demo' AND userId IN (SELECT id FROM {p}.users.users WHERE subdomain = 'demo' LIMIT 40) GROUP BY status ORDER BY status", ""},
		{"delete", "DELETE FROM {p}.webauthn_registration.enrollments WHERE subdomain = 'demo' AND userId = '" + withKeys + "' AND authenticatorEnrollmentId = '" + probe.Enrollments(withKeys)[0].ID + "'", "DELETE 1"},
		{"after the delete", "SELECT id FROM {p}.webauthn_registration.enrollments WHERE subdomain = 'demo' AND userId = '" + withKeys + "' ORDER BY id", ""},
	}

	answers := map[string][]string{}
	calls := map[string][]string{}
	for name, p := range sources {
		org := fakeokta.New(fakeokta.Config{RateLimit: -1})
		srv := httptest.NewServer(org)
		t.Cleanup(srv.Close)
		reg := &mapping.Registry{}
		require.NoError(t, reg.Add(p))
		client := provider.New()
		client.Servers = map[string]string{name: "http://{subdomain}.localhost:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:] + "/"}
		client.Tokens = map[string]string{name: fakeokta.DemoToken}
		pl := &planner.Planner{Registry: reg}
		eng := &engine.Engine{Client: client}
		for _, st := range statements {
			plans, err := pl.Prepare(strings.ReplaceAll(st.sql, "{p}", name), nil)
			require.NoError(t, err, "%s: %s", name, st.name)
			require.Len(t, plans, 1)
			out := &rows{}
			status, err := eng.Run(context.Background(), plans[0], out)
			require.NoError(t, err, "%s: %s", name, st.name)
			answers[st.name] = append(answers[st.name], strings.Join(append(out.lines, status), "\n"))
		}
		var seen []string
		for _, r := range org.Requests() {
			seen = append(seen, r.Method+" "+r.Path+"?"+r.RawQuery)
		}
		// Fan-out calls run concurrently, in no fixed order.
		sort.Strings(seen)
		calls[name] = seen
	}
	for _, st := range statements {
		got := answers[st.name]
		require.Len(t, got, 3)
		if st.want != "" {
			assert.Equal(t, st.want, got[0], "%s", st.name)
		} else {
			assert.GreaterOrEqual(t, strings.Count(got[0], "\n"), 1, "%s: the answer has rows: %s", st.name, got[0])
		}
		assert.Equal(t, got[0], got[1], "%s", st.name)
		assert.Equal(t, got[0], got[2], "%s", st.name)
	}
	assert.Equal(t, calls["okta"], calls["stackql"], "StackQL's files make the same calls")
	assert.Equal(t, calls["okta"], calls["official"], "the official spec makes the same calls")
	assert.Contains(t, calls["official"], "GET /api/v1/users?limit=3", "LIMIT is sent as the page size")
}
