package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/fakeokta"
)

// org is a fake Okta org served for one test.
type org struct {
	*fakeokta.Org
	url string // server URL template for --server okta=...
}

func startOrg(t *testing.T, cfg fakeokta.Config) *org {
	t.Helper()
	o := fakeokta.New(cfg)
	srv := httptest.NewServer(o)
	t.Cleanup(srv.Close)
	port := srv.Listener.Addr().String()[strings.LastIndex(srv.Listener.Addr().String(), ":")+1:]
	t.Setenv("OKTA_API_TOKEN", fakeokta.DemoToken)
	return &org{Org: o, url: "http://{subdomain}.localhost:" + port + "/"}
}

// run runs the command line in-process.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Run(args, strings.NewReader(stdin), &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

func seedFile(name string) string {
	return filepath.Join("..", "..", "..", "testdata", "seed", name)
}

// userWith returns the first user whose enrollments satisfy ok.
func (o *org) userWith(t *testing.T, ok func([]fakeokta.Enrollment) bool) string {
	t.Helper()
	for _, u := range o.Users() {
		if ok(o.Enrollments(u.ID)) {
			return u.ID
		}
	}
	t.Fatal("no user in the fake org matches")
	return ""
}

func hasEnrollments(es []fakeokta.Enrollment) bool { return len(es) >= 2 }

func TestSeedSelectWithoutUserIDFails(t *testing.T) {
	o := startOrg(t, fakeokta.Config{})
	stdout, stderr, code := run(t, "", "exec", "--server", "okta="+o.url, "--var", "subdomain=demo", "-f", seedFile("select.sql"))
	require.Equal(t, 1, code)
	require.Empty(t, stdout)
	require.Contains(t, stderr, "okta.webauthn_registration.enrollments")
	require.Contains(t, stderr, "list_web_authn_preregistration_factors needs userId")
	require.Contains(t, stderr, "WHERE subdomain = 'demo' AND userId = ")
	require.Empty(t, o.Requests(), "no call may be made when a parameter is missing")
}

func TestSeedSelectWithUserIDReturnsThatUsersRows(t *testing.T) {
	o := startOrg(t, fakeokta.Config{})
	user := o.userWith(t, hasEnrollments)
	seed, err := os.ReadFile(seedFile("select.sql"))
	require.NoError(t, err)
	query := strings.TrimSpace(string(seed)) + "\nAND userId = '{{ userId }}'"
	stdout, stderr, code := run(t, "", "exec", "-o", "json", "--server", "okta="+o.url, "--var", "subdomain=demo", "--var", "userId="+user, query)
	require.Equal(t, 0, code, stderr)

	var rows []map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &rows))
	var want []string
	for _, e := range o.Enrollments(user) {
		want = append(want, e.ID)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r["id"].(string))
		require.Equal(t, []string{"id", "_links", "created", "factorType", "lastUpdated", "profile", "provider", "status", "vendorName"}, keysInOrder(t, stdout))
		require.NotContains(t, r, "fulfillmentProvider", "fields beyond the schema are not columns")
	}
	require.Equal(t, want, got)
	reqs := o.Requests()
	require.Len(t, reqs, 1)
	require.Equal(t, "/webauthn-registration/api/v1/users/"+user+"/enrollments", reqs[0].Path)
	require.Equal(t, "SSWS "+fakeokta.DemoToken, reqs[0].Header.Get("Authorization"))
}

// keysInOrder returns the keys of the first object of a JSON array as written.
func keysInOrder(t *testing.T, doc string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(doc))
	var keys []string
	depth := 0
	for {
		tok, err := dec.Token()
		require.NoError(t, err)
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				depth++
			} else {
				depth--
				if depth == 1 {
					return keys
				}
			}
		case string:
			if depth == 2 {
				keys = append(keys, v)
				// Skip the value.
				var skip json.RawMessage
				require.NoError(t, dec.Decode(&skip))
			}
		}
	}
}

