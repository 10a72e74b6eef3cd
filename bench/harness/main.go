// Command harness measures the specsql command line end to end against fake
// Okta orgs that it serves itself, on loopback ports, and prints a results
// table. bench/run.sh builds specsql and runs it; bench/README.md explains
// every figure.
//
// The orgs are fakeokta.New(cfg), the handler `specsql fake-okta` serves,
// behind a thin counter that records every request the org sees by
// rate-limit bucket (method and path template, as the fake's buckets) and
// response status, so that calls and 429s are counted where they happen,
// not inferred from the client.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/specsql/specsql/fakeokta"
)

const (
	usersBucket       = "GET /api/v1/users"
	enrollmentsBucket = "GET /webauthn-registration/api/v1/users/{id}/enrollments"

	auditSQL = "SELECT u.id, e.id FROM okta.users.users u LEFT JOIN okta.webauthn_registration.enrollments e " +
		"ON e.userId = u.id AND e.subdomain = 'demo' WHERE u.subdomain = 'demo'"
	// A search (any search) makes Okta list deprovisioned users too, so
	// every user of the org is a row.
	allUsersWhere = `subdomain = 'demo' AND search = 'profile.login co "@"'`

	// runTimeout bounds one run of specsql; the longest, the rate-limited
	// join, takes about three minutes.
	runTimeout = 10 * time.Minute
)

func main() {
	var o options
	flag.StringVar(&o.specsql, "specsql", "", "the specsql binary to measure (required)")
	flag.StringVar(&o.mode, "mode", "full", "quick or full")
	flag.StringVar(&o.only, "only", "", "comma-separated scenarios to run: ratelimit, concurrency, rows, coldstart (default: all of the mode)")
	flag.IntVar(&o.coldRuns, "cold-runs", 0, "timed runs for the cold start (default 30; quick 20)")
	flag.StringVar(&o.goVersion, "go-version", runtime.Version(), "the Go version that built specsql, for the header")
	rl := flag.String("rl-concurrency", "16", "comma-separated --concurrency values for the rate-limited run (three minutes each)")
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		serve(os.Args[2:])
		return
	}
	flag.Parse()
	if o.specsql == "" || (o.mode != "quick" && o.mode != "full") {
		flag.Usage()
		os.Exit(2)
	}
	for _, v := range strings.Split(*rl, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "harness: -rl-concurrency %q: give numbers of at least 1\n", *rl)
			os.Exit(2)
		}
		o.rlConcurrency = append(o.rlConcurrency, n)
	}
	if o.coldRuns == 0 {
		o.coldRuns = 30
		if o.mode == "quick" {
			o.coldRuns = 20
		}
	}
	ok := o.run()
	if !ok {
		fmt.Println("\nSOME RUNS FAILED: see the FAIL lines above.")
		os.Exit(1)
	}
}

type options struct {
	specsql   string
	mode      string
	only      string
	coldRuns  int
	goVersion string
	// rlConcurrency are the --concurrency values of the rate-limited run.
	rlConcurrency []int
	failed        bool
}

func (o *options) wants(s string) bool {
	if o.only == "" {
		return s != "ratelimit" || o.mode == "full"
	}
	return slices.Contains(strings.Split(o.only, ","), s)
}

func (o *options) fail(format string, args ...any) {
	o.failed = true
	fmt.Printf("FAIL: "+format+"\n", args...)
}

