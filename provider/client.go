// Package provider calls API methods: it builds URLs from server templates
// and parameters, authenticates, follows pagination and decodes rows. It
// knows nothing of SQL.
package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/specsql/specsql/mapping"
)

// Defaults for Client fields left zero.
const (
	DefaultMaxPages       = 100000
	DefaultMaxBodyBytes   = 64 << 20
	DefaultRequestTimeout = 60 * time.Second
	rowBatch              = 500
)

// Client calls methods of mapped providers.
type Client struct {
	HTTP *http.Client
	// Servers overrides a provider's server URL template, by provider name.
	Servers map[string]string
	// Tokens overrides the credential read from the environment, by
	// provider name.
	Tokens map[string]string
	// Getenv reads credentials; os.Getenv when nil.
	Getenv         func(string) string
	UserAgent      string
	MaxPages       int
	MaxBodyBytes   int64
	RequestTimeout time.Duration
}

// New returns a client with a transport that resolves *.localhost to the
// loopback address (RFC 6761), so a local fake org can be addressed by
// subdomain, and that drops credentials on redirects to another host.
func New() *Client {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err == nil && isLocalhostName(host) {
			addr = net.JoinHostPort("127.0.0.1", port)
		}
		return dialer.DialContext(ctx, network, addr)
	}
	// Loopback hosts are dialled directly: net/http's proxy rules exempt
	// localhost and loopback IPs but not *.localhost, which a proxy could
	// not resolve to this machine, and which must not see the token.
	transport.Proxy = func(req *http.Request) (*url.URL, error) {
		if isLoopback(req.URL.Hostname()) {
			return nil, nil
		}
		return http.ProxyFromEnvironment(req)
	}
	transport.MaxIdleConnsPerHost = 64
	return &Client{
		HTTP: &http.Client{
			Transport:     transport,
			CheckRedirect: checkRedirect,
		},
		UserAgent: "specsql",
	}
}

// checkRedirect keeps the Authorization header only for the same host:
// a token must never reach another host, not even a sibling subdomain.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if req.URL.Host != via[0].URL.Host || req.URL.Scheme != via[0].URL.Scheme {
		req.Header.Del("Authorization")
	}
	return nil
}

func isLocalhostName(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

func isLoopback(host string) bool {
	if isLocalhostName(host) {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Outcome sums up a call.
type Outcome struct {
	Status int
	Pages  int
	Rows   int
}

// Do calls method m with parameter values params and an optional JSON body.
// Rows are handed to onRows in batches as pages arrive.
func (c *Client) Do(ctx context.Context, m *mapping.Method, params map[string]string, body []byte, onRows func([]json.RawMessage) error) (Outcome, error) {
	u, err := c.URL(m, params)
	if err != nil {
		return Outcome{}, err
	}
	auth, err := c.authorization(m.Resource.Service.Provider)
	if err != nil {
		return Outcome{}, err
	}
	name := m.Resource.ID() + "." + m.Name
	var out Outcome
	seen := map[string]bool{}
	next := u
	for next != nil {
		if out.Pages >= c.maxPages() {
			return out, fmt.Errorf("%s: stopped after %d pages, and more remain; raise --max-pages to read them all", name, out.Pages)
		}
		seen[next.String()] = true
		status, rows, link, err := c.page(ctx, name, m, next, params, body, auth, onRows)
		if err != nil {
			return out, err
		}
		out.Status = status
		out.Pages++
		out.Rows += rows
		if link == nil {
			break
		}
		if link.Scheme != u.Scheme || link.Host != u.Host {
			return out, fmt.Errorf("%s: the next-page link points to %s://%s, not to %s://%s; it was not followed, so the token is not sent there",
				name, link.Scheme, link.Host, u.Scheme, u.Host)
		}
		if seen[link.String()] {
			return out, fmt.Errorf("%s: the API sent a next-page link already read (%s); stopping rather than looping", name, link.Redacted())
		}
		next = link
	}
	return out, nil
}

// page makes one request and decodes one page of rows.
func (c *Client) page(ctx context.Context, name string, m *mapping.Method, u *url.URL, params map[string]string, body []byte, auth [2]string, onRows func([]json.RawMessage) error) (int, int, *url.URL, error) {
	ctx, cancel := context.WithTimeout(ctx, c.requestTimeout())
	defer cancel()
	var reader io.Reader = http.NoBody
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, m.Operation.Method, u.String(), reader)
	if err != nil {
		return 0, 0, nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	if auth[0] != "" {
		req.Header.Set(auth[0], auth[1])
	}
	for _, p := range m.Params {
		if v, ok := params[p.Name]; ok && p.In == mapping.InHeader {
			req.Header.Set(p.Name, v)
		}
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("%s: %s %s: %w", name, req.Method, u.Redacted(), unwrapURLError(err))
	}
	defer resp.Body.Close()
	limited := io.LimitReader(resp.Body, c.maxBodyBytes()+1)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		data, _ := io.ReadAll(io.LimitReader(limited, 1<<20))
		return resp.StatusCode, 0, nil, newAPIError(name, req.Method, u.Redacted(), resp, data)
	}
	data, err := io.ReadAll(limited)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("%s: HTTP %d: reading the response: %w", name, resp.StatusCode, err)
	}
	if int64(len(data)) > c.maxBodyBytes() {
		return 0, 0, nil, fmt.Errorf("%s: HTTP %d: the response is larger than %d bytes; raise --max-body-bytes to accept it", name, resp.StatusCode, c.maxBodyBytes())
	}
	rows, err := decodeRows(name, m, resp, data)
	if err != nil {
		return 0, 0, nil, err
	}
	for start := 0; start < len(rows); start += rowBatch {
		end := min(start+rowBatch, len(rows))
		if err := onRows(rows[start:end]); err != nil {
			return 0, 0, nil, err
		}
	}
	var next *url.URL
	// Only reads page: a next link on a POST or DELETE response must not repeat it.
	if m.Operation.Method == http.MethodGet && m.Resource.Service.Provider.Pagination.Type == "link_header" {
		if next, err = nextLink(resp, u); err != nil {
			return 0, 0, nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return resp.StatusCode, len(rows), next, nil
}
