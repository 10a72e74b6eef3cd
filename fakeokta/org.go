// Package fakeokta is an in-memory Okta org served over HTTP. Tests, benchmarks
// and the CLI's demo mode use it in place of a real org, so it mirrors the real
// API's paths, bodies, errors, Link pagination and rate-limit headers.
package fakeokta

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DemoSubdomain and DemoToken are the defaults of Config; the demo mode
// publishes them, so the token is deliberately not a secret.
const (
	DemoSubdomain = "demo"
	DemoToken     = "00demo-sandbox-token-not-secret"
)

const (
	defaultUsers     = 300
	defaultRateLimit = 600
	// unlimitedRate is the limit reported when Config.RateLimit < 0: clients
	// still see the headers they expect, with a ceiling they never reach.
	unlimitedRate = 1_000_000_000
	defaultWindow = 60 * time.Second
)

// Config describes the org to serve. Zero values select the defaults.
type Config struct {
	Subdomain string           // org served; default DemoSubdomain
	Token     string           // the only API token accepted; default DemoToken
	Users     int              // number of generated users; default 300
	Seed      uint64           // data seed; default 1; same config => byte-identical data
	Latency   time.Duration    // added before answering each request
	RateLimit int              // requests per window per bucket; 0 => 600; <0 => unlimited
	Window    time.Duration    // rate-limit window; default one minute, as Okta's
	Now       func() time.Time // clock for rate limits, Date and mutations; default time.Now
}

// RecordedRequest is one request as the org received it.
type RecordedRequest struct {
	Method, Path, RawQuery, Host string
	Header                       http.Header
	Body                         []byte
}

// Org is a fake Okta org. It implements http.Handler and is safe for
// concurrent use.
type Org struct {
	cfg    Config
	routes []route

	mu          sync.RWMutex // guards the fields below
	rng         *rand.Rand   // the seeded stream, continued for ids created at runtime
	ids         map[string]bool
	users       []User
	userIndex   map[string]int // user id => index in users
	enrollments map[string][]Enrollment
	factors     map[string][]factor

	reqMu    sync.Mutex
	requests []RecordedRequest

	rlMu    sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	start time.Time
	used  int
}

// call carries what a handler needs about one request.
type call struct {
	w      http.ResponseWriter
	r      *http.Request
	params map[string]string
	body   []byte
	base   string // scheme://host, for absolute links
	now    time.Time
}

type route struct {
	pattern  string // Okta's path template; also names the rate-limit bucket
	segments []string
	handlers map[string]func(*Org, *call)
}

