package cli

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/fakeokta"
)

// secretToken is the token of the fault tests' org: no output may show it.
const secretToken = "00SecretTokenThatMustNeverBePrinted"

// faultyOrg serves a fake org through faults.
type faultyOrg struct {
	org    *fakeokta.Org
	faulty *fakeokta.Faulty
	url    string
}

// startFaulty serves an org that takes secretToken; the caller sets
// OKTA_API_TOKEN, once per top-level test so that subtests may run in
// parallel.
func startFaulty(t *testing.T, faults ...fakeokta.Fault) *faultyOrg {
	t.Helper()
	org := fakeokta.New(fakeokta.Config{Token: secretToken, RateLimit: -1})
	faulty := fakeokta.WithFaults(org, faults...)
	srv := httptest.NewServer(faulty)
	t.Cleanup(srv.Close)
	return &faultyOrg{org: org, faulty: faulty, url: "http://{subdomain}.localhost:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:] + "/"}
}

// foreignHost is another server, which must never see the token.
type foreignHost struct {
	mu   sync.Mutex
	auth []string
	url  string
}

func startForeign(t *testing.T) *foreignHost {
	t.Helper()
	f := &foreignHost{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"errorCode":"E0000011","errorSummary":"Invalid token provided"}`)) //nolint:errcheck // test server
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

func (f *foreignHost) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.auth...)
}

func (o *faultyOrg) seen(method string) int {
	n := 0
	for _, r := range o.faulty.Seen() {
		if r.Method == method {
			n++
		}
	}
	return n
}

func (o *faultyOrg) processed(method string) int {
	n := 0
	for _, r := range o.org.Requests() {
		if r.Method == method {
			n++
		}
	}
	return n
}

const (
	suspendedAudit = `SELECT u.id, e.id, e.status FROM okta.users.users u
		JOIN okta.webauthn_registration.enrollments e ON e.userId = u.id AND e.subdomain = 'demo'
		WHERE u.subdomain = 'demo' AND u.status = 'SUSPENDED' ORDER BY u.id, e.id`
	sendPin = `EXEC okta.webauthn_registration.enrollments.send_pin @subdomain='demo'
		@@json='{"authenticatorEnrollmentId": "fwfvpGiSe2yJW87fJQBl", "fulfillmentProvider": "yubico", "userId": "00uZCVxgsmCjPIPh4ZKa"}'`
)

// TestFaults runs statements through injected faults. Each ends with the
// complete rows, the same as without the fault, or with a clear error;
// never shows the token; and never sends a POST twice where the API may
// have processed it.
func TestFaults(t *testing.T) {
	t.Setenv("OKTA_API_TOKEN", secretToken)
	users := "/api/v1/users"
	enrollments := "/webauthn-registration/api/v1/users/"
	post := http.MethodPost
	pastReset := http.Header{"X-Rate-Limit-Reset": {strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10)}, "X-Rate-Limit-Remaining": {"0"}, "X-Rate-Limit-Limit": {"600"}}
	cases := []struct {
		name   string
		faults []fakeokta.Fault
		flags  []string
		sql    string
		// code 0: the rows must equal those of the same statement without
		// faults; otherwise stderr must hold want.
		code int
		want string
		// posts: how many POSTs may reach the network, and be processed.
		postsSeen, postsProcessed int
	}{
		{name: "429 storm on the fan-out", faults: []fakeokta.Fault{{Path: enrollments, Times: 8, Status: 429}}, sql: suspendedAudit},
		{name: "429 on a POST: retried, processed once", faults: []fakeokta.Fault{{Method: post, Times: 2, Status: 429}}, sql: sendPin, postsSeen: 3, postsProcessed: 1},
		{name: "429s that never end", faults: []fakeokta.Fault{{Path: users, Status: 429, Header: pastReset}}, sql: suspendedAudit, code: 1, want: "HTTP 429 Too Many Requests: E0000047"},
		{name: "500 once on a GET", faults: []fakeokta.Fault{{Path: users, Times: 1, Status: 500}}, sql: suspendedAudit},
		{name: "503 on every fan-out call, twice", faults: []fakeokta.Fault{{Path: enrollments, Times: 40, Status: 503}}, sql: suspendedAudit},
		{name: "500 on a POST is not retried", faults: []fakeokta.Fault{{Method: post, Status: 500}}, sql: sendPin, code: 1, want: "HTTP 500 Internal Server Error: E0000009", postsSeen: 1},
		{name: "connection reset once on a GET", faults: []fakeokta.Fault{{Path: users, Times: 1, Reset: true}}, sql: suspendedAudit},
		{name: "connection reset on a POST is not retried", faults: []fakeokta.Fault{{Method: post, Reset: true}}, sql: sendPin, code: 1, want: "not retried: the request may have been processed", postsSeen: 1},
		{name: "slower than the timeout once, GET", faults: []fakeokta.Fault{{Path: users, Times: 1, Delay: 2 * time.Second}}, flags: []string{"--timeout", "300ms"}, sql: suspendedAudit},
		{name: "slower than the timeout, POST", faults: []fakeokta.Fault{{Method: post, Delay: 2 * time.Second}}, flags: []string{"--timeout", "300ms"}, sql: sendPin, code: 1, want: "context deadline exceeded (not retried: the request may have been processed)", postsSeen: 1},
		{name: "truncated JSON", faults: []fakeokta.Fault{{Path: users, Truncate: true}}, sql: suspendedAudit, code: 1, want: "okta.users.users.list_users: HTTP 200: the response is not valid JSON"},
		{name: "401", faults: []fakeokta.Fault{{Path: users, Status: 401}}, sql: suspendedAudit, code: 1, want: "HTTP 401 Unauthorized: E0000011: Invalid token provided"},
		{name: "403", faults: []fakeokta.Fault{{Path: enrollments, Status: 403}}, sql: suspendedAudit, code: 1, want: "HTTP 403 Forbidden: E0000006"},
		{name: "404", faults: []fakeokta.Fault{{Path: enrollments, Status: 404}}, sql: suspendedAudit, code: 1, want: "HTTP 404 Not Found: E0000007"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clean := startFaulty(t)
			wantOut, stderr, code := run(t, "", append([]string{"exec", "-o", "csv", "--server", "okta=" + clean.url}, append(tc.flags, tc.sql)...)...)
			require.Equal(t, 0, code, stderr)

			o := startFaulty(t, tc.faults...)
			stdout, stderr, code := run(t, "", append([]string{"exec", "-o", "csv", "--server", "okta=" + o.url}, append(tc.flags, tc.sql)...)...)
			require.Equal(t, tc.code, code, stderr)
			if tc.code == 0 {
				require.Equal(t, wantOut, stdout, "complete rows, as without the fault")
			} else {
				require.Empty(t, stdout, "an error is never an empty result")
				require.Contains(t, stderr, tc.want)
			}
			require.NotContains(t, stdout+stderr, secretToken)
			require.Equal(t, tc.postsSeen, o.seen(post), "POSTs sent")
			if tc.postsProcessed > 0 {
				require.Equal(t, tc.postsProcessed, o.processed(post), "POSTs processed")
			}
		})
	}
}

func TestForeignNextLinkIsRefused(t *testing.T) {
	t.Setenv("OKTA_API_TOKEN", secretToken)
	foreign := startForeign(t)
	o := startFaulty(t, fakeokta.Fault{Path: "/webauthn-registration/", Times: 1, NextLink: foreign.url + "/webauthn-registration/api/v1/users/x/enrollments"})
	stdout, stderr, code := run(t, "", "exec", "--server", "okta="+o.url, suspendedAudit)
	require.Equal(t, 1, code)
	require.Empty(t, stdout)
	require.Contains(t, stderr, "the next-page link points to http://127.0.0.1:")
	require.Contains(t, stderr, "it was not followed, so the token is not sent there")
	require.Empty(t, foreign.requests())
	require.NotContains(t, stderr, secretToken)
}

func TestRedirectToAnotherHostCarriesNoToken(t *testing.T) {
	t.Setenv("OKTA_API_TOKEN", secretToken)
	foreign := startForeign(t)
	o := startFaulty(t, fakeokta.Fault{Path: "/api/v1/users", Times: 1, RedirectTo: foreign.url + "/collect"})
	stdout, stderr, code := run(t, "", "exec", "--server", "okta="+o.url, suspendedAudit)
	require.Equal(t, 1, code)
	require.Empty(t, stdout)
	require.Contains(t, stderr, "HTTP 401 Unauthorized")
	require.Equal(t, []string{""}, foreign.requests(), "the other host got the request without Authorization")
	require.NotContains(t, stderr, secretToken)
}

func TestStatementTimeoutNamesTheFlag(t *testing.T) {
	t.Setenv("OKTA_API_TOKEN", secretToken)
	o := startFaulty(t, fakeokta.Fault{Path: "/webauthn-registration/", Delay: 5 * time.Second})
	stdout, stderr, code := run(t, "", "exec", "--server", "okta="+o.url, "--statement-timeout", "500ms", suspendedAudit)
	require.Equal(t, 1, code)
	require.Empty(t, stdout)
	require.Contains(t, stderr, "statement 1 did not finish within --statement-timeout 500ms")
}

func TestDryRunSendsNothing(t *testing.T) {
	t.Setenv("OKTA_API_TOKEN", secretToken)
	o := startFaulty(t)
	stdout, stderr, code := run(t, "", "exec", "--dry-run", "--server", "okta="+o.url,
		"DELETE FROM okta.webauthn_registration.enrollments WHERE subdomain = 'demo' AND userId = '00uZCVxgsmCjPIPh4ZKa' AND authenticatorEnrollmentId = 'fwfvpGiSe2yJW87fJQBl'; "+sendPin)
	require.Equal(t, 0, code, stderr)
	require.Empty(t, o.faulty.Seen(), "a dry run sends nothing")
	port := o.url[strings.LastIndex(o.url, ":")+1 : len(o.url)-1]
	require.Equal(t, "> DELETE http://demo.localhost:"+port+"/webauthn-registration/api/v1/users/00uZCVxgsmCjPIPh4ZKa/enrollments/fwfvpGiSe2yJW87fJQBl\n"+
		"> Accept: application/json\n> Authorization: SSWS ****\n> User-Agent: specsql\n\n"+
		"> POST http://demo.localhost:"+port+"/webauthn-registration/api/v1/send-pin\n"+
		"> Accept: application/json\n> Authorization: SSWS ****\n> Content-Length: 120\n> Content-Type: application/json\n> User-Agent: specsql\n"+
		`>`+"\n"+`> {"authenticatorEnrollmentId": "fwfvpGiSe2yJW87fJQBl", "fulfillmentProvider": "yubico", "userId": "00uZCVxgsmCjPIPh4ZKa"}`+"\n\n", stdout)
	require.Equal(t, "DELETE: dry run, 1 request not sent\nEXEC: dry run, 1 request not sent\n", stderr)

	// Without a token, the dry run still shows what would be sent.
	t.Setenv("OKTA_API_TOKEN", "")
	stdout, _, code = run(t, "", "exec", "--dry-run", "--server", "okta="+o.url, sendPin)
	require.Equal(t, 0, code)
	require.Contains(t, stdout, "> Authorization: SSWS <OKTA_API_TOKEN is not set>\n")
}

func TestDebugTraceRedactsTheToken(t *testing.T) {
	t.Setenv("OKTA_API_TOKEN", secretToken)
	o := startFaulty(t)
	stdout, stderr, code := run(t, "", "exec", "--debug", "--server", "okta="+o.url, "SELECT id FROM okta.users.users WHERE subdomain = 'demo' AND id = '00uTCzrt0njgq8tVxtzw'; "+sendPin)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "00uTCzrt0njgq8tVxtzw")
	require.Contains(t, stderr, "> GET http://demo.localhost:")
	require.Contains(t, stderr, "> Authorization: SSWS ****\n")
	require.Contains(t, stderr, "< HTTP/1.1 200 OK")
	require.Contains(t, stderr, "< HTTP/1.1 204 No Content")
	require.NotContains(t, stderr, secretToken)
}

func TestRedactorHidesSecretsWherever(t *testing.T) {
	var out strings.Builder
	r := &redactor{w: &out}
	r.add(secretToken)
	r.add("short")
	_, err := r.Write([]byte("token " + secretToken + " in a message, short stays"))
	require.NoError(t, err)
	require.Equal(t, "token **** in a message, short stays", out.String())
}
