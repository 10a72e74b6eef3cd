package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/fakeokta"
)

var demo = map[string]string{"subdomain": fakeokta.DemoSubdomain}

func with(params map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range params {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// userWithEnrollments finds a user of org that has at least n enrollments.
func userWithEnrollments(t *testing.T, org *fakeokta.Org, n int) (fakeokta.User, []fakeokta.Enrollment) {
	t.Helper()
	for _, u := range org.Users() {
		if e := org.Enrollments(u.ID); len(e) >= n {
			return u, e
		}
	}
	t.Fatalf("no user with %d enrollments", n)
	return fakeokta.User{}, nil
}

func TestListUsersFollowsEveryPage(t *testing.T) {
	tests := []struct {
		name      string
		limit     string // "" to use the API's default of 200
		pageSize  int
		wantPages int
	}{
		{"default page size", "", 200, 3},
		{"limit 100", "100", 100, 0},
		{"limit 200", "200", 200, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			org, c := fakeOrg(t, fakeokta.Config{Users: 450})
			var want []string
			for _, u := range org.Users() {
				if u.Status != "DEPROVISIONED" {
					want = append(want, u.ID)
				}
			}
			require.Greater(t, len(want), 2*tt.pageSize, "the org must need more than two pages")
			pages := (len(want) + tt.pageSize - 1) / tt.pageSize
			if tt.wantPages != 0 {
				require.Equal(t, tt.wantPages, pages)
			}

			params := demo
			if tt.limit != "" {
				params = with(demo, "limit", tt.limit)
			}
			r := run(t, c, method(t, users, "list_users"), params, nil)
			require.NoError(t, r.err)
			assert.Equal(t, Outcome{Status: 200, Pages: pages, Rows: len(want)}, r.out)

			var got []string
			for _, row := range r.rows {
				got = append(got, row["id"].(string))
				assert.NotEqual(t, "DEPROVISIONED", row["status"])
			}
			assert.Equal(t, want, got, "every user once, in order")

			reqs := org.Requests()
			require.Len(t, reqs, pages)
			wantHost := "demo." + strings.TrimSuffix(strings.TrimPrefix(c.Servers["okta"], "http://{subdomain}."), "/")
			for i, req := range reqs {
				assert.Equal(t, http.MethodGet, req.Method)
				assert.Equal(t, "/api/v1/users", req.Path)
				assert.Equal(t, wantHost, req.Host)
				assert.Equal(t, []string{"SSWS " + fakeokta.DemoToken}, req.Header.Values("Authorization"))
				assert.Equal(t, []string{"application/json"}, req.Header.Values("Accept"))
				q, err := url.ParseQuery(req.RawQuery)
				require.NoError(t, err)
				if i == 0 {
					assert.False(t, q.Has("after"), "the first page has no cursor")
				} else {
					assert.Equal(t, want[i*tt.pageSize-1], q.Get("after"), "page %d continues after the last user of the page before", i+1)
				}
				if tt.limit != "" {
					assert.Equal(t, tt.limit, q.Get("limit"))
				}
			}
		})
	}
}

func TestTokenFromEnvironment(t *testing.T) {
	tests := []struct {
		name string
		env  string
	}{
		{"plain", fakeokta.DemoToken},
		{"surrounding white space is trimmed", "  " + fakeokta.DemoToken + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			org, c := fakeOrg(t, fakeokta.Config{Users: 5})
			c.Tokens = nil
			var asked []string
			c.Getenv = func(k string) string {
				asked = append(asked, k)
				if k == "OKTA_API_TOKEN" {
					return tt.env
				}
				return ""
			}
			r := run(t, c, method(t, users, "list_users"), demo, nil)
			require.NoError(t, r.err)
			assert.Len(t, r.rows, 5-countDeprovisioned(org))
			assert.Equal(t, []string{"OKTA_API_TOKEN"}, asked)
			reqs := org.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, "SSWS "+fakeokta.DemoToken, reqs[0].Header.Get("Authorization"))
		})
	}
}

func countDeprovisioned(org *fakeokta.Org) int {
	n := 0
	for _, u := range org.Users() {
		if u.Status == "DEPROVISIONED" {
			n++
		}
	}
	return n
}