func (o *options) run() bool {
	fmt.Printf("# specsql benchmarks (%s mode)\n\n", o.mode)
	fmt.Printf("machine: %s, %d CPUs (nproc), %s/%s, %s; specsql built with %s; %s\n",
		cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, memTotal(), o.goVersion, time.Now().UTC().Format(time.RFC3339))
	if o.wants("ratelimit") {
		load := loadAverage()
		o.rateLimit()
		fmt.Printf("load average (1/5/15 min) before: %s; after: %s.\n", load, loadAverage())
	} else if o.only == "" {
		fmt.Println("\n## 1. Audit join under a rate limit\n\nskipped in quick mode (takes about three minutes): run `bench/run.sh ratelimit` or `bench/run.sh full`.")
	}
	for _, sc := range []struct {
		name string
		run  func()
	}{{"concurrency", o.concurrency}, {"rows", o.rows}, {"coldstart", o.coldStart}} {
		if o.wants(sc.name) {
			load := loadAverage()
			sc.run()
			fmt.Printf("load average (1/5/15 min) before: %s; after: %s. Other work on the machine slows the CPU-bound figures.\n", load, loadAverage())
		}
	}
	return !o.failed
}

// 1. The audit join of 2,000 users at 50 ms and 600 requests a minute.
func (o *options) rateLimit() {
	const users, limit = 2000, 600
	latency := 50 * time.Millisecond
	fmt.Printf("\n## 1. Audit join under a rate limit\n\nfake org: %d users, latency %s, rate limit %d requests/minute per bucket (fakeokta.Config{Users: %d, Latency: %s, RateLimit: %d}, as `specsql fake-okta --users %d --latency %s --rate-limit %d`); a fresh org for each run, so each starts with full buckets\n",
		users, latency, limit, users, latency, limit, users, latency, limit)
	fmt.Printf("\n| --concurrency | wall | exit | rows (expected) | calls: users pages + enrollments | requests seen | 429s | bound: largest bucket ÷ %.0f/s | wall ÷ bound | goal ≤ 1.15×, no 429 | enrollments at the fake: span, calls/s, peak in flight |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
		float64(limit)/60)
	var commands []string
	for _, n := range o.rlConcurrency {
		f := startFake(users, latency, limit)
		want := f.info
		args := []string{"-o", "csv", auditSQL}
		if n != 16 {
			args = append([]string{"--concurrency", strconv.Itoa(n)}, args...)
		}
		res := o.exec(f, args...)
		c := f.snapshot()
		f.stop()
		rows := res.lines - 1 // the CSV header
		calls, refused := c.calls(), c.status(http.StatusTooManyRequests)
		largest := 0
		for _, b := range c.buckets() {
			largest = max(largest, c.bucketCalls(b))
		}
		perSecond := float64(limit) / 60
		bound := time.Duration(float64(largest) / perSecond * float64(time.Second))
		ratio := res.wall.Seconds() / bound.Seconds()
		fmt.Printf("| %d | %s | %d | %d (%d) | %d = %d + %d | %d | %d | %d calls ÷ %.0f/s = %s | %.3f | %s | %s, %.2f/s, %d |\n",
			n, secs(res.wall), res.exit, rows, want.AuditRows, calls, c.bucketCalls(usersBucket), c.bucketCalls(enrollmentsBucket),
			c.requests(), refused, largest, perSecond, secs(bound), ratio, yesNo(ratio <= 1.15 && refused == 0 && res.exit == 0),
			secs(c.span(enrollmentsBucket)), float64(c.bucketCalls(enrollmentsBucket))/c.span(enrollmentsBucket).Seconds(), c.MaxInflight)
		commands = append(commands, res.command)
		o.check(res, rows, want.AuditRows, calls, want.auditCalls())
	}
	fmt.Printf("\ncommands (16 is the default concurrency):\n")
	for _, c := range commands {
		fmt.Printf("  %s\n", c)
	}
}

