package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/specsql/specsql/fakeokta"
)

// The fake org runs in a process of its own (this binary, "serve"), not in
// the harness: a child's peak RSS (ru_maxrss) counts the memory of the
// process it was spawned from, so the harness must stay small, and an org
// of 100,000 users is not small.

// serve is the "serve" subcommand: it serves a fake org on a loopback
// port, prints the port, and exits when its standard input closes, so it
// never outlives the harness.
func serve(args []string) {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	var cfg fakeokta.Config
	fs.IntVar(&cfg.Users, "users", 300, "users")
	fs.DurationVar(&cfg.Latency, "latency", 0, "latency")
	fs.IntVar(&cfg.RateLimit, "rate-limit", 600, "requests per minute per bucket; -1 unlimited")
	fs.Parse(args) //nolint:errcheck // ExitOnError
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "harness serve:", err)
		os.Exit(1)
	}
	c := &counter{org: fakeokta.New(cfg)}
	c.reset()
	srv := &http.Server{Handler: c, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // the process exits instead
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	io.Copy(io.Discard, os.Stdin) //nolint:errcheck // any end of stdin ends the server
	os.Exit(0)
}

// counter serves the org and counts every request it sees by rate-limit
// bucket and response status.
type counter struct {
	org *fakeokta.Org

	mu       sync.Mutex
	stats    stats
	inflight int
}

// stats are what the org saw since the last reset.
type stats struct {
	Count       map[string]map[int]int // bucket => status => responses
	First, Last map[string]time.Time   // bucket => first request, last response
	MaxInflight int
}

// orgInfo is what the statements should return, computed from the org's
// data: Okta lists every user but the deprovisioned ones, in pages of 200;
// each listed user is one enrollments call and at least one row of the
// audit join (the LEFT JOIN keeps users with no enrollment).
type orgInfo struct {
	Users, Listed, AuditRows int
	ActiveUserID             string
}

func (i orgInfo) auditCalls() int { return max((i.Listed+199)/200, 1) + i.Listed }

var idSegment = regexp.MustCompile(`/(users|enrollments)/[^/]+`)

// bucketOf names a request's rate-limit bucket as the fake does: method
// and path template.
func bucketOf(r *http.Request) string {
	return r.Method + " " + idSegment.ReplaceAllString(r.URL.Path, "/$1/{id}")
}

func (c *counter) reset() {
	c.mu.Lock()
	c.stats = stats{Count: map[string]map[int]int{}, First: map[string]time.Time{}, Last: map[string]time.Time{}}
	c.mu.Unlock()
	c.org.ClearRequests() // the org records every request; keep its memory flat
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/__bench/reset":
		c.reset()
		return
	case "/__bench/stats":
		c.mu.Lock()
		data, err := json.Marshal(c.stats)
		c.mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Write(data) //nolint:errcheck // the harness notices
		return
	case "/__bench/info":
		data, _ := json.Marshal(c.info())
		w.Write(data) //nolint:errcheck // the harness notices
		return
	}
	bucket := bucketOf(r)
	c.mu.Lock()
	if _, ok := c.stats.First[bucket]; !ok {
		c.stats.First[bucket] = time.Now()
	}
	c.inflight++
	c.stats.MaxInflight = max(c.stats.MaxInflight, c.inflight)
	c.mu.Unlock()

	sw := &statusWriter{ResponseWriter: w}
	c.org.ServeHTTP(sw, r)

	c.mu.Lock()
	c.inflight--
	c.stats.Last[bucket] = time.Now()
	if c.stats.Count[bucket] == nil {
		c.stats.Count[bucket] = map[int]int{}
	}
	c.stats.Count[bucket][sw.statusCode()]++
	c.mu.Unlock()
}

func (c *counter) info() orgInfo {
	var i orgInfo
	users := c.org.Users()
	i.Users = len(users)
	for _, u := range users {
		if u.Status == "DEPROVISIONED" {
			continue
		}
		if i.ActiveUserID == "" && u.Status == "ACTIVE" {
			i.ActiveUserID = u.ID
		}
		i.Listed++
		i.AuditRows += max(len(c.org.Enrollments(u.ID)), 1)
	}
	return i
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) statusCode() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// fake is the harness's handle on a serving process.
type fake struct {
	cmd   *exec.Cmd
	stdin io.Closer
	port  int
	info  orgInfo
	http  *http.Client
}

func startFake(users int, latency time.Duration, rateLimit int) *fake {
	self, err := os.Executable()
	if err != nil {
		die(err)
	}
	cmd := exec.Command(self, "serve", "-users", strconv.Itoa(users), "-latency", latency.String(), "-rate-limit", strconv.Itoa(rateLimit))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		die(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		die(err)
	}
	if err := cmd.Start(); err != nil {
		die(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		die(fmt.Errorf("the fake org did not start: %w", err))
	}
	port, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		die(fmt.Errorf("the fake org said %q", line))
	}
	f := &fake{cmd: cmd, stdin: stdin, port: port, http: &http.Client{Transport: &http.Transport{}}}
	f.get("/__bench/info", &f.info)
	return f
}

func (f *fake) stop() {
	f.stdin.Close()
	f.cmd.Wait() //nolint:errcheck // it exits 0 on stdin's end
}

func (f *fake) reset() { f.get("/__bench/reset", nil) }

func (f *fake) snapshot() stats {
	var s stats
	f.get("/__bench/stats", &s)
	return s
}

func (f *fake) get(path string, into any) {
	resp, err := f.http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", f.port, path))
	if err != nil {
		die(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		die(fmt.Errorf("fake org %s: HTTP %d %s %v", path, resp.StatusCode, data, err))
	}
	if into != nil {
		if err := json.Unmarshal(data, into); err != nil {
			die(err)
		}
	}
}

func die(err error) {
	fmt.Fprintln(os.Stderr, "harness:", err)
	os.Exit(1)
}

func (s stats) buckets() []string {
	var out []string
	for b := range s.Count {
		out = append(out, b)
	}
	sort.Strings(out)
	return out
}

// bucketCalls counts the requests of a bucket that were not refused for
// the rate limit: the calls the statement needed.
func (s stats) bucketCalls(bucket string) int {
	n := 0
	for status, k := range s.Count[bucket] {
		if status != http.StatusTooManyRequests {
			n += k
		}
	}
	return n
}

func (s stats) calls() int {
	n := 0
	for b := range s.Count {
		n += s.bucketCalls(b)
	}
	return n
}

func (s stats) requests() int {
	n := 0
	for _, m := range s.Count {
		for _, k := range m {
			n += k
		}
	}
	return n
}

func (s stats) status(code int) int {
	n := 0
	for _, m := range s.Count {
		n += m[code]
	}
	return n
}

func (s stats) span(bucket string) time.Duration {
	return s.Last[bucket].Sub(s.First[bucket])
}