func TestMissingTokenSendsNothing(t *testing.T) {
	for _, token := range []string{"", "   "} {
		t.Run(fmt.Sprintf("%q", token), func(t *testing.T) {
			org, c := fakeOrg(t, fakeokta.Config{Users: 5})
			c.Tokens = nil
			c.Getenv = func(string) string { return token }
			r := run(t, c, method(t, users, "list_users"), demo, nil)
			require.Error(t, r.err)
			var ce *CredentialsError
			require.ErrorAs(t, r.err, &ce)
			assert.Equal(t, "okta", ce.Provider)
			assert.Equal(t, "OKTA_API_TOKEN", ce.EnvVar)
			assert.Contains(t, r.err.Error(), "OKTA_API_TOKEN")
			assert.Contains(t, r.err.Error(), "--demo")
			assert.Empty(t, org.Requests(), "no request may reach the server without a token")
			assert.Equal(t, 0, r.batches)
		})
	}
}

func TestBadTokenIs401(t *testing.T) {
	org, c := fakeOrg(t, fakeokta.Config{Users: 5})
	c.Tokens["okta"] = "wrong-token"
	r := run(t, c, method(t, users, "list_users"), demo, nil)
	var apiErr *APIError
	require.ErrorAs(t, r.err, &apiErr)
	assert.Equal(t, 401, apiErr.Status)
	assert.Equal(t, "E0000011", apiErr.Code)
	assert.Equal(t, "Invalid token provided", apiErr.Summary)
	assert.Contains(t, r.err.Error(), "OKTA_API_TOKEN")
	assert.NotContains(t, r.err.Error(), "wrong-token", "the token is never repeated")
	require.Len(t, org.Requests(), 1)
	assert.Equal(t, "SSWS wrong-token", org.Requests()[0].Header.Get("Authorization"))
}

func TestInvalidSubdomainSendsNothing(t *testing.T) {
	org, c := fakeOrg(t, fakeokta.Config{Users: 5})
	for _, sub := range []string{"evil.com/x", "demo.evil", "a@b", ""} {
		r := run(t, c, method(t, users, "list_users"), map[string]string{"subdomain": sub}, nil)
		require.Error(t, r.err)
		assert.Contains(t, r.err.Error(), fmt.Sprintf("%q", sub))
	}
	assert.Empty(t, org.Requests())
}

func TestUnknownUserIs404(t *testing.T) {
	tests := []struct {
		name   string
		method string
		params map[string]string
		body   []byte
		id     string
	}{
		{"list enrollments", "list_web_authn_preregistration_factors", with(demo, "userId", "00unknown"), nil, "00unknown"},
		{"list enrollments, id with reserved characters", "list_web_authn_preregistration_factors",
			with(demo, "userId", "a/b?c#d%e f"), nil, "a/b?c#d%e f"},
		{"list enrollments, unicode id", "list_web_authn_preregistration_factors", with(demo, "userId", "bücher"), nil, "bücher"},
		{"delete", "delete_web_authn_preregistration_factor",
			with(demo, "userId", "00unknown", "authenticatorEnrollmentId", "fwf1"), nil, "00unknown"},
		{"mark error", "assign_fulfillment_error_web_authn_preregistration_factor",
			with(demo, "userId", "00unknown", "authenticatorEnrollmentId", "fwf1"), nil, "00unknown"},
		{"generate fulfillment request", "generate_fulfillment_request", demo,
			[]byte(`{"userId":"00unknown","fulfillmentProvider":"yubico"}`), "00unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			org, c := fakeOrg(t, fakeokta.Config{Users: 5})
			r := run(t, c, method(t, enrollments, tt.method), tt.params, tt.body)
			var apiErr *APIError
			require.ErrorAs(t, r.err, &apiErr)
			assert.Equal(t, 404, apiErr.Status)
			assert.Equal(t, "E0000007", apiErr.Code)
			assert.Equal(t, "Not found: Resource not found: "+tt.id+" (User)", apiErr.Summary,
				"the fake unescapes the path segment: the value arrived whole, in its own segment")
			assert.Regexp(t, `^req[0-9A-Za-z]{23}$`, apiErr.RequestID)
			assert.Equal(t, "okta.webauthn_registration.enrollments."+tt.method, apiErr.Method)
			msg := r.err.Error()
			for _, part := range []string{"HTTP 404", "E0000007", apiErr.Summary, apiErr.RequestID, apiErr.Method} {
				assert.Contains(t, msg, part)
			}
			assert.Empty(t, r.rows)
			assert.Len(t, org.Requests(), 1)
		})
	}
}

