package provider

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// response is what a hand-written server answers.
type response struct {
	status      int
	contentType string // "-" for none
	body        string
	header      http.Header
}

func serveResponse(t *testing.T, resp response) *Client {
	t.Helper()
	_, c := handlerServer(t, func(w http.ResponseWriter, r *http.Request) {
		for k, vs := range resp.header {
			w.Header()[k] = vs
		}
		switch resp.contentType {
		case "-":
			w.Header()["Content-Type"] = nil // keep net/http from sniffing one
		case "":
			w.Header().Set("Content-Type", "application/json")
		default:
			w.Header().Set("Content-Type", resp.contentType)
		}
		status := resp.status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(resp.body))
	})
	return c
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name     string
		resource string
		method   string
		params   map[string]string
		resp     response
		maxBody  int64
		want     []string
	}{
		{"malformed JSON", users, "list_users", demo,
			response{body: `[{"id":"1"},`}, 0, []string{"not valid JSON", `starting "[{\"id\":\"1\"},"`}},
		{"truncated object", users, "get_user", with(demo, "id", "1"),
			response{body: `{"id":`}, 0, []string{"not valid JSON"}},
		{"HTML page", users, "list_users", demo,
			response{contentType: "text/html; charset=utf-8", body: `<html><body>Sign in</body></html>`}, 0,
			[]string{`expected a JSON response, got Content-Type "text/html; charset=utf-8"`}},
		{"plain text", enrollments, "enroll_preregistration_enrollment", demo,
			response{contentType: "text/plain", body: `OK`}, 0, []string{`Content-Type "text/plain"`}},
		{"bad content type", users, "list_users", demo,
			response{contentType: "application/", body: `[]`}, 0, []string{`Content-Type "application/"`}},
		{"object where an array was expected", users, "list_users", demo,
			response{body: `{"id":"00u1"}`}, 0, []string{"expected a JSON array of rows, got an object", `{\"id\":\"00u1\"}`}},
		{"object for enrollments", enrollments, "list_web_authn_preregistration_factors", with(demo, "userId", "00u1"),
			response{body: `{"errorCode":"E0000007"}`}, 0, []string{"expected a JSON array of rows, got an object"}},
		{"array where an object was expected", users, "get_user", with(demo, "id", "00u1"),
			response{body: `[{"id":"00u1"}]`}, 0, []string{"expected a JSON object, got an array"}},
		{"array for enroll", enrollments, "enroll_preregistration_enrollment", demo,
			response{body: `[]`}, 0, []string{"expected a JSON object, got an array"}},
		{"number element", users, "list_users", demo,
			response{body: `[{"id":"1"}, 2]`}, 0, []string{"element 1 of the response is not a JSON object"}},
		{"null element", users, "list_users", demo,
			response{body: `[null]`}, 0, []string{"element 0 of the response is not a JSON object"}},
		{"string element", users, "list_users", demo,
			response{body: `[{"id":"1"},{"id":"2"},"3"]`}, 0, []string{"element 2 of the response is not a JSON object"}},
		{"array element", users, "list_users", demo,
			response{body: ` [ [] ] `}, 0, []string{"element 0 of the response is not a JSON object"}},
		{"string", users, "list_users", demo,
			response{body: `"users"`}, 0, []string{`expected a JSON array or object, got "\"users\""`}},
		{"null", users, "get_user", with(demo, "id", "1"),
			response{body: `null`}, 0, []string{`expected a JSON array or object, got "null"`}},
		{"number", users, "list_users", demo,
			response{body: `42`}, 0, []string{"expected a JSON array or object"}},
		{"two values", users, "list_users", demo,
			response{body: `[] []`}, 0, []string{"not valid JSON"}},
		{"over MaxBodyBytes", users, "list_users", demo,
			response{body: `[{"id":"` + strings.Repeat("x", 2000) + `"}]`}, 1000,
			[]string{"larger than 1000 bytes", "--max-body-bytes"}},
		{"one byte over MaxBodyBytes", users, "list_users", demo,
			response{body: `[{"id":"12345"}]`}, 15, []string{"larger than 15 bytes"}},
		{"malformed JSON with 201", enrollments, "enroll_preregistration_enrollment", demo,
			response{status: 201, body: `{`}, 0, []string{"HTTP 201", "not valid JSON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := serveResponse(t, tt.resp)
			c.MaxBodyBytes = tt.maxBody
			m := method(t, tt.resource, tt.method)
			var body []byte
			if m.Operation.Method == http.MethodPost {
				body = []byte(`{}`)
			}
			r := run(t, c, m, tt.params, body)
			require.Error(t, r.err)
			status := tt.resp.status
			if status == 0 {
				status = 200
			}
			msg := r.err.Error()
			assert.Contains(t, msg, m.Resource.ID()+"."+m.Name, "the error names the method")
			assert.Contains(t, msg, fmt.Sprintf("HTTP %d", status), "the error names the status")
			for _, w := range tt.want {
				assert.Contains(t, msg, w)
			}
			assert.Empty(t, r.rows, "no rows from a response that failed to decode")
			var apiErr *APIError
			assert.False(t, errors.As(r.err, &apiErr), "a 2xx response is not an API error")
		})
	}
}

