package engine

// Benchmarks of the engine's own costs, with no network latency: loading
// rows into SQLite, a whole SELECT against an in-process fake org, and the
// planner with its SQLite formatter. They run only with -bench, e.g.
//
//	go test -run '^$' -bench . -benchmem -benchtime 3x ./engine/
//
// bench/run.sh runs them and also measures the command line end to end;
// bench/README.md explains each figure.

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/specsql/specsql/fakeokta"
	"github.com/specsql/specsql/mapping"
	"github.com/specsql/specsql/planner"
	"github.com/specsql/specsql/provider"
	"github.com/specsql/specsql/provider/okta"
)

const (
	benchRows = 100_000
	// benchOrgUsers is large enough for 100,000 enrollments (1.3 a user).
	benchOrgUsers = 100_000
	// auditJoin is the audit query of the README: every listed user and
	// their WebAuthn preregistration enrollments.
	auditJoin = `SELECT u.id, e.id FROM okta.users.users u
		LEFT JOIN okta.webauthn_registration.enrollments e ON e.userId = u.id AND e.subdomain = 'demo'
		WHERE u.subdomain = 'demo'`
	// allUsers lists every user, deprovisioned ones included: a search
	// (any search) makes Okta list those too, so 100,000 users are
	// 100,000 rows in 500 pages of 200.
	allUsers = `SELECT count(*) FROM okta.users.users WHERE subdomain = 'demo' AND search = 'profile.login co "@"'`
)

var (
	benchOrgOnce sync.Once
	benchOrg     *fakeokta.Org
)

// bigOrg is one org of 100,000 users, generated once (a few seconds) for
// every benchmark that needs it.
func bigOrg() *fakeokta.Org {
	benchOrgOnce.Do(func() {
		benchOrg = fakeokta.New(fakeokta.Config{Users: benchOrgUsers, RateLimit: -1})
	})
	return benchOrg
}

// benchPlanner plans against the built-in Okta provider.
func benchPlanner(tb testing.TB) *planner.Planner {
	tb.Helper()
	p, err := okta.Provider()
	if err != nil {
		tb.Fatal(err)
	}
	reg := &mapping.Registry{}
	if err := reg.Add(p); err != nil {
		tb.Fatal(err)
	}
	return &planner.Planner{Registry: reg}
}

func planOne(tb testing.TB, p *planner.Planner, sql string) *planner.Plan {
	tb.Helper()
	plans, err := p.Prepare(sql, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if len(plans) != 1 {
		tb.Fatalf("%d plans for one statement", len(plans))
	}
	return plans[0]
}

// wireRows marshals n API objects as the fake org sends them: hrefs
// absolute, compact JSON.
func wireRows[T any](tb testing.TB, items []T, href func(*T) *string) []json.RawMessage {
	tb.Helper()
	out := make([]json.RawMessage, len(items))
	for i := range items {
		it := items[i]
		h := href(&it)
		*h = "https://demo.okta.com" + *h
		b, err := json.Marshal(it)
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = b
	}
	return out
}

// loadBatch is one call's worth of rows, as the provider hands them to
// the loader, with the parameter values the call was made with.
type loadBatch struct {
	rows   []json.RawMessage
	params map[string]string
}

type loadCase struct {
	name    string
	sql     string // plans the table the rows go into
	batches []loadBatch
}

func (c loadCase) size() (rows, bytes int) {
	for _, b := range c.batches {
		rows += len(b.rows)
		for _, r := range b.rows {
			bytes += len(r)
		}
	}
	return rows, bytes
}

// loadCases are 100,000 rows batched as a statement fetches them: users in
// pages of 200, enrollments one call per user (0 to 3 rows each, so a
// batch of their own for every user with any).
func loadCases(b *testing.B) []loadCase {
	org := bigOrg()
	users := org.Users()[:benchRows]
	usersCase := loadCase{name: "users", sql: "SELECT * FROM okta.users.users WHERE subdomain = 'demo'"}
	rows := wireRows(b, users, func(u *fakeokta.User) *string { return &u.Links.Self.Href })
	for start := 0; start < len(rows); start += 200 {
		usersCase.batches = append(usersCase.batches, loadBatch{rows: rows[start:min(start+200, len(rows))], params: map[string]string{"subdomain": "demo"}})
	}
	enrollmentsCase := loadCase{
		name: "enrollments",
		sql:  "SELECT * FROM okta.webauthn_registration.enrollments WHERE subdomain = 'demo' AND userId = '00u0000000000000000'",
	}
	n := 0
	for _, u := range org.Users() {
		es := org.Enrollments(u.ID)
		if len(es) == 0 {
			continue
		}
		es = es[:min(len(es), benchRows-n)]
		n += len(es)
		enrollmentsCase.batches = append(enrollmentsCase.batches, loadBatch{
			rows:   wireRows(b, es, func(e *fakeokta.Enrollment) *string { return &e.Links.Self.Href }),
			params: map[string]string{"subdomain": "demo", "userId": u.ID},
		})
		if n == benchRows {
			break
		}
	}
	return []loadCase{enrollmentsCase, usersCase}
}

// BenchmarkLoadRows loads 100,000 realistic rows (the fake org's JSON)
// through the engine's loader into a fresh in-memory SQLite, in the
// batches a statement hands it: rows/s is the loader's throughput, MB/s
// counts the JSON read.
func BenchmarkLoadRows(b *testing.B) {
	p := benchPlanner(b)
	for _, tc := range loadCases(b) {
		b.Run(tc.name, func(b *testing.B) {
			table := planOne(b, p, tc.sql).Tables[0]
			rows, size := tc.size()
			b.SetBytes(int64(size))
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				db, err := openDB()
				if err != nil {
					b.Fatal(err)
				}
				l, err := newLoader(ctx, db, table)
				if err != nil {
					b.Fatal(err)
				}
				for _, batch := range tc.batches {
					if err := l.load(ctx, batch.params, batch.rows); err != nil {
						b.Fatal(err)
					}
				}
				var n int
				if err := db.QueryRow("SELECT count(*) FROM " + quoteIdent(table.Name)).Scan(&n); err != nil || n != rows {
					b.Fatalf("loaded %d rows of %d: %v", n, rows, err)
				}
				l.close()
				db.Close()
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(len(tc.batches)), "batches")
		})
	}
}

