// Package provider calls API methods: it builds URLs from server templates
// and parameters, authenticates, follows pagination and decodes rows. It
// knows nothing of SQL.
package provider

import (
	"bytes"
	"context"
	"crypto/x509"
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
	DefaultRetryBackoff   = 500 * time.Millisecond
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
	// CustomDomains are the hosts, by provider name, that a full host in
	// a server variable may name besides the provider's own domains.
	CustomDomains map[string][]string
	// Getenv reads credentials; os.Getenv when nil.
	Getenv         func(string) string
	UserAgent      string
	MaxPages       int
	MaxBodyBytes   int64
	RequestTimeout time.Duration
	// RetryBackoff is the first wait before retrying a request whose
	// response says nothing of when to retry; it doubles each time.
	RetryBackoff time.Duration
	// Debug, when set, receives a trace of every request and response,
	// with credentials redacted.
	Debug io.Writer

	pacer pacer
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

var errTooManyRedirects = errors.New("stopped after 10 redirects")

// checkRedirect keeps the Authorization header only for the same host:
// a token must never reach another host, not even a sibling subdomain.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errTooManyRedirects
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

// ErrEnough, returned by a row callback, ends a call early without error:
// the caller has all the rows it needs and no more pages are read.
var ErrEnough = errors.New("enough rows")

// Retry bounds: a request refused for the rate limit (429), and a request
// that failed on the way (5xx, reset connection, timeout), are retried at
// most this many times.
const (
	maxRateLimitRetries = 5
	maxFailureRetries   = 3
)

// send makes one request, paced by its endpoint's rate limit, and retries
// it where that is safe:
//   - on 429, whatever the method: the API did not process the request;
//   - on 5xx, a reset connection or a timeout, only for GET and DELETE,
//     which mean the same when repeated. A POST in that state may have been
//     processed, so it is never sent twice.
//
// It returns the response with its body read, up to the size limit plus
// one byte.
func (c *Client) send(ctx context.Context, name string, m *mapping.Method, u *url.URL, header http.Header, body []byte, auth credential) (*http.Response, []byte, error) {
	method := m.Operation.Method
	bucket := u.Host + " " + method + " " + m.Operation.Path
	idempotent := method == http.MethodGet || method == http.MethodDelete || method == http.MethodHead
	rateLimited, failed := 0, 0
	for {
		if err := c.pacer.wait(ctx, bucket); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		resp, data, err := c.roundTrip(ctx, method, u, header, body, auth)
		c.pacer.done(bucket, resp)
		var delay time.Duration
		switch {
		case err != nil:
			if !idempotent || !transient(ctx, err) || failed >= maxFailureRetries {
				return nil, nil, fmt.Errorf("%s: %s %s: %w%s", name, method, u.Redacted(), err, attemptsNote(failed, idempotent))
			}
			failed++
			delay = backoff(failed, c.retryBackoff())
		case resp.StatusCode == http.StatusTooManyRequests && rateLimited < maxRateLimitRetries:
			rateLimited++
			delay = retryDelay(resp, rateLimited, c.retryBackoff())
		case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented && idempotent && failed < maxFailureRetries:
			failed++
			delay = retryDelay(resp, failed, c.retryBackoff())
		case method == http.MethodDelete && resp.StatusCode == http.StatusNotFound && failed > 0:
			// An earlier attempt may have deleted it before failing to
			// answer: what DELETE asked for is done.
			return &http.Response{StatusCode: http.StatusNoContent, Header: resp.Header}, nil, nil
		default:
			return resp, data, nil
		}
		if err := c.pacer.sleep(ctx, delay+jitter(delay)); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
	}
}

// transient reports whether a failed request may succeed if repeated: not
// when the statement itself was cancelled, nor for a redirect loop or a
// certificate the host will present again.
func transient(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, errTooManyRedirects) {
		return false
	}
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	return !errors.As(err, &unknownAuthority) && !errors.As(err, &hostname) && !errors.As(err, &invalid)
}

func attemptsNote(retries int, idempotent bool) string {
	switch {
	case retries > 0:
		return fmt.Sprintf(" (after %d retries)", retries)
	case !idempotent:
		return " (not retried: the request may have been processed)"
	}
	return ""
}

// roundTrip makes one HTTP request within the request timeout and reads
// its body.
func (c *Client) roundTrip(ctx context.Context, method string, u *url.URL, header http.Header, body []byte, auth credential) (*http.Response, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.requestTimeout())
	defer cancel()
	start := time.Now()
	c.trace(auth, func(w io.Writer) { writeRequest(w, method, u, header, body, auth.header, auth.shown()) })
	var reader io.Reader = http.NoBody
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), reader)
	if err != nil {
		return nil, nil, err
	}
	req.Header = header.Clone()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.trace(auth, func(w io.Writer) {
			fmt.Fprintf(w, "< %s after %s\n\n", unwrapURLError(err), time.Since(start).Round(time.Millisecond))
		})
		return nil, nil, unwrapURLError(err)
	}
	defer resp.Body.Close()
	limit := c.maxBodyBytes() + 1
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		limit = 1 << 20
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	c.trace(auth, func(w io.Writer) { writeResponse(w, resp, len(data), time.Since(start)) })
	if err != nil {
		return resp, nil, fmt.Errorf("HTTP %d: reading the response: %w", resp.StatusCode, err)
	}
	return resp, data, nil
}

// RateLimitWait is the wall time requests have waited for rate limits.
func (c *Client) RateLimitWait() time.Duration { return c.pacer.heldBack() }

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
func (c *Client) page(ctx context.Context, name string, m *mapping.Method, u *url.URL, params map[string]string, body []byte, auth credential, onRows func([]json.RawMessage) error) (int, int, *url.URL, error) {
	resp, data, err := c.send(ctx, name, m, u, c.headers(m, params, body, auth), body, auth)
	if err != nil {
		return 0, 0, nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, 0, nil, newAPIError(name, m.Operation.Method, u.Redacted(), resp, data)
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
			if errors.Is(err, ErrEnough) {
				return resp.StatusCode, end, nil, nil
			}
			return 0, 0, nil, err
		}
	}
	var next *url.URL
	// Only reads page: a next link on a POST or DELETE response must not repeat it.
	if m.Operation.Method == http.MethodGet {
		switch pg := m.Resource.Service.Provider.Pagination; pg.Type {
		case mapping.PageLinkHeader:
			next, err = nextLink(resp, u)
		case mapping.PageToken:
			next, err = nextToken(resp, data, u, pg)
		}
		if err != nil {
			return 0, 0, nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return resp.StatusCode, len(rows), next, nil
}