func TestDecodeRows(t *testing.T) {
	tests := []struct {
		name     string
		resource string
		method   string
		params   map[string]string
		resp     response
		maxBody  int64
		want     []string // row ids
	}{
		{"array", users, "list_users", demo, response{body: `[{"id":"a"},{"id":"b"}]`}, 0, []string{"a", "b"}},
		{"indented array", users, "list_users", demo,
			response{body: "[\n  {\n    \"id\": \"a\"\n  } ,\n\t{\"id\":\"b\"}\n]\n"}, 0, []string{"a", "b"}},
		{"empty array", users, "list_users", demo, response{body: `[]`}, 0, nil},
		{"empty body", users, "list_users", demo, response{body: ``}, 0, nil},
		{"white space body", users, "list_users", demo, response{body: " \n"}, 0, nil},
		{"204", enrollments, "send_pin", demo, response{status: 204}, 0, nil},
		{"204 for a list", users, "list_users", demo, response{status: 204, contentType: "text/html"}, 0, nil},
		{"object", users, "get_user", with(demo, "id", "a"), response{body: `{"id":"a","profile":{"login":"x"}}`}, 0, []string{"a"}},
		{"object for exec", enrollments, "activate_preregistration_enrollment", demo, response{body: ` {"id":"e"} `}, 0, []string{"e"}},
		{"object from a method without documented content", enrollments, "generate_fulfillment_request", demo,
			response{body: `{"id":"g"}`}, 0, []string{"g"}},
		{"array from a method without documented content", enrollments, "send_pin", demo,
			response{body: `[{"id":"p"}]`}, 0, []string{"p"}},
		{"no content type", users, "list_users", demo, response{contentType: "-", body: `[{"id":"a"}]`}, 0, []string{"a"}},
		{"charset parameter", users, "list_users", demo,
			response{contentType: "application/json; charset=UTF-8", body: `[{"id":"a"}]`}, 0, []string{"a"}},
		{"+json media type", users, "get_user", with(demo, "id", "a"),
			response{contentType: "application/hal+json", body: `{"id":"a"}`}, 0, []string{"a"}},
		{"upper-case media type", users, "list_users", demo,
			response{contentType: "Application/JSON", body: `[{"id":"a"}]`}, 0, []string{"a"}},
		{"exactly MaxBodyBytes", users, "list_users", demo, response{body: `[{"id":"12345"}]`}, 16, []string{"12345"}},
		{"unknown fields and nulls", users, "list_users", demo,
			response{body: `[{"id":"a","fulfillmentProvider":"yubico","lastLogin":null}]`}, 0, []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := serveResponse(t, tt.resp)
			c.MaxBodyBytes = tt.maxBody
			m := method(t, tt.resource, tt.method)
			var body []byte
			if m.Operation.Method == http.MethodPost {
				body = []byte(`{}`)
			}
			r := run(t, c, m, tt.params, body)
			require.NoError(t, r.err)
			var ids []string
			for _, row := range r.rows {
				ids = append(ids, row["id"].(string))
			}
			assert.Equal(t, tt.want, ids)
			assert.Equal(t, len(tt.want), r.out.Rows)
			if len(tt.want) == 0 {
				assert.Equal(t, 0, r.batches, "no rows, no batch")
			}
		})
	}
}