// benchEngine is an engine whose client calls a fake org served in-process,
// with no added latency.
func benchEngine(b *testing.B, org *fakeokta.Org) *Engine {
	srv := httptest.NewServer(org)
	b.Cleanup(srv.Close)
	client := provider.New()
	client.Servers = map[string]string{"okta": "http://{subdomain}.localhost:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:] + "/"}
	client.Tokens = map[string]string{"okta": fakeokta.DemoToken}
	return &Engine{Client: client}
}

func runPlan(b *testing.B, e *Engine, plan *planner.Plan) *capture {
	c := &capture{}
	if _, err := e.Run(context.Background(), plan, c); err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkSelect100kUsers runs a SELECT over all 100,000 users of the fake
// org, served in-process with no latency: 500 pages fetched, decoded and
// loaded, then counted. It measures the whole pipeline but the process
// start; the fake's own work shares the CPU.
func BenchmarkSelect100kUsers(b *testing.B) {
	org := bigOrg()
	e := benchEngine(b, org)
	plan := planOne(b, benchPlanner(b), allUsers)
	b.ReportAllocs()
	for b.Loop() {
		org.ClearRequests()
		c := runPlan(b, e, plan)
		if got := c.rows[0][0]; got != int64(benchOrgUsers) {
			b.Fatalf("counted %v users, want %d", got, benchOrgUsers)
		}
	}
	b.ReportMetric(float64(benchOrgUsers*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkAuditJoin runs the audit join over an org of 2,000 users, served
// in-process with no latency and no rate limit, at the default concurrency:
// the engine's cost per call when the network costs nothing.
func BenchmarkAuditJoin(b *testing.B) {
	org := fakeokta.New(fakeokta.Config{Users: 2000, RateLimit: -1})
	listed, want := 0, 0
	for _, u := range org.Users() {
		if u.Status == "DEPROVISIONED" {
			continue
		}
		listed++
		want += max(len(org.Enrollments(u.ID)), 1)
	}
	calls := listed + (listed+199)/200 // enrollments per user, users pages
	e := benchEngine(b, org)
	plan := planOne(b, benchPlanner(b), auditJoin)
	b.ReportAllocs()
	for b.Loop() {
		org.ClearRequests()
		if c := runPlan(b, e, plan); len(c.rows) != want {
			b.Fatalf("%d rows, want %d", len(c.rows), want)
		}
	}
	if got := len(org.Requests()); got != calls {
		b.Fatalf("%d requests, want %d", got, calls)
	}
	b.ReportMetric(float64(calls*b.N)/b.Elapsed().Seconds(), "calls/s")
}

// BenchmarkPlanAuditJoin parses, binds and plans the audit join and writes
// its SQLite SQL: the front end's cost for a join statement.
func BenchmarkPlanAuditJoin(b *testing.B) {
	p := benchPlanner(b)
	b.ReportAllocs()
	for b.Loop() {
		plan := planOne(b, p, auditJoin)
		if plan.SQL == "" || len(plan.Tables) != 2 {
			b.Fatal("unexpected plan")
		}
	}
}

// BenchmarkLoadOktaProvider loads and maps the built-in Okta spec, which
// every specsql exec does once before planning: part of the cold start.
func BenchmarkLoadOktaProvider(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := okta.Provider(); err != nil {
			b.Fatal(err)
		}
	}
}