func TestMarkErrorSendsContentLengthZero(t *testing.T) {
	org, c := fakeOrg(t, fakeokta.Config{Users: 20})
	u, list := userWithEnrollments(t, org, 1)
	target := list[0]
	m := method(t, enrollments, "assign_fulfillment_error_web_authn_preregistration_factor")
	r := run(t, c, m, with(demo, "userId", u.ID, "authenticatorEnrollmentId", target.ID), nil)
	require.NoError(t, r.err)
	assert.Equal(t, Outcome{Status: 204, Pages: 1, Rows: 0}, r.out)
	assert.Equal(t, 0, r.batches, "a 204 delivers no rows")

	reqs := org.Requests()
	require.Len(t, reqs, 1)
	req := reqs[0]
	assert.Equal(t, http.MethodPost, req.Method)
	assert.Equal(t, "/webauthn-registration/api/v1/users/"+u.ID+"/enrollments/"+target.ID+"/mark-error", req.Path)
	assert.Equal(t, []string{"0"}, req.Header.Values("Content-Length"))
	assert.Empty(t, req.Header.Values("Transfer-Encoding"))
	assert.Empty(t, req.Body)
	assert.Equal(t, "SSWS "+fakeokta.DemoToken, req.Header.Get("Authorization"))

	for _, e := range org.Enrollments(u.ID) {
		if e.ID == target.ID {
			assert.Equal(t, "FULFILLMENT_ERRORED", e.Status)
		}
	}
}

func TestDeleteEnrollment(t *testing.T) {
	org, c := fakeOrg(t, fakeokta.Config{Users: 20})
	u, list := userWithEnrollments(t, org, 1)
	r := run(t, c, method(t, enrollments, "delete_web_authn_preregistration_factor"),
		with(demo, "userId", u.ID, "authenticatorEnrollmentId", list[0].ID), nil)
	require.NoError(t, r.err)
	assert.Equal(t, Outcome{Status: 204, Pages: 1}, r.out)
	assert.Len(t, org.Enrollments(u.ID), len(list)-1)
	reqs := org.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.MethodDelete, reqs[0].Method)

	// Deleting it again is a 404 naming the enrollment.
	r = run(t, c, method(t, enrollments, "delete_web_authn_preregistration_factor"),
		with(demo, "userId", u.ID, "authenticatorEnrollmentId", list[0].ID), nil)
	var apiErr *APIError
	require.ErrorAs(t, r.err, &apiErr)
	assert.Equal(t, 404, apiErr.Status)
	assert.Contains(t, apiErr.Summary, list[0].ID)
}

func TestListEnrollmentsIsAnArrayOfRows(t *testing.T) {
	org, c := fakeOrg(t, fakeokta.Config{Users: 20})
	u, list := userWithEnrollments(t, org, 2)
	r := run(t, c, method(t, enrollments, "list_web_authn_preregistration_factors"), with(demo, "userId", u.ID), nil)
	require.NoError(t, r.err)
	assert.Equal(t, Outcome{Status: 200, Pages: 1, Rows: len(list)}, r.out)
	require.Len(t, r.rows, len(list))
	for i, e := range list {
		assert.Equal(t, e.ID, r.rows[i]["id"])
		assert.Equal(t, e.Status, r.rows[i]["status"])
	}

	// A user without enrollments: an empty array, no rows, no error.
	for _, other := range org.Users() {
		if len(org.Enrollments(other.ID)) == 0 {
			r := run(t, c, method(t, enrollments, "list_web_authn_preregistration_factors"), with(demo, "userId", other.ID), nil)
			require.NoError(t, r.err)
			assert.Equal(t, Outcome{Status: 200, Pages: 1, Rows: 0}, r.out)
			assert.Empty(t, r.rows)
			return
		}
	}
	t.Fatal("the fake always has a user without enrollments")
}