func TestSeedDelete(t *testing.T) {
	o := startOrg(t, fakeokta.Config{})
	stdout, stderr, code := run(t, "", "exec", "--server", "okta="+o.url, "--var", "subdomain=demo", "-f", seedFile("delete.sql"))
	require.Equal(t, 1, code)
	require.Empty(t, stdout)
	require.Contains(t, stderr, "delete_web_authn_preregistration_factor needs userId and authenticatorEnrollmentId")
	require.Empty(t, o.Requests())

	user := o.userWith(t, hasEnrollments)
	victim := o.Enrollments(user)[0].ID
	corrected := "DELETE FROM okta.webauthn_registration.enrollments\nWHERE subdomain = '{{ subdomain }}' --required\nAND userId = '{{ userId }}' AND authenticatorEnrollmentId = '{{ enrollmentId }}';"
	_, stderr, code = run(t, "", "exec", "--server", "okta="+o.url, "--var", "subdomain=demo", "--var", "userId="+user, "--var", "enrollmentId="+victim, corrected)
	require.Equal(t, 0, code, stderr)
	require.Equal(t, "DELETE 1\n", stderr)
	reqs := o.Requests()
	require.Len(t, reqs, 1)
	require.Equal(t, "DELETE", reqs[0].Method)
	require.Equal(t, "/webauthn-registration/api/v1/users/"+user+"/enrollments/"+victim, reqs[0].Path)
	for _, e := range o.Enrollments(user) {
		require.NotEqual(t, victim, e.ID, "the enrollment is gone")
	}
}

func TestSeedExecActivateSendsTheSevenKeys(t *testing.T) {
	o := startOrg(t, fakeokta.Config{})
	user := o.userWith(t, func(es []fakeokta.Enrollment) bool {
		for _, e := range es {
			if e.Status == "PENDING_ACTIVATION" {
				return true
			}
		}
		return false
	})
	var pending string
	for _, e := range o.Enrollments(user) {
		if e.Status == "PENDING_ACTIVATION" {
			pending = e.ID
		}
	}
	credResponses := fmt.Sprintf(`[{"authenticatorEnrollmentId":%q,"credResponseJwe":"eyJlcGsiOnsia3R5IjoiRUM"}]`, pending)
	jwks := `[{"crv":"P-384","kid":"APCS-Tsgnkey-C19881","kty":"EC","use":"sig","x":"tJc-j5osUCP","y":"hfVGbQeG4l2"}]`
	stdout, stderr, code := run(t, "", "exec", "-o", "json", "--server", "okta="+o.url, "-f", seedFile("exec_activate.sql"),
		"--var", "subdomain=demo",
		"--var", "credResponses="+credResponses,
		"--var", "fulfillmentProvider=yubico",
		"--var", "pinResponseJwe=eyJl5IjoiRUMiLCJjcnYcGsiOnsia3",
		"--var", "serial=3632071",
		"--var", "userId="+user,
		"--var", "version=5.4.3",
		"--var", "yubicoSigningJwks="+jwks,
	)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stderr, "EXEC okta.webauthn_registration.enrollments.activate_preregistration_enrollment: 200 OK")

	reqs := o.Requests()
	require.Len(t, reqs, 1)
	require.Equal(t, "POST", reqs[0].Method)
	require.Equal(t, "/webauthn-registration/api/v1/activate", reqs[0].Path)
	require.Equal(t, "application/json", reqs[0].Header.Get("Content-Type"))
	var body map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(reqs[0].Body, &body))
	var keys []string
	for k := range body {
		keys = append(keys, k)
	}
	require.ElementsMatch(t, []string{"credResponses", "fulfillmentProvider", "pinResponseJwe", "serial", "userId", "version", "yubicoSigningJwks"}, keys)
	require.JSONEq(t, credResponses, string(body["credResponses"]), "a JSON array variable goes in as JSON")
	require.JSONEq(t, jwks, string(body["yubicoSigningJwks"]))
	require.JSONEq(t, `"3632071"`, string(body["serial"]), "a plain value stays a JSON string")

	var rows []map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &rows))
	require.Len(t, rows, 1)
	require.Equal(t, []any{pending}, rows[0]["authenticatorEnrollmentIds"])
	require.Equal(t, user, rows[0]["userId"])
	for _, e := range o.Enrollments(user) {
		if e.ID == pending {
			require.Equal(t, "ACTIVE", e.Status)
		}
	}
}