// 2. The same with no rate limit: calls per second against concurrency.
func (o *options) concurrency() {
	users := 2000
	if o.mode == "quick" {
		users = 500
	}
	latency := 50 * time.Millisecond
	fmt.Printf("\n## 2. Audit join with no rate limit: calls per second against --concurrency\n\nfake org: %d users, latency %s, no rate limit (as `specsql fake-okta --users %d --latency %s --rate-limit -1`)\n",
		users, latency, users, latency)
	f := startFake(users, latency, -1)
	defer f.stop()
	want := f.info
	fmt.Printf("\n| --concurrency | wall | calls | calls/s (calls ÷ wall) | fan-out calls/s at the fake | ceiling (concurrency ÷ latency) | peak in flight | rows (expected) | exit |\n|---|---|---|---|---|---|---|---|---|\n")
	var commands []string
	for _, n := range []int{1, 4, 16, 64} {
		f.reset()
		res := o.exec(f, "--concurrency", strconv.Itoa(n), "-o", "csv", auditSQL)
		c := f.snapshot()
		rows := res.lines - 1
		fanout := float64(c.bucketCalls(enrollmentsBucket)) / c.span(enrollmentsBucket).Seconds()
		fmt.Printf("| %d | %s | %d | %.0f | %.0f | %.0f | %d | %d (%d) | %d |\n", n, secs(res.wall), c.calls(),
			float64(c.calls())/res.wall.Seconds(), fanout, float64(n)/latency.Seconds(), c.MaxInflight, rows, want.AuditRows, res.exit)
		commands = append(commands, res.command)
		o.check(res, rows, want.AuditRows, c.calls(), want.auditCalls())
	}
	fmt.Printf("\ncommands:\n")
	for _, c := range commands {
		fmt.Printf("  %s\n", c)
	}
}

// 3. 100,000 rows through SQLite: rows per second and peak memory.
func (o *options) rows() {
	const users = 100_000
	type setting struct {
		latency time.Duration
		reps    int
	}
	settings := []setting{{0, 1}}
	if o.mode == "full" {
		settings = []setting{{0, 3}, {50 * time.Millisecond, 1}}
	}
	fmt.Printf("\n## 3. 100,000 rows through SQLite\n\nfake org: %d users, no rate limit; the statement lists every user (a search lists deprovisioned users too), 500 pages of 200\n", users)
	fmt.Printf("\n| statement | latency | runs | wall (median) | wall (min–max) | pages | rows loaded | rows/s (median) | peak RSS (max) | exit |\n|---|---|---|---|---|---|---|---|---|---|\n")
	var commands []string
	for _, st := range settings {
		f := startFake(users, st.latency, -1)
		statements := []struct {
			label string
			args  []string
		}{
			{"SELECT count(*)", []string{"-o", "csv", "SELECT count(*) FROM okta.users.users WHERE " + allUsersWhere}},
			{"SELECT * -o ndjson", []string{"-o", "ndjson", "SELECT * FROM okta.users.users WHERE " + allUsersWhere}},
		}
		for _, s := range statements {
			var walls []time.Duration
			var rss int64
			var res result
			var c stats
			loaded := -1
			for range st.reps {
				f.reset()
				res = o.exec(f, s.args...)
				c = f.snapshot()
				if s.label == "SELECT count(*)" {
					out := strings.Split(strings.TrimSpace(res.head), "\n")
					if n, err := strconv.Atoi(out[len(out)-1]); err == nil {
						loaded = n
					}
				} else {
					loaded = res.lines
				}
				o.check(res, loaded, users, c.calls(), users/200)
				walls = append(walls, res.wall)
				rss = max(rss, res.maxRSS)
			}
			slices.Sort(walls)
			median := percentile(walls, 50)
			fmt.Printf("| %s | %s | %d | %s | %s–%s | %d | %d | %.0f | %s | %d |\n", s.label, st.latency, st.reps, secs(median),
				secs(walls[0]), secs(walls[len(walls)-1]), c.calls(), loaded, float64(loaded)/median.Seconds(), mib(rss), res.exit)
			commands = append(commands, res.command)
		}
		f.stop()
	}
	fmt.Printf("\npeak RSS is the specsql process's maximum resident set (getrusage ru_maxrss of the child).\ncommands:\n")
	for _, c := range commands {
		fmt.Printf("  %s\n", c)
	}
}

