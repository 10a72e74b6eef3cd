package engine

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/fakehr"
	"github.com/specsql/specsql/fakeokta"
	"github.com/specsql/specsql/mapping"
	"github.com/specsql/specsql/openapi"
)

// holders maps each user the fake org lists to its enrollments' ids.
func holders(org *fakeokta.Org, keep func(fakeokta.User) bool) map[string][]string {
	out := map[string][]string{}
	for _, u := range org.Users() {
		if u.Status == "DEPROVISIONED" || !keep(u) {
			continue
		}
		ids := []string{}
		for _, e := range org.Enrollments(u.ID) {
			ids = append(ids, e.ID)
		}
		out[u.ID] = ids
	}
	return out
}

func all(fakeokta.User) bool { return true }

// pairs reads (user, enrollment) rows into the same shape as holders.
func pairs(rows [][]any) map[string][]string {
	out := map[string][]string{}
	for _, r := range rows {
		u := r[0].(string)
		if _, ok := out[u]; !ok {
			out[u] = []string{}
		}
		if r[1] != nil {
			out[u] = append(out[u], r[1].(string))
		}
	}
	for _, ids := range out {
		sort.Strings(ids)
	}
	return out
}

func sorted(m map[string][]string) map[string][]string {
	for _, ids := range m {
		sort.Strings(ids)
	}
	return m
}

func withoutEmpty(m map[string][]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range m {
		if len(v) > 0 {
			out[k] = v
		}
	}
	return out
}

func TestJoinsFetchPerUpstreamValue(t *testing.T) {
	f := newFixture(t, fakeokta.Config{RateLimit: -1})
	active := func(u fakeokta.User) bool { return u.Status == "ACTIVE" }
	cases := []struct {
		name string
		sql  string
		want map[string][]string
	}{
		{
			name: "inner join",
			sql: `SELECT u.id, e.id FROM okta.users.users u JOIN okta.webauthn_registration.enrollments e
				ON e.userId = u.id AND e.subdomain = u.subdomain WHERE u.subdomain = 'demo'`,
			want: withoutEmpty(holders(f.org, all)),
		},
		{
			name: "left join keeps users without enrollments",
			sql: `SELECT u.id, e.id FROM okta.users.users u LEFT JOIN okta.webauthn_registration.enrollments e
				ON e.userId = u.id AND e.subdomain = 'demo' WHERE u.subdomain = 'demo' AND u.status = 'ACTIVE'`,
			want: holders(f.org, active),
		},
		{
			name: "join written in WHERE",
			sql: `SELECT u.id, e.id FROM okta.users.users u, okta.webauthn_registration.enrollments e
				WHERE e.userId = u.id AND u.subdomain = 'demo' AND e.subdomain = 'demo' AND u.status = 'ACTIVE'`,
			want: withoutEmpty(holders(f.org, active)),
		},
		{
			name: "IN subquery",
			sql: `SELECT e.userId, e.id FROM okta.webauthn_registration.enrollments e WHERE e.subdomain = 'demo'
				AND e.userId IN (SELECT id FROM okta.users.users WHERE subdomain = 'demo' AND status = 'ACTIVE')`,
			want: withoutEmpty(holders(f.org, active)),
		},
		{
			name: "correlated EXISTS",
			sql: `SELECT u.id, NULL FROM okta.users.users u WHERE u.subdomain = 'demo' AND u.status = 'ACTIVE' AND EXISTS
				(SELECT 1 FROM okta.webauthn_registration.enrollments e WHERE e.subdomain = 'demo' AND e.userId = u.id)`,
			want: func() map[string][]string {
				out := map[string][]string{}
				for u := range withoutEmpty(holders(f.org, active)) {
					out[u] = []string{}
				}
				return out
			}(),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.org.ClearRequests()
			c, _, err := f.run(t, tc.sql)
			require.NoError(t, err)
			require.Equal(t, sorted(tc.want), pairs(c.rows))
			calls := 0
			for _, r := range f.org.Requests() {
				if strings.HasSuffix(r.Path, "/enrollments") {
					calls++
				}
			}
			// The WHERE conditions on users narrow whose enrollments are read.
			require.LessOrEqual(t, calls, len(holders(f.org, func(u fakeokta.User) bool {
				return !strings.Contains(tc.sql, "'ACTIVE'") || active(u)
			})))
		})
	}
}