// New generates the org's data from cfg and returns it ready to serve.
func New(cfg Config) *Org {
	if cfg.Subdomain == "" {
		cfg.Subdomain = DemoSubdomain
	}
	if cfg.Token == "" {
		cfg.Token = DemoToken
	}
	if cfg.Users <= 0 {
		cfg.Users = defaultUsers
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Window <= 0 {
		cfg.Window = defaultWindow
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = defaultRateLimit
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	o := &Org{cfg: cfg, buckets: map[string]*bucket{}}
	o.generate()
	o.routes = []route{
		newRoute("/api/v1/users", map[string]func(*Org, *call){http.MethodGet: (*Org).listUsers}),
		newRoute("/api/v1/users/{id}", map[string]func(*Org, *call){http.MethodGet: (*Org).getUser}),
		newRoute("/api/v1/users/{userId}/factors", map[string]func(*Org, *call){http.MethodGet: (*Org).listFactors}),
		newRoute("/webauthn-registration/api/v1/users/{userId}/enrollments",
			map[string]func(*Org, *call){http.MethodGet: (*Org).listEnrollments}),
		newRoute("/webauthn-registration/api/v1/users/{userId}/enrollments/{authenticatorEnrollmentId}",
			map[string]func(*Org, *call){http.MethodDelete: (*Org).deleteEnrollment}),
		newRoute("/webauthn-registration/api/v1/users/{userId}/enrollments/{authenticatorEnrollmentId}/mark-error",
			map[string]func(*Org, *call){http.MethodPost: (*Org).markError}),
		newRoute("/webauthn-registration/api/v1/initiate-fulfillment-request",
			map[string]func(*Org, *call){http.MethodPost: (*Org).initiateFulfillment}),
		newRoute("/webauthn-registration/api/v1/enroll", map[string]func(*Org, *call){http.MethodPost: (*Org).enroll}),
		newRoute("/webauthn-registration/api/v1/activate", map[string]func(*Org, *call){http.MethodPost: (*Org).activate}),
		newRoute("/webauthn-registration/api/v1/send-pin", map[string]func(*Org, *call){http.MethodPost: (*Org).sendPin}),
	}
	return o
}

func newRoute(pattern string, handlers map[string]func(*Org, *call)) route {
	return route{pattern: pattern, segments: strings.Split(pattern[1:], "/"), handlers: handlers}
}

// match finds the route for an escaped path; parameters are unescaped so a
// login such as "a%40b.com" arrives as "a@b.com".
func (o *Org) match(escapedPath string) (*route, map[string]string) {
	segs := strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	for i := range o.routes {
		rt := &o.routes[i]
		if len(rt.segments) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for j, s := range rt.segments {
			if strings.HasPrefix(s, "{") {
				v, err := url.PathUnescape(segs[j])
				if err != nil || v == "" {
					ok = false
					break
				}
				params[s[1:len(s)-1]] = v
			} else if s != segs[j] {
				ok = false
				break
			}
		}
		if ok {
			return rt, params
		}
	}
	return nil, nil
}

// ServeHTTP answers one API request the way the real org would, in this order:
// record, latency, rate-limit accounting, org host, Content-Length, auth,
// rate-limit verdict, path, method, handler.
func (o *Org) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body) // a truncated body is recorded and judged as sent
	o.record(r, body)
	if !sleep(r.Context(), o.cfg.Latency) {
		return
	}
	now := o.cfg.Now()
	h := w.Header()
	h.Set("X-Okta-Request-Id", "req"+randomString(rand.IntN, base62, 23))
	h.Set("Date", now.UTC().Format(http.TimeFormat))

	rt, params := o.match(r.URL.EscapedPath())
	bucketName := r.Method + " *" // unknown paths share one bucket
	if rt != nil {
		bucketName = r.Method + " " + rt.pattern
	}
	allowed := o.consume(bucketName, now, h)

	if label, foreign := o.foreignOrg(r.Host); foreign {
		writeError(w, http.StatusNotFound, "E0000007", "Not found: org "+label)
		return
	}
	// Okta's front end refuses bodiless POSTs and PUTs lacking Content-Length
	// (a chunked request has none either).
	if (r.Method == http.MethodPost || r.Method == http.MethodPut) && len(r.Header.Values("Content-Length")) == 0 {
		writeError(w, http.StatusLengthRequired, "E0000001", "Api validation failed: Content-Length is required",
			"Content-Length: a POST or PUT request must send Content-Length (Content-Length: 0 when it has no body)")
		return
	}
	if status := o.authenticate(r.Header.Get("Authorization")); status == http.StatusForbidden {
		writeError(w, status, "E0000005", "Invalid session")
		return
	} else if status == http.StatusUnauthorized {
		writeError(w, status, "E0000011", "Invalid token provided")
		return
	}
	if !allowed {
		writeError(w, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
		return
	}
	if rt == nil {
		writeError(w, http.StatusNotFound, "E0000008", "The requested path was not found")
		return
	}
	handler := rt.handlers[r.Method]
	if handler == nil {
		for m := range rt.handlers {
			h.Add("Allow", m)
		}
		writeError(w, http.StatusMethodNotAllowed, "E0000022", "The endpoint does not support the provided HTTP method")
		return
	}
	handler(o, &call{w: w, r: r, params: params, body: body, base: baseURL(r), now: now})
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (o *Org) record(r *http.Request, body []byte) {
	rec := RecordedRequest{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Host: r.Host,
		Header: r.Header.Clone(), Body: body,
	}
	o.reqMu.Lock()
	o.requests = append(o.requests, rec)
	o.reqMu.Unlock()
}

// Requests returns every request received so far, oldest first.
func (o *Org) Requests() []RecordedRequest {
	o.reqMu.Lock()
	defer o.reqMu.Unlock()
	out := make([]RecordedRequest, len(o.requests))
	for i, rec := range o.requests {
		rec.Header = rec.Header.Clone()
		rec.Body = bytes.Clone(rec.Body)
		out[i] = rec
	}
	return out
}

// ClearRequests forgets the recorded requests.
func (o *Org) ClearRequests() {
	o.reqMu.Lock()
	o.requests = nil
	o.reqMu.Unlock()
}

// consume counts one request against its bucket, sets the X-Rate-Limit-*
// headers and reports whether the request fits in the quota. A bucket's
// 60-second window starts at its first request, as Okta's windows are not
// aligned to wall-clock minutes.
func (o *Org) consume(name string, now time.Time, h http.Header) bool {
	limit := o.cfg.RateLimit
	if limit < 0 {
		limit = unlimitedRate
	}
	o.rlMu.Lock()
	b := o.buckets[name]
	if b == nil || !now.Before(b.start.Add(o.cfg.Window)) {
		b = &bucket{start: now}
		o.buckets[name] = b
	}
	b.used++
	used, end := b.used, b.start.Add(o.cfg.Window)
	o.rlMu.Unlock()

	reset := end.Unix()
	if end.Nanosecond() != 0 {
		reset++ // round up: clients sleep until Reset, and waking early just earns another 429
	}
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(max(limit-used, 0)))
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(reset, 10))
	return used <= limit
}