func TestEveryExecMethodSendsTheRightRequest(t *testing.T) {
	o := startOrg(t, fakeokta.Config{})
	user := o.userWith(t, hasEnrollments)
	enrollment := o.Enrollments(user)[0].ID
	jwk := `{"crv":"P-384","kid":"APCS-Ttrans-C19881-I009","kty":"EC","use":"enc","x":"r6AzcX3OSiJk","y":"RxPyGH1Xg74E"}`
	cases := []struct {
		name       string
		stmt       string
		path       string
		body       string // expected JSON body; "" for none
		wantStatus string
		wantRow    bool
	}{
		{
			name:       "enroll",
			stmt:       fmt.Sprintf(`EXEC okta.webauthn_registration.enrollments.enroll_preregistration_enrollment @subdomain='demo' @@json='{"enrollmentRpIds":["demo.okta.com"],"fulfillmentProvider":"yubico","userId":"%s","yubicoTransportKeyJWK":%s}'`, user, jwk),
			path:       "/webauthn-registration/api/v1/enroll",
			body:       fmt.Sprintf(`{"enrollmentRpIds":["demo.okta.com"],"fulfillmentProvider":"yubico","userId":"%s","yubicoTransportKeyJWK":%s}`, user, jwk),
			wantStatus: "200 OK",
			wantRow:    true,
		},
		{
			name:       "generate fulfillment request",
			stmt:       fmt.Sprintf(`EXEC okta.webauthn_registration.enrollments.generate_fulfillment_request @subdomain='demo', @@json='{"userId":"%s","fulfillmentProvider":"yubico","fulfillmentData":[{"productId":"55","customizationId":"RXJN83","inventoryProductId":"106"}]}'`, user),
			path:       "/webauthn-registration/api/v1/initiate-fulfillment-request",
			body:       fmt.Sprintf(`{"userId":"%s","fulfillmentProvider":"yubico","fulfillmentData":[{"productId":"55","customizationId":"RXJN83","inventoryProductId":"106"}]}`, user),
			wantStatus: "204 No Content",
		},
		{
			name:       "send pin",
			stmt:       fmt.Sprintf(`EXEC okta.webauthn_registration.enrollments.send_pin @subdomain='demo' @@json='{"authenticatorEnrollmentId":"%s","fulfillmentProvider":"yubico","userId":"%s"}'`, enrollment, user),
			path:       "/webauthn-registration/api/v1/send-pin",
			body:       fmt.Sprintf(`{"authenticatorEnrollmentId":"%s","fulfillmentProvider":"yubico","userId":"%s"}`, enrollment, user),
			wantStatus: "204 No Content",
		},
		{
			name:       "mark error",
			stmt:       fmt.Sprintf(`EXEC okta.webauthn_registration.enrollments.assign_fulfillment_error_web_authn_preregistration_factor @subdomain='demo', @userId='%s', @authenticatorEnrollmentId='%s'`, user, enrollment),
			path:       fmt.Sprintf("/webauthn-registration/api/v1/users/%s/enrollments/%s/mark-error", user, enrollment),
			wantStatus: "204 No Content",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o.ClearRequests()
			stdout, stderr, code := run(t, "", "exec", "-o", "json", "--server", "okta="+o.url, tc.stmt)
			require.Equal(t, 0, code, stderr)
			require.Contains(t, stderr, tc.wantStatus)
			reqs := o.Requests()
			require.Len(t, reqs, 1)
			require.Equal(t, "POST", reqs[0].Method)
			require.Equal(t, tc.path, reqs[0].Path)
			if tc.body == "" {
				require.Empty(t, reqs[0].Body)
				require.Equal(t, "0", reqs[0].Header.Get("Content-Length"), "Okta answers 411 to a body-less POST without Content-Length: 0")
			} else {
				require.JSONEq(t, tc.body, string(reqs[0].Body))
			}
			if tc.wantRow {
				var rows []map[string]any
				require.NoError(t, json.Unmarshal([]byte(stdout), &rows))
				require.Len(t, rows, 1)
			} else {
				require.Empty(t, stdout)
			}
		})
	}
	for _, e := range o.Enrollments(user) {
		if e.ID == enrollment {
			require.Equal(t, "FULFILLMENT_ERRORED", e.Status)
		}
	}
}

func TestDocsCommand(t *testing.T) {
	stdout, stderr, code := run(t, "", "docs", "okta.webauthn_registration.enrollments")
	require.Equal(t, 0, code, stderr)
	want, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "docs", "okta.webauthn_registration.enrollments.md"))
	require.NoError(t, err)
	require.Equal(t, string(want), stdout)

	dir := t.TempDir()
	hr := filepath.Join("..", "..", "..", "testdata", "hr", "hr.yaml")
	_, stderr, code = run(t, "", "docs", "--all", dir, "--provider", "hr="+hr)
	require.Equal(t, 0, code, stderr)
	require.Equal(t, "wrote 4 pages to "+dir+"\n", stderr)
	for _, name := range []string{"okta.webauthn_registration.enrollments.md", "okta.users.users.md", "okta.users.factors.md", "hr.employees.employees.md"} {
		require.FileExists(t, filepath.Join(dir, name))
	}

	_, stderr, code = run(t, "", "docs")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "give one table")
	_, stderr, code = run(t, "", "docs", "okta.users.nope")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, `has no resource "nope"`)
}