func TestThreeTablesInOneStatement(t *testing.T) {
	f := newFixture(t, fakeokta.Config{RateLimit: -1, Users: 60})
	c, _, err := f.run(t, `SELECT u.id, count(DISTINCT f.id) AS factors, count(DISTINCT e.id) AS keys
		FROM okta.users.users u
		LEFT JOIN okta.users.factors f ON f.userId = u.id AND f.subdomain = 'demo'
		LEFT JOIN okta.webauthn_registration.enrollments e ON e.userId = u.id AND e.subdomain = 'demo'
		WHERE u.subdomain = 'demo' GROUP BY u.id`)
	require.NoError(t, err)
	want := holders(f.org, all)
	require.Len(t, c.rows, len(want))
	for _, r := range c.rows {
		require.Equal(t, int64(len(want[r[0].(string)])), r[2], "keys of %s", r[0])
	}
	perPath := map[string]int{}
	for _, r := range f.org.Requests() {
		parts := strings.Split(r.Path, "/")
		perPath[parts[len(parts)-1]]++
	}
	require.Equal(t, len(want), perPath["factors"], "one factors call per user")
	require.Equal(t, len(want), perPath["enrollments"], "one enrollments call per user")
}

func TestTwoProviders(t *testing.T) {
	f := newFixture(t, fakeokta.Config{RateLimit: -1})
	hr := fakehr.New(fakehr.Config{})
	srv := httptest.NewServer(hr)
	t.Cleanup(srv.Close)
	doc, err := openapi.LoadFile("../testdata/hr/hr.yaml")
	require.NoError(t, err)
	p, err := mapping.FromDocument(doc, "hr")
	require.NoError(t, err)
	require.NoError(t, f.planner.Registry.Add(p))
	f.engine.Client.Servers["hr"] = srv.URL + "/"
	f.engine.Client.Tokens["hr"] = fakehr.DemoAPIKey

	c, _, err := f.run(t, `SELECT h.email, e.id
		FROM hr.employees.employees h
		JOIN okta.users.users u ON u.profile->>'$.email' = h.email
		JOIN okta.webauthn_registration.enrollments e ON e.userId = u.id AND e.subdomain = u.subdomain
		WHERE h.status = 'terminated' AND u.subdomain = 'demo' AND u.status = 'ACTIVE' AND e.status = 'ACTIVE'`)
	require.NoError(t, err)

	terminated := map[string]bool{}
	for _, e := range hr.Employees() {
		if e.Status == "terminated" {
			terminated[e.Email] = true
		}
	}
	want := map[string][]string{}
	for _, u := range f.org.Users() {
		if u.Status != "ACTIVE" || !terminated[u.Profile.Email] {
			continue
		}
		for _, e := range f.org.Enrollments(u.ID) {
			if e.Status == "ACTIVE" {
				want[u.Profile.Email] = append(want[u.Profile.Email], e.ID)
			}
		}
	}
	require.NotEmpty(t, want, "the fake data must hold former employees with active keys")
	require.Equal(t, sorted(want), pairs(c.rows))
	narrowed := 0
	for _, u := range f.org.Users() {
		if u.Status == "ACTIVE" && terminated[u.Profile.Email] {
			narrowed++
		}
	}
	calls := 0
	for _, r := range f.org.Requests() {
		if strings.HasSuffix(r.Path, "/enrollments") {
			calls++
		}
	}
	require.Equal(t, narrowed, calls, "enrollments are read only for active users who left, found by joining with HR first")
	require.Equal(t, 1, hr.Requests(), "h.status = 'terminated' is the list's status parameter: one filtered page")
}