func TestExecSendsJSONBody(t *testing.T) {
	org, c := fakeOrg(t, fakeokta.Config{Users: 20})
	u, list := userWithEnrollments(t, org, 1)
	jwk := `{"kty":"EC","crv":"P-256","kid":"kid-1","use":"enc","x":"AAAA","y":"BBBB"}`
	tests := []struct {
		name    string
		method  string
		body    string
		status  int
		rowKeys []string // keys of the one row; nil for no row
	}{
		{"generate fulfillment request", "generate_fulfillment_request",
			`{"userId":"` + u.ID + `","fulfillmentProvider":"yubico","fulfillmentData":[{"productId":"55","customizationId":"RXJN83","inventoryProductId":"106"}]}`,
			204, nil},
		{"send pin", "send_pin",
			`{"userId":"` + u.ID + `","fulfillmentProvider":"yubico","authenticatorEnrollmentId":"` + list[0].ID + `"}`,
			204, nil},
		{"enroll returns one object", "enroll_preregistration_enrollment",
			`{"userId":"` + u.ID + `","fulfillmentProvider":"yubico","enrollmentRpIds":["example.com"],"yubicoTransportKeyJWK":` + jwk + `}`,
			200, []string{"credRequests", "fulfillmentProvider", "pinRequestJwe", "userId"}},
		{"activate returns one object", "activate_preregistration_enrollment",
			`{"userId":"` + u.ID + `","fulfillmentProvider":"yubico","pinResponseJwe":"x.y.z","credResponses":[{"authenticatorEnrollmentId":"` + list[0].ID + `","credResponseJwe":"a.b.c"}]}`,
			200, []string{"authenticatorEnrollmentIds", "fulfillmentProvider", "userId"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			org.ClearRequests()
			r := run(t, c, method(t, enrollments, tt.method), demo, []byte(tt.body))
			require.NoError(t, r.err)
			assert.Equal(t, tt.status, r.out.Status)
			if tt.rowKeys == nil {
				assert.Equal(t, 0, r.out.Rows)
				assert.Empty(t, r.rows)
			} else {
				assert.Equal(t, 1, r.out.Rows)
				require.Len(t, r.rows, 1)
				var keys []string
				for k := range r.rows[0] {
					keys = append(keys, k)
				}
				assert.ElementsMatch(t, tt.rowKeys, keys)
				assert.Equal(t, u.ID, r.rows[0]["userId"])
			}
			reqs := org.Requests()
			require.Len(t, reqs, 1)
			req := reqs[0]
			assert.Equal(t, http.MethodPost, req.Method)
			assert.Equal(t, tt.body, string(req.Body))
			assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
			assert.Equal(t, strconv.Itoa(len(tt.body)), req.Header.Get("Content-Length"))
			assert.Equal(t, "application/json", req.Header.Get("Accept"))
			assert.Equal(t, "SSWS "+fakeokta.DemoToken, req.Header.Get("Authorization"))
		})
	}
}

func TestValidationErrorCauses(t *testing.T) {
	_, c := fakeOrg(t, fakeokta.Config{Users: 5})
	r := run(t, c, method(t, enrollments, "generate_fulfillment_request"), demo, []byte(`{"fulfillmentProvider":"other"}`))
	var apiErr *APIError
	require.ErrorAs(t, r.err, &apiErr)
	assert.Equal(t, 400, apiErr.Status)
	assert.Equal(t, "E0000001", apiErr.Code)
	assert.Equal(t, []string{"fulfillmentProvider: must be 'yubico'", "userId: The field cannot be left blank"}, apiErr.Causes)
	assert.Contains(t, r.err.Error(), "(userId: The field cannot be left blank)")
}

func TestGetUserIsOneRow(t *testing.T) {
	org, c := fakeOrg(t, fakeokta.Config{Users: 5})
	u := org.Users()[2]
	for _, id := range []string{u.ID, u.Profile.Login} {
		r := run(t, c, method(t, users, "get_user"), with(demo, "id", id), nil)
		require.NoError(t, r.err)
		assert.Equal(t, Outcome{Status: 200, Pages: 1, Rows: 1}, r.out)
		require.Len(t, r.rows, 1)
		assert.Equal(t, u.ID, r.rows[0]["id"])
	}
}