// 4. Cold start of specsql exec for a one-call SELECT.
func (o *options) coldStart() {
	f := startFake(300, 0, -1)
	defer f.stop()
	id := f.info.ActiveUserID
	fmt.Printf("\n## 4. Cold start of specsql exec\n\nfake org: 300 users, no latency, no rate limit; %d timed runs after 3 untimed, one at a time\n", o.coldRuns)
	fmt.Printf("\n| statement | calls | median | p90 | min | max | mean | peak RSS (max) |\n|---|---|---|---|---|---|---|---|\n")
	sql := "SELECT id, status FROM okta.users.users WHERE subdomain = 'demo' AND id = '" + id + "'"
	cases := []struct {
		label string
		args  []string // after specsql exec --server ...; nil runs specsql --help
		calls int
	}{
		{"one-call SELECT (get_user by id)", []string{"-o", "csv", sql}, 1},
		{"EXPLAIN of it (spec loaded, no call)", []string{"-o", "csv", "EXPLAIN " + sql}, 0},
		{"specsql --help (process start only)", nil, 0},
	}
	var commands []string
	for _, cs := range cases {
		var walls []time.Duration
		var rss int64
		var last result
		for i := range o.coldRuns + 3 {
			f.reset()
			res := o.spawn("--help")
			if cs.args != nil {
				res = o.exec(f, cs.args...)
			}
			last = res
			if res.exit != 0 {
				o.fail("%s: exit %d: %s", res.command, res.exit, res.stderr)
				break
			}
			if got := f.snapshot().calls(); got != cs.calls {
				o.fail("%s: %d calls, want %d", res.command, got, cs.calls)
			}
			if i >= 3 {
				walls = append(walls, res.wall)
				rss = max(rss, res.maxRSS)
			}
		}
		if len(walls) == 0 {
			continue
		}
		slices.Sort(walls)
		var sum time.Duration
		for _, w := range walls {
			sum += w
		}
		fmt.Printf("| %s | %d | %s | %s | %s | %s | %s | %s |\n", cs.label, cs.calls, ms(percentile(walls, 50)), ms(percentile(walls, 90)),
			ms(walls[0]), ms(walls[len(walls)-1]), ms(sum/time.Duration(len(walls))), mib(rss))
		commands = append(commands, last.command)
	}
	fmt.Printf("\ncommands:\n")
	for _, c := range commands {
		fmt.Printf("  %s\n", c)
	}
	o.hyperfine(f, sql)
}