func TestAPIErrors(t *testing.T) {
	tests := []struct {
		name    string
		resp    response
		want    APIError
		message []string
	}{
		{"causes as an array", response{status: 400, header: http.Header{"X-Okta-Request-Id": {"reqABC"}},
			body: `{"errorCode":"E0000001","errorSummary":"Api validation failed: login","errorLink":"E0000001","errorId":"oae1","errorCauses":[{"errorSummary":"login: An object with this field already exists"},{"errorSummary":"email: Does not match required pattern"}]}`},
			APIError{Status: 400, Code: "E0000001", Summary: "Api validation failed: login", RequestID: "reqABC",
				Causes: []string{"login: An object with this field already exists", "email: Does not match required pattern"}},
			[]string{"HTTP 400 Bad Request: E0000001: Api validation failed: login (login: An object with this field already exists) (email: Does not match required pattern)", "request id reqABC"}},
		{"causes as a single object", response{status: 400,
			body: `{"errorCode":"E0000001","errorSummary":"Api validation failed","errorCauses":{"errorSummary":"userId: The field cannot be left blank"}}`},
			APIError{Status: 400, Code: "E0000001", Summary: "Api validation failed", Causes: []string{"userId: The field cannot be left blank"}},
			[]string{"(userId: The field cannot be left blank)"}},
		{"empty causes", response{status: 404,
			body: `{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: 00u1 (User)","errorCauses":[]}`},
			APIError{Status: 404, Code: "E0000007", Summary: "Not found: Resource not found: 00u1 (User)"},
			[]string{"HTTP 404 Not Found: E0000007: Not found: Resource not found: 00u1 (User)"}},
		{"null causes", response{status: 404, body: `{"errorCode":"E0000007","errorSummary":"Not found","errorCauses":null}`},
			APIError{Status: 404, Code: "E0000007", Summary: "Not found"}, nil},
		{"causes of an unexpected type", response{status: 400, body: `{"errorCode":"E0000001","errorSummary":"Bad","errorCauses":"oops"}`},
			APIError{Status: 400, Code: "E0000001", Summary: "Bad"}, nil},
		{"causes without summaries", response{status: 400, body: `{"errorCode":"E0000001","errorSummary":"Bad","errorCauses":[{},{"errorSummary":""},{"errorSummary":"x"}]}`},
			APIError{Status: 400, Code: "E0000001", Summary: "Bad", Causes: []string{"x"}}, nil},
		{"401", response{status: 401, body: `{"errorCode":"E0000011","errorSummary":"Invalid token provided"}`},
			APIError{Status: 401, Code: "E0000011", Summary: "Invalid token provided"},
			[]string{"OKTA_API_TOKEN", "expired"}},
		{"403", response{status: 403, body: `{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action"}`},
			APIError{Status: 403, Code: "E0000006", Summary: "You do not have permission to perform the requested action"},
			[]string{"may not do this"}},
		{"429", response{status: 429, body: `{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests."}`},
			APIError{Status: 429, Code: "E0000047", Summary: "API call exceeded rate limit due to too many requests."},
			[]string{"rate limit", "--concurrency"}},
		{"HTML error page", response{status: 502, contentType: "text/html", body: "<html>Bad gateway</html>\n"},
			APIError{Status: 502, Body: "<html>Bad gateway</html>"},
			[]string{"HTTP 502 Bad Gateway: <html>Bad gateway</html>"}},
		{"long error body", response{status: 500, contentType: "text/plain", body: strings.Repeat("e", 500)},
			APIError{Status: 500, Body: strings.Repeat("e", 200) + "…"}, nil},
		{"JSON without Okta fields", response{status: 500, body: `{"message":"boom"}`},
			APIError{Status: 500, Body: `{"message":"boom"}`}, []string{`{"message":"boom"}`}},
		{"empty error body", response{status: 503, contentType: "-"},
			APIError{Status: 503}, []string{"HTTP 503 Service Unavailable ["}},
		{"3xx without Location", response{status: 304, contentType: "-"},
			APIError{Status: 304}, []string{"HTTP 304"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := serveResponse(t, tt.resp)
			m := method(t, users, "list_users")
			r := run(t, c, m, demo, nil)
			var apiErr *APIError
			require.ErrorAs(t, r.err, &apiErr)
			want := tt.want
			want.Method = "okta.users.users.list_users"
			want.HTTPMethod = http.MethodGet
			want.URL = apiErr.URL
			assert.Equal(t, &want, apiErr)
			assert.Regexp(t, `^http://demo\.localhost:\d+/api/v1/users$`, apiErr.URL)
			msg := r.err.Error()
			assert.Contains(t, msg, "okta.users.users.list_users: HTTP ")
			assert.Contains(t, msg, "[GET "+apiErr.URL)
			for _, part := range tt.message {
				assert.Contains(t, msg, part)
			}
			assert.NotContains(t, msg, testToken)
			assert.Empty(t, r.rows)
		})
	}
}

func TestCauses(t *testing.T) {
	tests := []struct {
		raw  string
		want []string
	}{
		{`[{"errorSummary":"a"},{"errorSummary":"b"}]`, []string{"a", "b"}},
		{`{"errorSummary":"a"}`, []string{"a"}},
		{`[]`, nil},
		{`{}`, nil},
		{`null`, nil},
		{``, nil},
		{`"a"`, nil},
		{`[1,2]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			assert.Equal(t, tt.want, causes([]byte(tt.raw)))
		})
	}
}