func TestOnRowsErrorStopsTheCall(t *testing.T) {
	org, c := fakeOrg(t, fakeokta.Config{Users: 450})
	stop := errors.New("enough")
	calls := 0
	_, err := c.Do(context.Background(), method(t, users, "list_users"), demo, nil, func([]json.RawMessage) error {
		calls++
		return stop
	})
	require.ErrorIs(t, err, stop)
	assert.Equal(t, 1, calls)
	assert.Len(t, org.Requests(), 1, "no further page is fetched")
}

func TestRowsArriveInBatches(t *testing.T) {
	const n = 1234
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":"%d"}`, i)
	}
	b.WriteString("]")
	body := b.String()
	_, c := handlerServer(t, func(w http.ResponseWriter, r *http.Request) { writeJSONBody(w, body) })
	var sizes []int
	seen := 0
	out, err := c.Do(context.Background(), method(t, users, "list_users"), demo, nil, func(rows []json.RawMessage) error {
		sizes = append(sizes, len(rows))
		for _, row := range rows {
			assert.JSONEq(t, fmt.Sprintf(`{"id":"%d"}`, seen), string(row))
			seen++
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []int{500, 500, 234}, sizes)
	assert.Equal(t, Outcome{Status: 200, Pages: 1, Rows: n}, out)
}

func TestWrongOrgAnswers404(t *testing.T) {
	org, c := fakeOrg(t, fakeokta.Config{Users: 5})
	r := run(t, c, method(t, users, "list_users"), map[string]string{"subdomain": "other"}, nil)
	var apiErr *APIError
	require.ErrorAs(t, r.err, &apiErr)
	assert.Equal(t, 404, apiErr.Status)
	assert.Equal(t, "Not found: org other", apiErr.Summary)
	require.Len(t, org.Requests(), 1)
	assert.True(t, strings.HasPrefix(org.Requests()[0].Host, "other.localhost:"))
}

// Safety: the token goes to no host but the one the statement named.

func TestNextLinkToAnotherHostIsRefused(t *testing.T) {
	other := &counter{}
	otherSrv := httptest.NewServer(other)
	t.Cleanup(otherSrv.Close)
	otherPort := port(t, otherSrv)

	home := &counter{}
	homeSrv := httptest.NewServer(home)
	t.Cleanup(homeSrv.Close)
	homePort := port(t, homeSrv)

	tests := []struct {
		name string
		link string
	}{
		{"another server by IP", "http://127.0.0.1:" + otherPort + "/api/v1/users?after=1"},
		{"another server by name", "http://evil.localhost:" + otherPort + "/api/v1/users?after=1"},
		{"protocol-relative", "//evil.localhost:" + otherPort + "/api/v1/users?after=1"},
		{"same server, sibling subdomain", "http://evil.localhost:" + homePort + "/api/v1/users?after=1"},
		{"same server, child subdomain", "http://x.demo.localhost:" + homePort + "/api/v1/users?after=1"},
		{"same server by IP", "http://127.0.0.1:" + homePort + "/api/v1/users?after=1"},
		{"same host, https", "https://demo.localhost:" + homePort + "/api/v1/users?after=1"},
		{"same host, other port", "http://demo.localhost:" + otherPort + "/api/v1/users?after=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, beforeOther := len(home.requests()), len(other.requests())
			home.handle(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Add("Link", "<"+tt.link+`>; rel="next"`)
				writeJSONBody(w, `[{"id":"1"}]`)
			})
			c := clientFor(t, homeSrv, testToken)
			r := run(t, c, method(t, users, "list_users"), demo, nil)
			require.Error(t, r.err)
			assert.Contains(t, r.err.Error(), "was not followed")
			assert.Equal(t, 1, r.out.Pages)
			assert.Len(t, r.rows, 1)
			assert.Len(t, other.requests(), beforeOther, "the other server got no request")
			got := home.requests()[before:]
			require.Len(t, got, 1, "only the first page was requested")
			assert.Equal(t, "demo.localhost:"+homePort, got[0].Host)
		})
	}
}

