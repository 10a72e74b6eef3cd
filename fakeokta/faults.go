package fakeokta

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault makes matching requests misbehave the way networks and APIs do, so
// tests can check what a client makes of it.
type Fault struct {
	Method string // matches any method when empty
	Path   string // a path prefix; matches any path when empty
	Times  int    // how many matching requests it affects; all when 0

	Delay time.Duration // wait this long first (then pass the request on)
	// Status answers with this status and an Okta error object instead of
	// passing the request on. 429s carry rate-limit headers.
	Status int
	Header http.Header // headers added to the answer
	// Reset closes the connection without an answer.
	Reset bool
	// Truncate passes the request on and cuts the response body in half.
	Truncate bool
	// NextLink passes the request on and adds a rel="next" link to it.
	NextLink string
	// RedirectTo answers 302 with this Location.
	RedirectTo string
}

// Faulty serves an org through a list of faults. The first fault matching
// a request, with uses left, applies.
type Faulty struct {
	next http.Handler

	mu     sync.Mutex
	faults []*Fault
	used   []int
	seen   []RecordedRequest
}

// WithFaults wraps next, usually an *Org, with faults.
func WithFaults(next http.Handler, faults ...Fault) *Faulty {
	f := &Faulty{next: next, used: make([]int, len(faults))}
	for i := range faults {
		f.faults = append(f.faults, &faults[i])
	}
	return f
}

// Seen lists every request that arrived, faulted or not.
func (f *Faulty) Seen() []RecordedRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]RecordedRequest(nil), f.seen...)
}

func (f *Faulty) pick(r *http.Request) *Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = append(f.seen, RecordedRequest{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Host: r.Host, Header: r.Header.Clone()})
	for i, fault := range f.faults {
		if fault.Method != "" && fault.Method != r.Method {
			continue
		}
		if !strings.HasPrefix(r.URL.Path, fault.Path) {
			continue
		}
		if fault.Times > 0 && f.used[i] >= fault.Times {
			continue
		}
		f.used[i]++
		return fault
	}
	return nil
}

func (f *Faulty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fault := f.pick(r)
	if fault == nil {
		f.next.ServeHTTP(w, r)
		return
	}
	if fault.Delay > 0 {
		select {
		case <-time.After(fault.Delay):
		case <-r.Context().Done():
			return
		}
	}
	for k, vs := range fault.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	switch {
	case fault.Reset:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
	case fault.RedirectTo != "":
		http.Redirect(w, r, fault.RedirectTo, http.StatusFound)
	case fault.Status != 0:
		code, summary := errorFor(fault.Status)
		if fault.Status == http.StatusTooManyRequests && w.Header().Get("X-Rate-Limit-Reset") == "" {
			w.Header().Set("X-Rate-Limit-Limit", "600")
			w.Header().Set("X-Rate-Limit-Remaining", "0")
			w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(time.Now().Add(time.Second).Unix(), 10))
		}
		writeError(w, fault.Status, code, summary)
	case fault.Truncate || fault.NextLink != "":
		rec := httptest.NewRecorder()
		f.next.ServeHTTP(rec, r)
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		body := rec.Body.Bytes()
		if fault.Truncate {
			body = body[:len(body)/2]
		}
		if fault.NextLink != "" {
			w.Header().Add("Link", fmt.Sprintf(`<%s>; rel="next"`, fault.NextLink))
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		w.Write(body) //nolint:errcheck // the client sees a short body
	default:
		f.next.ServeHTTP(w, r)
	}
}

// errorFor gives the Okta error code and summary for a status.
func errorFor(status int) (string, string) {
	switch status {
	case http.StatusUnauthorized:
		return "E0000011", "Invalid token provided"
	case http.StatusForbidden:
		return "E0000006", "You do not have permission to perform the requested action"
	case http.StatusNotFound:
		return "E0000007", "Not found: Resource not found"
	case http.StatusTooManyRequests:
		return "E0000047", "API call exceeded rate limit due to too many requests."
	case http.StatusServiceUnavailable:
		return "E0000010", "Service is in read only mode"
	}
	return "E0000009", "Internal Server Error"
}