// foreignOrg reports whether host names another org: IP literals and plain
// localhost are accepted so that httptest URLs work unchanged.
func (o *Org) foreignOrg(host string) (string, bool) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if strings.EqualFold(host, "localhost") || net.ParseIP(host) != nil {
		return "", false
	}
	label, _, _ := strings.Cut(host, ".")
	return label, !strings.EqualFold(label, o.cfg.Subdomain)
}

// authenticate returns 0 for an accepted token, 403 for a missing or
// malformed header and 401 for a wrong token, as Okta does.
func (o *Org) authenticate(header string) int {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	token = strings.TrimSpace(token)
	if !ok || token == "" || !(strings.EqualFold(scheme, "SSWS") || strings.EqualFold(scheme, "Bearer")) {
		return http.StatusForbidden
	}
	if token != o.cfg.Token {
		return http.StatusUnauthorized
	}
	return 0
}

// baseURL is the absolute origin links point to. The fake serves plain http;
// a TLS-terminating proxy in front announces itself with X-Forwarded-Proto.
func baseURL(r *http.Request) string {
	scheme := "http"
	if p, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ","); strings.TrimSpace(p) != "" {
		scheme = strings.TrimSpace(p)
	}
	return scheme + "://" + r.Host
}

type oktaError struct {
	ErrorCode    string       `json:"errorCode"`
	ErrorSummary string       `json:"errorSummary"`
	ErrorLink    string       `json:"errorLink"`
	ErrorID      string       `json:"errorId"`
	ErrorCauses  []errorCause `json:"errorCauses"`
}

type errorCause struct {
	ErrorSummary string `json:"errorSummary"`
}

func writeError(w http.ResponseWriter, status int, code, summary string, causes ...string) {
	e := oktaError{
		ErrorCode: code, ErrorSummary: summary, ErrorLink: code,
		ErrorID:     "oae" + randomString(rand.IntN, base62, 22),
		ErrorCauses: []errorCause{},
	}
	for _, c := range causes {
		e.ErrorCauses = append(e.ErrorCauses, errorCause{ErrorSummary: c})
	}
	writeJSON(w, status, e)
}

// writeJSON writes v compactly without HTML escaping, like Okta.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

const (
	base62     = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	base64URL  = base62 + "-_"
	lowerAlnum = "0123456789abcdefghijklmnopqrstuvwxyz"
)

// randomString draws n characters of alphabet from intN: the seeded stream
// for data, the global source for request and error ids.
func randomString(intN func(int) int, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[intN(len(alphabet))]
	}
	return string(b)
}