func TestNextLinkLoopIsAnError(t *testing.T) {
	tests := []struct {
		name      string
		links     map[string]string // after => next link
		wantPages int
	}{
		{"the page links to itself", map[string]string{"": "/api/v1/users"}, 1},
		{"two pages link to each other", map[string]string{"": "/api/v1/users?after=1", "1": "/api/v1/users"}, 2},
		{"a later page links back", map[string]string{"": "?after=1", "1": "?after=2", "2": "http://demo.localhost:PORT/api/v1/users?after=1"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &counter{}
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			h.handle(func(w http.ResponseWriter, r *http.Request) {
				link := strings.ReplaceAll(tt.links[r.URL.Query().Get("after")], "PORT", port(t, srv))
				w.Header().Add("Link", "<"+link+`>; rel="next"`)
				writeJSONBody(w, `[{"id":"x"}]`)
			})
			r := run(t, clientFor(t, srv, testToken), method(t, users, "list_users"), demo, nil)
			require.Error(t, r.err)
			assert.Contains(t, r.err.Error(), "already read")
			assert.Contains(t, r.err.Error(), "okta.users.users.list_users")
			assert.Equal(t, tt.wantPages, r.out.Pages)
			assert.Len(t, h.requests(), tt.wantPages)
		})
	}
}

func TestMaxPages(t *testing.T) {
	tests := []struct {
		name      string
		maxPages  int
		available int // pages the server has
		wantErr   bool
	}{
		{"cap reached while more remain", 3, 10, true},
		{"cap of one", 1, 2, true},
		{"exactly as many pages as the cap", 3, 3, false},
		{"fewer pages than the cap", 5, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &counter{}
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			h.handle(func(w http.ResponseWriter, r *http.Request) {
				page, _ := strconv.Atoi(r.URL.Query().Get("after"))
				if page+1 < tt.available {
					w.Header().Add("Link", fmt.Sprintf(`</api/v1/users?after=%d>; rel="next"`, page+1))
				}
				writeJSONBody(w, fmt.Sprintf(`[{"id":"%d"}]`, page))
			})
			c := clientFor(t, srv, testToken)
			c.MaxPages = tt.maxPages
			r := run(t, c, method(t, users, "list_users"), demo, nil)
			pages := min(tt.maxPages, tt.available)
			if tt.wantErr {
				require.Error(t, r.err)
				assert.Contains(t, r.err.Error(), "--max-pages")
				assert.Contains(t, r.err.Error(), fmt.Sprintf("stopped after %d pages", tt.maxPages))
			} else {
				require.NoError(t, r.err)
			}
			assert.Equal(t, pages, r.out.Pages)
			assert.Len(t, r.rows, pages)
			assert.Len(t, h.requests(), pages)
		})
	}
}