// hyperfine times the one-call SELECT again with hyperfine, when it is
// installed, as a second opinion on the harness's own timing.
func (o *options) hyperfine(f *fake, sql string) {
	hf, err := exec.LookPath("hyperfine")
	if err != nil {
		fmt.Printf("\nhyperfine is not installed: no second opinion on the cold start (apt-get install -y hyperfine adds one).\n")
		return
	}
	report, err := os.CreateTemp("", "specsql-hyperfine-*.json")
	if err != nil {
		die(err)
	}
	report.Close()
	defer os.Remove(report.Name())
	f.reset()
	command := shellQuote([]string{o.specsql, "exec", "--server", fmt.Sprintf("okta=http://{subdomain}.localhost:%d/", f.port), "-o", "csv", sql})
	cmd := exec.Command(hf, "-N", "--warmup", "3", "--runs", strconv.Itoa(o.coldRuns), "--style", "none", "--export-json", report.Name(), command)
	cmd.Env = append(os.Environ(), "OKTA_API_TOKEN="+fakeokta.DemoToken)
	if out, err := cmd.CombinedOutput(); err != nil {
		o.fail("hyperfine: %v: %s", err, out)
		return
	}
	var r struct {
		Results []struct {
			Mean, Stddev, Median, Min, Max float64
			Times                          []float64
		}
	}
	data, err := os.ReadFile(report.Name())
	if err == nil {
		err = json.Unmarshal(data, &r)
	}
	if err != nil || len(r.Results) != 1 || len(r.Results[0].Times) == 0 {
		o.fail("hyperfine's report %s: %v", data, err)
		return
	}
	res := r.Results[0]
	times := make([]time.Duration, len(res.Times))
	for i, t := range res.Times {
		times[i] = time.Duration(t * float64(time.Second))
	}
	slices.Sort(times)
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	fmt.Printf("\nhyperfine, same statement and org (%d runs after 3 warm-ups, no shell): median %s, p90 %s, min %s, max %s, mean %s ± %s\n",
		len(times), ms(sec(res.Median)), ms(percentile(times, 90)), ms(sec(res.Min)), ms(sec(res.Max)), ms(sec(res.Mean)), ms(sec(res.Stddev)))
	fmt.Printf("command: OKTA_API_TOKEN=%s hyperfine -N --warmup 3 --runs %d %s\n", fakeokta.DemoToken, o.coldRuns, shellQuote([]string{command}))
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := int(math.Ceil(float64(p) / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

func (o *options) check(res result, rows, wantRows, calls, wantCalls int) {
	if res.exit != 0 {
		o.fail("%s: exit %d: %s", res.command, res.exit, strings.TrimSpace(res.stderr))
	}
	if rows != wantRows {
		o.fail("%s: %d rows, want %d", res.command, rows, wantRows)
	}
	if calls != wantCalls {
		o.fail("%s: %d calls, want %d", res.command, calls, wantCalls)
	}
}

// result is one run of specsql.
type result struct {
	command string
	wall    time.Duration
	exit    int
	maxRSS  int64 // bytes
	lines   int   // lines on stdout
	head    string
	stderr  string
}

// exec runs specsql exec against the fake, as a user would from a shell.
func (o *options) exec(f *fake, args ...string) result {
	return o.spawn(append([]string{"exec", "--server", fmt.Sprintf("okta=http://{subdomain}.localhost:%d/", f.port)}, args...)...)
}

// spawn runs specsql with args, timing it from start to exit and reading
// its peak RSS.
func (o *options) spawn(full ...string) result {
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, o.specsql, full...)
	cmd.Env = append(os.Environ(), "OKTA_API_TOKEN="+fakeokta.DemoToken)
	out := &lineCounter{}
	var stderr bytes.Buffer
	cmd.Stdout = out
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Start()
	if err == nil {
		err = cmd.Wait()
	}
	wall := time.Since(start)
	res := result{
		command: "OKTA_API_TOKEN=" + fakeokta.DemoToken + " " + shellQuote(append([]string{"specsql"}, full...)),
		wall:    wall, lines: out.lines, head: out.head.String(), stderr: stderr.String(),
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		res.exit = -1
		res.stderr = fmt.Sprintf("killed after %s; %s", runTimeout, res.stderr)
	case errors.As(err, &exitErr):
		res.exit = exitErr.ExitCode()
	default:
		fmt.Fprintln(os.Stderr, "harness: running specsql:", err)
		os.Exit(1)
	}
	if cmd.ProcessState != nil {
		res.maxRSS = maxRSS(cmd.ProcessState)
	}
	return res
}

// lineCounter counts lines and keeps the first 64 KiB.
type lineCounter struct {
	lines int
	head  bytes.Buffer
}

func (l *lineCounter) Write(p []byte) (int, error) {
	l.lines += bytes.Count(p, []byte("\n"))
	if room := 64<<10 - l.head.Len(); room > 0 {
		l.head.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

var _ io.Writer = (*lineCounter)(nil)

func shellQuote(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./:,") == "" {
			out[i] = a
			continue
		}
		if strings.Contains(a, "'") && !strings.ContainsAny(a, "\"$`\\!") {
			out[i] = `"` + a + `"`
			continue
		}
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
func ms(d time.Duration) string   { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func mib(b int64) string {
	if b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}

func yesNo(b bool) string {
	if b {
		return "met"
	}
	return "NOT met"
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func memTotal() string {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "memory unknown"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err == nil {
				return fmt.Sprintf("%.1f GiB RAM", float64(kb)/(1<<20))
			}
		}
	}
	return "memory unknown"
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
