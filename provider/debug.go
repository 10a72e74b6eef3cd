package provider

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/specsql/specsql/mapping"
)

// headers returns the headers of a call.
func (c *Client) headers(m *mapping.Method, params map[string]string, body []byte, auth credential) http.Header {
	header := http.Header{}
	header.Set("Accept", "application/json")
	if body != nil {
		header.Set("Content-Type", "application/json")
	}
	if c.UserAgent != "" {
		header.Set("User-Agent", c.UserAgent)
	}
	auth.set(header)
	for _, p := range m.Params {
		if v, ok := params[p.Name]; ok && p.In == mapping.InHeader {
			header.Set(p.Name, v)
		}
	}
	return header
}

// DryRun returns the HTTP request a call would send, as text, with the
// credential shown as "SSWS ****". It sends nothing.
func (c *Client) DryRun(m *mapping.Method, params map[string]string, body []byte) (string, error) {
	u, err := c.URL(m, params)
	if err != nil {
		return "", err
	}
	p := m.Resource.Service.Provider
	auth, err := c.authorization(p)
	shown := auth.shown()
	var missing *CredentialsError
	if errors.As(err, &missing) {
		// A dry run needs no token; it says the call would lack one.
		auth = credential{header: orDefault(p.Auth.Header, "Authorization"), prefix: p.Auth.ValuePrefix}
		shown = auth.prefix + "<" + missing.EnvVar + " is not set>"
	} else if err != nil {
		return "", err
	}
	var b strings.Builder
	writeRequest(&b, m.Operation.Method, u, c.headers(m, params, body, auth), body, auth.header, shown)
	return b.String(), nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

var traceMu sync.Mutex

// trace writes to the debug writer, if any, with the credential redacted.
func (c *Client) trace(auth credential, write func(io.Writer)) {
	if c.Debug == nil {
		return
	}
	var b bytes.Buffer
	write(&b)
	traceMu.Lock()
	defer traceMu.Unlock()
	io.WriteString(c.Debug, auth.redact(b.String())) //nolint:errcheck // tracing is best effort
}

func writeRequest(w io.Writer, method string, u *url.URL, header http.Header, body []byte, authHeader, shown string) {
	fmt.Fprintf(w, "> %s %s\n", method, u.String())
	if body != nil || method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		header = header.Clone()
		header.Set("Content-Length", fmt.Sprint(len(body)))
	}
	writeHeaders(w, "> ", header, authHeader, shown)
	if len(body) > 0 {
		fmt.Fprintf(w, ">\n> %s\n", strings.ReplaceAll(string(body), "\n", "\n> "))
	}
	fmt.Fprintln(w)
}

func writeResponse(w io.Writer, resp *http.Response, size int, elapsed time.Duration) {
	fmt.Fprintf(w, "< %s %s (%d bytes, %s)\n", resp.Proto, resp.Status, size, elapsed.Round(time.Millisecond))
	writeHeaders(w, "< ", resp.Header, "", "")
	fmt.Fprintln(w)
}

// writeHeaders writes headers sorted by name, the credential's header
// replaced by shown.
func writeHeaders(w io.Writer, mark string, header http.Header, authHeader, shown string) {
	names := make([]string, 0, len(header))
	for k := range header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range header[k] {
			if authHeader != "" && http.CanonicalHeaderKey(k) == http.CanonicalHeaderKey(authHeader) {
				v = shown
			}
			fmt.Fprintf(w, "%s%s: %s\n", mark, k, v)
		}
	}
}