func TestRedirectDropsTokenForAnotherHost(t *testing.T) {
	other := &counter{}
	otherSrv := httptest.NewServer(other)
	t.Cleanup(otherSrv.Close)
	otherPort := port(t, otherSrv)

	home := &counter{}
	homeSrv := httptest.NewServer(home)
	t.Cleanup(homeSrv.Close)
	homePort := port(t, homeSrv)

	tests := []struct {
		name      string
		location  string
		status    int
		atOther   bool // the redirect target is the other server
		wantHost  string
		wantToken bool
	}{
		{"same host, relative", "/landing", 302, false, "demo.localhost:" + homePort, true},
		{"same host, absolute", "http://demo.localhost:" + homePort + "/landing", 302, false, "demo.localhost:" + homePort, true},
		{"same host, 307", "/landing", 307, false, "demo.localhost:" + homePort, true},
		{"another server by IP", "http://127.0.0.1:" + otherPort + "/landing", 302, true, "127.0.0.1:" + otherPort, false},
		{"another server by name", "http://evil.localhost:" + otherPort + "/landing", 302, true, "evil.localhost:" + otherPort, false},
		{"same host name, other port", "http://demo.localhost:" + otherPort + "/landing", 302, true, "demo.localhost:" + otherPort, false},
		// Go's client would keep the header for a subdomain of the first
		// host; the token is meant for that one org only.
		{"child subdomain", "http://evil.demo.localhost:" + homePort + "/landing", 302, false, "evil.demo.localhost:" + homePort, false},
		{"sibling subdomain", "http://evil.localhost:" + homePort + "/landing", 302, false, "evil.localhost:" + homePort, false},
		{"same server by IP", "http://127.0.0.1:" + homePort + "/landing", 302, false, "127.0.0.1:" + homePort, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, beforeOther := len(home.requests()), len(other.requests())
			home.handle(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/landing" {
					writeJSONBody(w, `[{"id":"landed"}]`)
					return
				}
				http.Redirect(w, r, tt.location, tt.status)
			})
			other.handle(func(w http.ResponseWriter, r *http.Request) { writeJSONBody(w, `[{"id":"landed"}]`) })
			c := clientFor(t, homeSrv, testToken)
			r := run(t, c, method(t, users, "list_users"), demo, nil)
			require.NoError(t, r.err)
			require.Len(t, r.rows, 1)
			assert.Equal(t, "landed", r.rows[0]["id"])

			homeReqs := home.requests()[before:]
			otherReqs := other.requests()[beforeOther:]
			require.NotEmpty(t, homeReqs)
			assert.Equal(t, "SSWS "+testToken, homeReqs[0].Header.Get("Authorization"), "the first request carries the token")
			var landed *http.Request
			if tt.atOther {
				require.Len(t, homeReqs, 1)
				require.Len(t, otherReqs, 1)
				landed = otherReqs[0]
			} else {
				require.Len(t, homeReqs, 2)
				assert.Empty(t, otherReqs)
				landed = homeReqs[1]
			}
			assert.Equal(t, "/landing", landed.URL.Path)
			assert.Equal(t, tt.wantHost, landed.Host)
			if tt.wantToken {
				assert.Equal(t, "SSWS "+testToken, landed.Header.Get("Authorization"))
			} else {
				assert.Empty(t, landed.Header.Values("Authorization"), "the token must not follow a redirect to %s", tt.wantHost)
			}
		})
	}
}

func TestRedirectLoopStops(t *testing.T) {
	h := &counter{}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	h.handle(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		http.Redirect(w, r, fmt.Sprintf("/api/v1/users?n=%d", n+1), http.StatusFound)
	})
	r := run(t, clientFor(t, srv, testToken), method(t, users, "list_users"), demo, nil)
	require.Error(t, r.err)
	assert.Contains(t, r.err.Error(), "stopped after 10 redirects")
	assert.Contains(t, r.err.Error(), "okta.users.users.list_users")
	assert.Len(t, h.requests(), 10)
}

func TestContextEndsTheCall(t *testing.T) {
	t.Run("cancelled before the call", func(t *testing.T) {
		org, c := fakeOrg(t, fakeokta.Config{Users: 5})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.Do(ctx, method(t, users, "list_users"), demo, nil, func([]json.RawMessage) error {
			t.Error("no rows expected")
			return nil
		})
		require.ErrorIs(t, err, context.Canceled)
		assert.Contains(t, err.Error(), "okta.users.users.list_users: GET http://demo.localhost:")
		assert.Empty(t, org.Requests())
	})
	t.Run("request timeout", func(t *testing.T) {
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		_, c := handlerServer(t, func(w http.ResponseWriter, r *http.Request) {
			select { // answer only when the client gives up
			case <-r.Context().Done():
			case <-release:
			}
		})
		c.RequestTimeout = 20 * time.Millisecond
		r := run(t, c, method(t, users, "list_users"), demo, nil)
		require.ErrorIs(t, r.err, context.DeadlineExceeded)
		assert.Contains(t, r.err.Error(), "okta.users.users.list_users")
	})
}

// A next link on a POST response must not send the POST again.
func TestPostIsNotPaged(t *testing.T) {
	var posts int
	_, c := handlerServer(t, func(w http.ResponseWriter, r *http.Request) {
		posts++
		w.Header().Set("Link", `</webauthn-registration/api/v1/enroll?page=2>; rel="next"`)
		writeJSONBody(w, `{"userId":"00u1"}`)
	})
	r := run(t, c, method(t, enrollments, "enroll_preregistration_enrollment"), map[string]string{"subdomain": "demo"}, []byte(`{}`))
	require.NoError(t, r.err)
	require.Equal(t, 1, posts)
	require.Len(t, r.rows, 1)
}