func TestCyclesAndMissingParametersAreErrors(t *testing.T) {
	f := newFixture(t, fakeokta.Config{})
	cases := map[string]string{
		`SELECT e.id FROM okta.webauthn_registration.enrollments e JOIN okta.users.factors f ON f.userId = e.userId
			WHERE e.subdomain = 'demo' AND f.subdomain = 'demo'`: "no table can be fetched first, since each needs a parameter from another: e (okta.webauthn_registration.enrollments) needs userId from f.userId; f (okta.users.factors) needs userId from e.userId",
		`SELECT e.id FROM okta.users.users u JOIN okta.webauthn_registration.enrollments e ON e.userId = u.id
			WHERE u.subdomain = 'demo'`: "method list_web_authn_preregistration_factors needs subdomain",
		`SELECT u.id FROM okta.webauthn_registration.enrollments e LEFT JOIN okta.users.users u ON e.userId = u.id
			WHERE e.subdomain = 'demo' AND u.subdomain = 'demo'`: "list_web_authn_preregistration_factors needs userId",
	}
	for sql, want := range cases {
		plans, err := f.planner.Prepare(sql, nil)
		require.Error(t, err, sql)
		require.Nil(t, plans)
		require.Contains(t, err.Error(), want)
	}
	require.Empty(t, f.org.Requests())
}

// inflight wraps a handler and records the most requests it served at once.
type inflight struct {
	next    http.Handler
	now     atomic.Int64
	mu      sync.Mutex
	highest int64
}

func (h *inflight) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := h.now.Add(1)
	h.mu.Lock()
	h.highest = max(h.highest, n)
	h.mu.Unlock()
	defer h.now.Add(-1)
	h.next.ServeHTTP(w, r)
}

func TestFanOutIsConcurrentAndBounded(t *testing.T) {
	org := fakeokta.New(fakeokta.Config{RateLimit: -1, Latency: 20 * time.Millisecond, Users: 80})
	h := &inflight{next: org}
	f := newFixtureFor(t, org, h)
	f.engine.Concurrency = 6
	var last Progress
	f.engine.Progress = func(p Progress) { last = p }
	c, _, err := f.run(t, `SELECT count(*) FROM okta.users.users u JOIN okta.webauthn_registration.enrollments e
		ON e.userId = u.id AND e.subdomain = 'demo' WHERE u.subdomain = 'demo'`)
	require.NoError(t, err)
	require.Len(t, c.rows, 1)
	require.Equal(t, int64(6), h.highest, "calls run concurrently, up to the bound")
	users := len(holders(org, all))
	require.Equal(t, users+1, last.CallsDone)
	require.Equal(t, users+1, last.CallsKnown)
}

func TestPacingKeepsUnderATightRateLimit(t *testing.T) {
	// 10 requests per 2-second window, 30 calls: the statement must span
	// windows, and pacing should mean the API never has to refuse one.
	org := fakeokta.New(fakeokta.Config{RateLimit: 10, Window: 2 * time.Second, Users: 30})
	f := newFixtureFor(t, org, org)
	c, _, err := f.run(t, `SELECT u.id, e.id FROM okta.users.users u LEFT JOIN okta.webauthn_registration.enrollments e
		ON e.userId = u.id AND e.subdomain = 'demo' WHERE u.subdomain = 'demo'`)
	require.NoError(t, err, "no 429 reaches the user")
	require.Equal(t, sorted(holders(org, all)), pairs(c.rows), "every row arrives")
	calls := 1 + len(holders(org, all))
	require.Len(t, org.Requests(), calls, "each call sent once: the pacer waited instead of meeting 429s")
	require.Greater(t, f.engine.Client.RateLimitWait(), time.Second)
}

