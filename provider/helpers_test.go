package provider

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/fakeokta"
	"github.com/specsql/specsql/mapping"
	"github.com/specsql/specsql/provider/okta"
)

const (
	enrollments = "okta.webauthn_registration.enrollments"
	users       = "okta.users.users"
	testToken   = "00test-token"
)

// method returns a method of the built-in Okta provider, e.g.
// method(t, users, "list_users").
func method(t testing.TB, resource, name string) *mapping.Method {
	t.Helper()
	p, err := okta.Provider()
	require.NoError(t, err)
	reg := &mapping.Registry{}
	require.NoError(t, reg.Add(p))
	r, err := reg.Lookup(resource)
	require.NoError(t, err)
	m := r.Method(name)
	require.NotNil(t, m, "%s has no method %s", resource, name)
	return m
}

// port returns the port a test server listens on.
func port(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	_, p, err := net.SplitHostPort(srv.Listener.Addr().String())
	require.NoError(t, err)
	return p
}

// clientFor returns a client that sends Okta calls to srv as
// http://{subdomain}.localhost:PORT/ with token, and never reads the
// process environment.
func clientFor(t *testing.T, srv *httptest.Server, token string) *Client {
	t.Helper()
	c := New()
	c.Servers = map[string]string{"okta": "http://{subdomain}.localhost:" + port(t, srv) + "/"}
	c.Tokens = map[string]string{}
	if token != "" {
		c.Tokens["okta"] = token
	}
	c.Getenv = func(string) string { return "" }
	// Retries without a stated delay need not slow the tests.
	c.RetryBackoff = time.Millisecond
	return c
}

// fakeOrg serves a fake Okta org and returns it with a client authenticated
// with its token.
func fakeOrg(t *testing.T, cfg fakeokta.Config) (*fakeokta.Org, *Client) {
	t.Helper()
	if cfg.RateLimit == 0 {
		cfg.RateLimit = -1
	}
	org := fakeokta.New(cfg)
	srv := httptest.NewServer(org)
	t.Cleanup(srv.Close)
	return org, clientFor(t, srv, fakeokta.DemoToken)
}

// handlerServer serves h and returns the server with a client for it.
func handlerServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *Client) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, clientFor(t, srv, testToken)
}

// result is what one Do call delivered.
type result struct {
	out     Outcome
	rows    []map[string]any
	batches int
	err     error
}

func run(t *testing.T, c *Client, m *mapping.Method, params map[string]string, body []byte) result {
	t.Helper()
	var r result
	r.out, r.err = c.Do(context.Background(), m, params, body, func(rows []json.RawMessage) error {
		r.batches++
		for _, raw := range rows {
			var row map[string]any
			require.NoError(t, json.Unmarshal(raw, &row), "row %s", raw)
			r.rows = append(r.rows, row)
		}
		return nil
	})
	return r
}

// counter is a handler that counts and keeps the requests it receives.
type counter struct {
	mu   sync.Mutex
	reqs []*http.Request
	next http.HandlerFunc
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.reqs = append(c.reqs, r.Clone(context.Background()))
	next := c.next
	c.mu.Unlock()
	if next != nil {
		next(w, r)
		return
	}
	writeJSONBody(w, `[]`)
}

// handle sets what the counter answers.
func (c *counter) handle(h http.HandlerFunc) {
	c.mu.Lock()
	c.next = h
	c.mu.Unlock()
}

func (c *counter) requests() []*http.Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*http.Request(nil), c.reqs...)
}

func writeJSONBody(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(body))
}
