package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/specsql/specsql/mapping"
)

// decodeRows turns a success response into rows: each element of a JSON
// array, or one JSON object. An empty body (204) has no rows.
func decodeRows(name string, m *mapping.Method, resp *http.Response, data []byte) ([]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || resp.StatusCode == http.StatusNoContent {
		return nil, nil
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(mt == "application/json" || strings.HasSuffix(mt, "+json")) {
			return nil, fmt.Errorf("%s: HTTP %d: expected a JSON response, got Content-Type %q", name, resp.StatusCode, ct)
		}
	}
	if !json.Valid(data) {
		return nil, fmt.Errorf("%s: HTTP %d: the response is not valid JSON (%d bytes, starting %q)", name, resp.StatusCode, len(data), preview(data))
	}
	if len(m.RowsKey) > 0 {
		inner, err := valueAt(data, m.RowsKey)
		if err != nil {
			return nil, fmt.Errorf("%s: HTTP %d: %w", name, resp.StatusCode, err)
		}
		// APIs often leave out an empty list's key, or send null.
		if inner == nil || bytes.Equal(inner, []byte("null")) {
			return nil, nil
		}
		data = inner
	}
	switch data[0] {
	case '[':
		if m.Rows == mapping.RowsObject {
			return nil, fmt.Errorf("%s: HTTP %d: expected a JSON object, got an array", name, resp.StatusCode)
		}
		var rows []json.RawMessage
		if err := json.Unmarshal(data, &rows); err != nil {
			return nil, fmt.Errorf("%s: decoding the response: %w", name, err)
		}
		if m.ScalarRows {
			for i, r := range rows {
				rows[i] = json.RawMessage(`{"` + mapping.ScalarColumn + `":` + string(r) + `}`)
			}
		}
		for i, r := range rows {
			if len(r) == 0 || r[0] != '{' {
				return nil, fmt.Errorf("%s: HTTP %d: element %d of the response is not a JSON object", name, resp.StatusCode, i)
			}
		}
		return rows, nil
	case '{':
		if m.Rows == mapping.RowsArray {
			return nil, fmt.Errorf("%s: HTTP %d: expected a JSON array of rows, got an object (starting %q)", name, resp.StatusCode, preview(data))
		}
		return []json.RawMessage{data}, nil
	}
	return nil, fmt.Errorf("%s: HTTP %d: expected a JSON array or object, got %q", name, resp.StatusCode, preview(data))
}

// valueAt returns the JSON value found by following keys from the
// top-level object, or nil when a key is absent.
func valueAt(data []byte, keys []string) (json.RawMessage, error) {
	value := json.RawMessage(data)
	for i, k := range keys {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(value, &obj); err != nil || obj == nil {
			return nil, fmt.Errorf("expected a JSON object holding %s, got %q", "$."+strings.Join(keys[:i+1], "."), preview(value))
		}
		var ok bool
		if value, ok = obj[k]; !ok {
			return nil, nil
		}
	}
	return value, nil
}

// nextToken builds the next page's URL from a token in the response: the
// request again, with the token in its query. An absent or empty token
// ends the list.
func nextToken(resp *http.Response, body []byte, u *url.URL, pg mapping.Pagination) (*url.URL, error) {
	var token string
	if pg.TokenHeader != "" {
		token = resp.Header.Get(pg.TokenHeader)
	} else {
		raw, err := valueAt(bytes.TrimSpace(body), pg.TokenPath)
		if err != nil {
			return nil, fmt.Errorf("reading the next page's token: %w", err)
		}
		if raw != nil && !bytes.Equal(raw, []byte("null")) {
			if err := json.Unmarshal(raw, &token); err != nil {
				return nil, fmt.Errorf("the next page's token at $.%s is not a string: %q", strings.Join(pg.TokenPath, "."), preview(raw))
			}
		}
	}
	if token == "" {
		return nil, nil
	}
	next := *u
	q := next.Query()
	q.Set(pg.TokenParam, token)
	next.RawQuery = q.Encode()
	return &next, nil
}

func preview(data []byte) string {
	if len(data) > 60 {
		return string(data[:60]) + "…"
	}
	return string(data)
}

// nextLink finds the rel="next" target among the response's Link headers
// (RFC 8288), resolved against the request URL.
func nextLink(resp *http.Response, base *url.URL) (*url.URL, error) {
	for _, header := range resp.Header.Values("Link") {
		for _, link := range splitLinks(header) {
			// The target ends at the first '>': a ';' or ',' inside it
			// belongs to the URL, not to the parameters.
			link = strings.TrimSpace(link)
			end := strings.IndexByte(link, '>')
			if !strings.HasPrefix(link, "<") || end < 0 {
				continue
			}
			target, params := link[1:end], link[end+1:]
			if !hasRel(params, "next") {
				continue
			}
			u, err := base.Parse(target)
			if err != nil {
				return nil, fmt.Errorf("bad next-page link <%s>: %w", target, err)
			}
			return u, nil
		}
	}
	return nil, nil
}

// splitLinks splits a Link header value at the commas between links, not
// at commas inside <...> or quoted parameters.
func splitLinks(header string) []string {
	return splitOutside(header, ',', true)
}

// splitOutside cuts s at each sep that is neither inside a quoted-string
// (where a backslash escapes the next character) nor, when uris is set,
// inside a <URI>, where quotes have no special meaning.
func splitOutside(s string, sep byte, uris bool) []string {
	var out []string
	inURI, quoted, escaped, start := false, false, false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case quoted:
			if c == '\\' {
				escaped = true
			} else if c == '"' {
				quoted = false
			}
		case inURI:
			inURI = c != '>'
		case c == '"':
			quoted = true
		case uris && c == '<':
			inURI = true
		case c == sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func hasRel(params, want string) bool {
	for _, p := range splitOutside(params, ';', false) {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
			continue
		}
		for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(v), `"`)) {
			if strings.EqualFold(rel, want) {
				return true
			}
		}
	}
	return false
}