func TestLimitStopsFetchingOnlyWhenSafe(t *testing.T) {
	f := newFixture(t, fakeokta.Config{RateLimit: -1, Users: 450})
	pages := func() []string {
		var q []string
		for _, r := range f.org.Requests() {
			q = append(q, r.RawQuery)
		}
		f.org.ClearRequests()
		return q
	}

	c, _, err := f.run(t, "SELECT id FROM okta.users.users WHERE subdomain = 'demo' LIMIT 5")
	require.NoError(t, err)
	require.Len(t, c.rows, 5)
	require.Equal(t, []string{"limit=5"}, pages(), "one small page is enough")

	c, _, err = f.run(t, "SELECT id FROM okta.users.users WHERE subdomain = 'demo' LIMIT 250")
	require.NoError(t, err)
	require.Len(t, c.rows, 250)
	require.Len(t, pages(), 2, "two full pages hold 250 rows")

	// A condition SQLite applies needs every page: the fifth SUSPENDED user
	// may be on the last one.
	var suspended []string
	for _, u := range f.org.Users() {
		if u.Status == "SUSPENDED" {
			suspended = append(suspended, u.ID)
		}
	}
	c, _, err = f.run(t, "SELECT id FROM okta.users.users WHERE subdomain = 'demo' AND status = 'SUSPENDED' LIMIT 1000")
	require.NoError(t, err)
	require.Len(t, c.rows, len(suspended))
	require.Len(t, pages(), 3)

	c, _, err = f.run(t, "SELECT id FROM okta.users.users WHERE subdomain = 'demo' ORDER BY id DESC LIMIT 1")
	require.NoError(t, err)
	ids := make([]string, 0, len(f.org.Users()))
	for _, u := range f.org.Users() {
		if u.Status != "DEPROVISIONED" {
			ids = append(ids, u.ID)
		}
	}
	sort.Strings(ids)
	require.Equal(t, [][]any{{ids[len(ids)-1]}}, c.rows, "ORDER BY sees every row")
	require.Len(t, pages(), 3)

	c, _, err = f.run(t, "SELECT count(*) FROM okta.users.users WHERE subdomain = 'demo' LIMIT 1")
	require.NoError(t, err)
	require.Equal(t, [][]any{{int64(len(ids))}}, c.rows, "an aggregate counts every row")
	require.Len(t, pages(), 3)
}

// byOrg routes requests to the fake org named by the host's first label.
type byOrg map[string]*fakeokta.Org

func (m byOrg) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	label, _, _ := strings.Cut(r.Host, ".")
	org, ok := m[label]
	if !ok {
		http.NotFound(w, r)
		return
	}
	org.ServeHTTP(w, r)
}

func TestValuesFromOneTableStayTogether(t *testing.T) {
	// Users of two orgs: each user's enrollments must be read from that
	// user's org, not from every org.
	a := fakeokta.New(fakeokta.Config{Subdomain: "alpha", RateLimit: -1, Users: 20, Seed: 1})
	b := fakeokta.New(fakeokta.Config{Subdomain: "beta", RateLimit: -1, Users: 20, Seed: 2})
	f := newFixtureFor(t, a, byOrg{"alpha": a, "beta": b})
	c, _, err := f.run(t, `SELECT u.id, e.id FROM okta.users.users u
		JOIN okta.webauthn_registration.enrollments e ON e.userId = u.id AND e.subdomain = u.subdomain
		WHERE u.subdomain IN ('alpha', 'beta')`)
	require.NoError(t, err)
	want := withoutEmpty(holders(a, all))
	for k, v := range withoutEmpty(holders(b, all)) {
		want[k] = v
	}
	require.Equal(t, sorted(want), pairs(c.rows))
	require.Len(t, a.Requests(), 1+len(holders(a, all)))
	require.Len(t, b.Requests(), 1+len(holders(b, all)))
}
