package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// APIError is a non-2xx response. It carries the API's own error code and
// summary (Okta: errorCode, errorSummary) so users can look them up.
type APIError struct {
	// Method is provider.service.resource.method.
	Method     string
	HTTPMethod string
	// URL is the request URL; it never holds credentials.
	URL       string
	Status    int
	Code      string
	Summary   string
	Causes    []string
	RequestID string
	// Body is the start of a response that was not an error object.
	Body string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: HTTP %d %s", e.Method, e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		fmt.Fprintf(&b, ": %s", e.Code)
	}
	if e.Summary != "" {
		fmt.Fprintf(&b, ": %s", e.Summary)
	}
	for _, c := range e.Causes {
		fmt.Fprintf(&b, " (%s)", c)
	}
	if e.Code == "" && e.Body != "" {
		fmt.Fprintf(&b, ": %s", e.Body)
	}
	fmt.Fprintf(&b, " [%s %s", e.HTTPMethod, e.URL)
	if e.RequestID != "" {
		fmt.Fprintf(&b, ", request id %s", e.RequestID)
	}
	b.WriteString("]")
	if hint := e.hint(); hint != "" {
		b.WriteString("\n" + hint)
	}
	return b.String()
}

func (e *APIError) hint() string {
	switch e.Status {
	case http.StatusUnauthorized:
		return "The API token was refused: check the token in the environment variable the provider reads (OKTA_API_TOKEN for okta), and that it has not expired."
	case http.StatusForbidden:
		return "The token is valid but may not do this: the admin who created it needs the permission, or the org needs the feature."
	case http.StatusTooManyRequests:
		return "The API's rate limit was reached and retries did not get through: try again after the limit resets, or lower --concurrency."
	}
	return ""
}

// oktaError is the error object Okta (and APIs in its style) return.
type oktaError struct {
	ErrorCode    string          `json:"errorCode"`
	ErrorSummary string          `json:"errorSummary"`
	ErrorCauses  json.RawMessage `json:"errorCauses"`
}

func newAPIError(method, httpMethod, url string, resp *http.Response, body []byte) *APIError {
	e := &APIError{
		Method:     method,
		HTTPMethod: httpMethod,
		URL:        url,
		Status:     resp.StatusCode,
		RequestID:  resp.Header.Get("X-Okta-Request-Id"),
	}
	var oe oktaError
	if json.Unmarshal(body, &oe) == nil && (oe.ErrorCode != "" || oe.ErrorSummary != "") {
		e.Code, e.Summary = oe.ErrorCode, oe.ErrorSummary
		e.Causes = causes(oe.ErrorCauses)
		return e
	}
	text := strings.TrimSpace(string(body))
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	e.Body = text
	return e
}

// causes reads errorCauses, which Okta documents as an array but sometimes
// sends as a single object.
func causes(raw json.RawMessage) []string {
	type cause struct {
		ErrorSummary string `json:"errorSummary"`
	}
	var list []cause
	if json.Unmarshal(raw, &list) != nil {
		var one cause
		if json.Unmarshal(raw, &one) != nil {
			return nil
		}
		list = []cause{one}
	}
	var out []string
	for _, c := range list {
		if c.ErrorSummary != "" {
			out = append(out, c.ErrorSummary)
		}
	}
	return out
}
