package fakeokta

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type response struct {
	status int
	header http.Header
	body   []byte
}

// clock is a settable Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func serve(t *testing.T, cfg Config) (*Org, *httptest.Server) {
	t.Helper()
	org := New(cfg)
	srv := httptest.NewServer(org)
	t.Cleanup(srv.Close)
	return org, srv
}

// send issues a request authenticated with the demo token unless a mutator
// changes it; target is a path or an absolute URL.
func send(t *testing.T, srv *httptest.Server, method, target, body string, mutate ...func(*http.Request)) response {
	t.Helper()
	if !strings.HasPrefix(target, "http") {
		target = srv.URL + target
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, target, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "SSWS "+DemoToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, m := range mutate {
		m(req)
	}
	res, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func withHost(host string) func(*http.Request) { return func(r *http.Request) { r.Host = host } }

func withAuth(v string) func(*http.Request) {
	return func(r *http.Request) {
		if v == "" {
			r.Header.Del("Authorization")
		} else {
			r.Header.Set("Authorization", v)
		}
	}
}

func decodeError(t *testing.T, r response) oktaError {
	t.Helper()
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	var e oktaError
	require.NoError(t, json.Unmarshal(r.body, &e), string(r.body))
	assert.Equal(t, e.ErrorCode, e.ErrorLink)
	assert.Regexp(t, `^oae[0-9A-Za-z]{22}$`, e.ErrorID)
	assert.NotNil(t, e.ErrorCauses, "errorCauses must be an array")
	assert.Contains(t, string(r.body), `"errorCauses":[`)
	return e
}

func assertError(t *testing.T, r response, status int, code, summary string) oktaError {
	t.Helper()
	require.Equal(t, status, r.status, string(r.body))
	e := decodeError(t, r)
	assert.Equal(t, code, e.ErrorCode)
	if summary != "" {
		assert.Equal(t, summary, e.ErrorSummary)
	}
	return e
}

var linkRE = regexp.MustCompile(`^<([^>]+)>; rel="(self|next)"$`)

// links parses Link headers into rel => URL, requiring one header line per
// relation.
func links(t *testing.T, h http.Header) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, v := range h.Values("Link") {
		m := linkRE.FindStringSubmatch(v)
		require.NotNil(t, m, "malformed Link %q", v)
		require.NotContains(t, out, m[2])
		out[m[2]] = m[1]
	}
	return out
}

func listedUsers(t *testing.T, r response) []User {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var users []User
	require.NoError(t, json.Unmarshal(r.body, &users))
	return users
}

func ids(users []User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.ID
	}
	return out
}

func usersWhere(org *Org, keep func(User) bool) []string {
	var out []string
	for _, u := range org.Users() {
		if keep(u) {
			out = append(out, u.ID)
		}
	}
	return out
}

// firstUser returns the first user, in list order, satisfying keep.
func firstUser(t *testing.T, org *Org, keep func(User) bool) User {
	t.Helper()
	for _, u := range org.Users() {
		if keep(u) {
			return u
		}
	}
	t.Fatal("no matching user in the generated data")
	return User{}
}

func TestDeterminism(t *testing.T) {
	cfg := Config{Users: 120, Seed: 42}
	_, a := serve(t, cfg)
	_, b := serve(t, cfg)
	orgA, orgB := New(cfg), New(cfg)
	ja, err := json.Marshal(orgA.Users())
	require.NoError(t, err)
	jb, err := json.Marshal(orgB.Users())
	require.NoError(t, err)
	assert.Equal(t, string(ja), string(jb))

	host := withHost("demo.localhost:8080")
	usersA := send(t, a, "GET", "/api/v1/users?limit=200", "", host)
	usersB := send(t, b, "GET", "/api/v1/users?limit=200", "", host)
	require.Equal(t, http.StatusOK, usersA.status)
	assert.Equal(t, string(usersA.body), string(usersB.body))
	for _, u := range listedUsers(t, usersA)[:20] {
		path := "/webauthn-registration/api/v1/users/" + u.ID + "/enrollments"
		ea, eb := send(t, a, "GET", path, "", host), send(t, b, "GET", path, "", host)
		require.Equal(t, http.StatusOK, ea.status)
		assert.Equal(t, string(ea.body), string(eb.body))
	}

	other, err := json.Marshal(New(Config{Users: 120, Seed: 43}).Users())
	require.NoError(t, err)
	assert.NotEqual(t, string(ja), string(other), "another seed must give other data")
}

func TestGeneratedData(t *testing.T) {
	org := New(Config{})
	users := org.Users()
	require.Len(t, users, 300)

	stamp := regexp.MustCompile(`^202[4-6]-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$`)
	checkStamp := func(s *string) {
		if s != nil {
			assert.Regexp(t, stamp, *s)
		}
	}
	userStatus := map[string]int{}
	enrollmentStatus := map[string]int{}
	factorTypes := map[string]int{}
	logins := map[string]bool{}
	withoutEnrollments := 0
	for _, u := range users {
		assert.Regexp(t, `^00u[0-9A-Za-z]{17}$`, u.ID)
		assert.Equal(t, u.Profile.Login, u.Profile.Email)
		assert.Regexp(t, `^[a-z]+\.[a-z]+\d*@example\.com$`, u.Profile.Login)
		assert.False(t, logins[u.Profile.Login], "duplicate login %s", u.Profile.Login)
		logins[u.Profile.Login] = true
		assert.NotEmpty(t, u.Profile.Department)
		assert.NotEmpty(t, u.Profile.Title)
		assert.NotEmpty(t, u.Profile.EmployeeNumber)
		assert.Regexp(t, `^oty`, u.Type.ID)
		assert.Equal(t, "/api/v1/users/"+u.ID, u.Links.Self.Href)
		for _, s := range []*string{&u.Created, u.Activated, u.StatusChanged, u.LastLogin, &u.LastUpdated, u.PasswordChanged} {
			checkStamp(s)
		}
		assert.Equal(t, u.Status == "STAGED", u.Activated == nil)
		userStatus[u.Status]++

		enrollments := org.Enrollments(u.ID)
		if len(enrollments) == 0 {
			withoutEnrollments++
		}
		assert.LessOrEqual(t, len(enrollments), 3)
		for _, e := range enrollments {
			assert.Regexp(t, `^fwf[0-9A-Za-z]{17}$`, e.ID)
			assert.Equal(t, "webauthn", e.FactorType)
			assert.Equal(t, "FIDO", e.Provider)
			assert.Equal(t, "yubico", e.FulfillmentProvider)
			assert.Contains(t, authenticatorNames, e.Profile.AuthenticatorName)
			assert.Equal(t, e.Status == "PENDING_ACTIVATION", e.Profile.CredentialID == "")
			checkStamp(&e.Created)
			checkStamp(&e.LastUpdated)
			assert.LessOrEqual(t, e.Created, e.LastUpdated)
			enrollmentStatus[e.Status]++
		}
		for _, f := range org.factors[u.ID] {
			prefix := map[string]string{"push": "mbl", "sms": "sms", "token:software:totp": "ost", "webauthn": "fwf"}[f.FactorType]
			assert.Regexp(t, "^"+prefix+"[0-9A-Za-z]{17}$", f.ID)
			factorTypes[f.FactorType]++
		}
	}
	for _, s := range []string{"ACTIVE", "SUSPENDED", "DEPROVISIONED", "STAGED", "PROVISIONED", "LOCKED_OUT"} {
		assert.Positive(t, userStatus[s], "user status %s", s)
	}
	assert.Greater(t, userStatus["ACTIVE"], len(users)/2, "most users are active")
	for _, s := range []string{"ACTIVE", "PENDING_ACTIVATION", "ENROLLED", "INACTIVE", "FULFILLMENT_ERRORED"} {
		assert.Positive(t, enrollmentStatus[s], "enrollment status %s", s)
	}
	for _, f := range factorKinds {
		assert.Positive(t, factorTypes[f], "factor type %s", f)
	}
	assert.Positive(t, withoutEnrollments)

	// Every status is guaranteed even where chance alone would miss some.
	small := New(Config{Users: 8, Seed: 7})
	seen := map[string]bool{}
	for _, u := range small.Users() {
		seen[u.Status] = true
		for _, e := range small.Enrollments(u.ID) {
			seen["enrollment "+e.Status] = true
		}
	}
	assert.Len(t, seen, len(userStatuses)+len(enrollmentStatuses))
	assert.Nil(t, small.Enrollments("00unknown"))
}

func TestListUsersPagination(t *testing.T) {
	org, srv := serve(t, Config{Users: 250})
	want := usersWhere(org, func(u User) bool { return u.Status != "DEPROVISIONED" })
	host := "demo.localhost:" + strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)

	for _, tc := range []struct {
		name      string
		query     string
		pageLimit int
	}{
		{"default limit", "", 200},
		{"limit 1", "?limit=1", 1},
		{"limit 7", "?limit=7", 7},
		{"limit 200", "?limit=200", 200},
		{"limit above max is clamped", "?limit=1000", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			target := srv.URL + "/api/v1/users" + tc.query
			for page := 0; ; page++ {
				r := send(t, srv, "GET", target, "", withHost(host))
				users := listedUsers(t, r)
				assert.LessOrEqual(t, len(users), tc.pageLimit)
				got = append(got, ids(users)...)
				l := links(t, r.header)
				if page == 0 {
					assert.Equal(t, fmt.Sprintf("http://%s/api/v1/users?limit=%d", host, tc.pageLimit), l["self"])
				}
				next, ok := l["next"]
				if !ok {
					break
				}
				require.Len(t, users, tc.pageLimit, "only the last page may be short")
				assert.Equal(t, fmt.Sprintf("http://%s/api/v1/users?after=%s&limit=%d", host, users[len(users)-1].ID, tc.pageLimit), next)
				// The link's host is the org's name; send to the test server with that Host.
				u, err := url.Parse(next)
				require.NoError(t, err)
				target = srv.URL + u.RequestURI()
			}
			assert.Equal(t, want, got)
		})
	}

	t.Run("a full last page has no next link", func(t *testing.T) {
		r := send(t, srv, "GET", "/api/v1/users?limit=2&after="+want[len(want)-3], "")
		assert.Equal(t, want[len(want)-2:], ids(listedUsers(t, r)))
		assert.NotContains(t, links(t, r.header), "next")
	})
	t.Run("self link keeps the cursor", func(t *testing.T) {
		r := send(t, srv, "GET", "/api/v1/users?limit=2&after="+want[0], "")
		assert.Equal(t, want[1:3], ids(listedUsers(t, r)))
		assert.Equal(t, srv.URL+"/api/v1/users?after="+want[0]+"&limit=2", links(t, r.header)["self"])
	})
	t.Run("X-Forwarded-Proto", func(t *testing.T) {
		r := send(t, srv, "GET", "/api/v1/users?limit=5", "", withHost(host), func(r *http.Request) {
			r.Header.Set("X-Forwarded-Proto", "https")
		})
		users := listedUsers(t, r)
		assert.Equal(t, "https://"+host+"/api/v1/users?limit=5", links(t, r.header)["self"])
		assert.True(t, strings.HasPrefix(links(t, r.header)["next"], "https://"+host+"/api/v1/users?after="))
		assert.Equal(t, "https://"+host+"/api/v1/users/"+users[0].ID, users[0].Links.Self.Href)
	})

	for _, tc := range []struct{ name, query, code string }{
		{"non-integer limit", "?limit=abc", "E0000001"},
		{"zero limit", "?limit=0", "E0000001"},
		{"negative limit", "?limit=-3", "E0000001"},
		{"unknown cursor", "?after=00uNOPE", "E0000001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assertError(t, send(t, srv, "GET", "/api/v1/users"+tc.query, ""), http.StatusBadRequest, tc.code, "")
		})
	}
}

func TestListUsersFilterSearchQ(t *testing.T) {
	org, srv := serve(t, Config{})
	users := org.Users()
	sample := firstUser(t, org, func(u User) bool { return u.Status == "SUSPENDED" })
	mid := users[len(users)/2].LastUpdated

	for _, tc := range []struct {
		name  string
		param string // name=value, unescaped
		want  func(User) bool
		// paging asks for small pages so that next links must keep the query.
		paging bool
	}{
		{"filter status includes deprovisioned", `filter=status eq "DEPROVISIONED"`,
			func(u User) bool { return u.Status == "DEPROVISIONED" }, false},
		{"filter status is case-sensitive", `filter=status eq "deprovisioned"`,
			func(User) bool { return false }, false},
		{"filter email", `filter=profile.email eq "` + sample.Profile.Email + `"`,
			func(u User) bool { return u.ID == sample.ID }, false},
		{"filter login", `filter=profile.login eq "` + sample.Profile.Login + `"`,
			func(u User) bool { return u.ID == sample.ID }, false},
		{"filter id", `filter=id eq "` + sample.ID + `"`,
			func(u User) bool { return u.ID == sample.ID }, false},
		{"filter names with and", `filter=profile.firstName eq "` + sample.Profile.FirstName + `" and profile.lastName eq "` + sample.Profile.LastName + `"`,
			func(u User) bool {
				return u.Profile.FirstName == sample.Profile.FirstName && u.Profile.LastName == sample.Profile.LastName
			}, false},
		{"filter or", `filter=status eq "STAGED" or status eq "PROVISIONED"`,
			func(u User) bool { return u.Status == "STAGED" || u.Status == "PROVISIONED" }, false},
		{"filter lastUpdated range and status", `filter=lastUpdated gt "` + mid + `" and status eq "ACTIVE"`,
			func(u User) bool { return u.LastUpdated > mid && u.Status == "ACTIVE" }, true},
		{"filter ge and le", `filter=lastUpdated ge "` + mid + `" and lastUpdated le "` + mid + `"`,
			func(u User) bool { return u.LastUpdated == mid }, false},
		{"filter parentheses", `filter=(status eq "LOCKED_OUT" or status eq "SUSPENDED") and lastUpdated lt "2030-01-01T00:00:00.000Z"`,
			func(u User) bool { return u.Status == "LOCKED_OUT" || u.Status == "SUSPENDED" }, false},
		{"search sw ignores case", `search=profile.lastName sw "` + strings.ToLower(sample.Profile.LastName[:2]) + `"`,
			func(u User) bool { return strings.HasPrefix(u.Profile.LastName, sample.Profile.LastName[:2]) }, false},
		{"search co", `search=profile.email co "` + strings.ToUpper(sample.Profile.LastName[1:3]) + `"`,
			func(u User) bool {
				return strings.Contains(u.Profile.Email, strings.ToLower(sample.Profile.LastName[1:3]))
			}, false},
		{"search department eq", `search=profile.department eq "engineering" and status eq "active"`,
			func(u User) bool { return u.Profile.Department == "Engineering" && u.Status == "ACTIVE" }, false},
		{"search includes deprovisioned", `search=created gt "2024-01-01T00:00:00.000Z"`,
			func(User) bool { return true }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, v, _ := strings.Cut(tc.param, "=")
			limit := 200
			if tc.paging {
				limit = 25
			}
			q := url.Values{k: {v}, "limit": {strconv.Itoa(limit)}}
			target := "/api/v1/users?" + q.Encode()
			var got []string
			for {
				r := send(t, srv, "GET", target, "")
				got = append(got, ids(listedUsers(t, r))...)
				l := links(t, r.header)
				assert.Equal(t, srv.URL+target, l["self"])
				next, ok := l["next"]
				if !ok {
					break
				}
				nu, err := url.Parse(next)
				require.NoError(t, err)
				assert.Equal(t, v, nu.Query().Get(k), "next link keeps %s", k)
				target = nu.RequestURI()
			}
			assert.Equal(t, usersWhere(org, tc.want), got)
		})
	}

	t.Run("q", func(t *testing.T) {
		const prefix = "m"
		want := usersWhere(org, func(u User) bool {
			return u.Status != "DEPROVISIONED" && (strings.HasPrefix(strings.ToLower(u.Profile.FirstName), prefix) ||
				strings.HasPrefix(strings.ToLower(u.Profile.LastName), prefix) || strings.HasPrefix(u.Profile.Email, prefix))
		})
		require.Greater(t, len(want), 10)
		r := send(t, srv, "GET", "/api/v1/users?q="+prefix, "")
		assert.Equal(t, want[:10], ids(listedUsers(t, r)), "q defaults to 10 results")
		l := links(t, r.header)
		assert.Equal(t, srv.URL+"/api/v1/users?limit=10&q="+prefix, l["self"])
		assert.NotContains(t, l, "next", "q results are not paginated")

		r = send(t, srv, "GET", "/api/v1/users?limit=200&q="+prefix, "")
		assert.Equal(t, want, ids(listedUsers(t, r)))
	})

	t.Run("deprovisioned users are omitted without filter or search", func(t *testing.T) {
		r := send(t, srv, "GET", "/api/v1/users", "")
		for _, u := range listedUsers(t, r) {
			assert.NotEqual(t, "DEPROVISIONED", u.Status)
		}
		gone := firstUser(t, org, func(u User) bool { return u.Status == "DEPROVISIONED" })
		r = send(t, srv, "GET", "/api/v1/users/"+gone.ID, "")
		assert.Equal(t, http.StatusOK, r.status, "get still finds a deprovisioned user")
	})

	for _, tc := range []struct{ name, param string }{
		{"unquoted value", `filter=status eq ACTIVE`},
		{"unsupported operator", `filter=status ne "ACTIVE"`},
		{"sw in filter", `filter=profile.email sw "a"`},
		{"attribute not filterable", `filter=profile.department eq "IT"`},
		{"unknown attribute", `search=profile.shoeSize eq "9"`},
		{"range on a string", `filter=status gt "A"`},
		{"co on a non-name attribute", `search=status co "ACT"`},
		{"bad timestamp", `filter=lastUpdated gt "yesterday"`},
		{"dangling and", `filter=status eq "ACTIVE" and`},
		{"unbalanced parenthesis", `filter=(status eq "ACTIVE"`},
		{"unterminated string", `search=status eq "ACTIVE`},
		{"not", `filter=not status eq "ACTIVE"`},
	} {
		t.Run("malformed "+tc.name, func(t *testing.T) {
			k, v, _ := strings.Cut(tc.param, "=")
			r := send(t, srv, "GET", "/api/v1/users?"+url.Values{k: {v}}.Encode(), "")
			assertError(t, r, http.StatusBadRequest, "E0000031", "Invalid search criteria.")
		})
	}
}

func TestGetUserAndFactors(t *testing.T) {
	org, srv := serve(t, Config{})
	u := firstUser(t, org, func(User) bool { return true })
	withFactors := firstUser(t, org, func(u User) bool { return len(org.factors[u.ID]) > 0 })
	withoutFactors := firstUser(t, org, func(u User) bool { return len(org.factors[u.ID]) == 0 })

	for _, tc := range []struct{ name, path string }{
		{"by id", "/api/v1/users/" + u.ID},
		{"by login", "/api/v1/users/" + url.PathEscape(u.Profile.Login)},
		{"by escaped login", "/api/v1/users/" + strings.ReplaceAll(u.Profile.Login, "@", "%40")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, srv, "GET", tc.path, "")
			require.Equal(t, http.StatusOK, r.status)
			assert.Equal(t, "application/json", r.header.Get("Content-Type"))
			var got User
			require.NoError(t, json.Unmarshal(r.body, &got))
			want := u
			want.Links.Self.Href = srv.URL + "/api/v1/users/" + u.ID
			assert.Equal(t, want, got)
		})
	}
	t.Run("unknown user", func(t *testing.T) {
		r := send(t, srv, "GET", "/api/v1/users/00uMISSING", "")
		assertError(t, r, http.StatusNotFound, "E0000007", "Not found: Resource not found: 00uMISSING (User)")
	})

	t.Run("factors", func(t *testing.T) {
		r := send(t, srv, "GET", "/api/v1/users/"+withFactors.ID+"/factors", "")
		require.Equal(t, http.StatusOK, r.status)
		var got []map[string]any
		require.NoError(t, json.Unmarshal(r.body, &got))
		require.Len(t, got, len(org.factors[withFactors.ID]))
		for i, f := range got {
			want := org.factors[withFactors.ID][i]
			assert.Equal(t, want.ID, f["id"])
			assert.Equal(t, want.FactorType, f["factorType"])
			self := f["_links"].(map[string]any)["self"].(map[string]any)["href"]
			assert.Equal(t, srv.URL+"/api/v1/users/"+withFactors.ID+"/factors/"+want.ID, self)
		}
		r = send(t, srv, "GET", "/api/v1/users/"+withoutFactors.ID+"/factors", "")
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, "[]", string(r.body))
		assertError(t, send(t, srv, "GET", "/api/v1/users/00uMISSING/factors", ""),
			http.StatusNotFound, "E0000007", "Not found: Resource not found: 00uMISSING (User)")
	})
}

func enrollmentsPath(userID string) string {
	return "/webauthn-registration/api/v1/users/" + userID + "/enrollments"
}

func listedEnrollments(t *testing.T, r response) []Enrollment {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var out []Enrollment
	require.NoError(t, json.Unmarshal(r.body, &out))
	return out
}

func TestEnrollmentsListDeleteMarkError(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	org, srv := serve(t, Config{Now: clk.Now})
	u := firstUser(t, org, func(u User) bool { return len(org.Enrollments(u.ID)) >= 2 })
	empty := firstUser(t, org, func(u User) bool { return len(org.Enrollments(u.ID)) == 0 })
	enrollments := org.Enrollments(u.ID)
	host := "demo.localhost:" + strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)

	t.Run("list", func(t *testing.T) {
		got := listedEnrollments(t, send(t, srv, "GET", enrollmentsPath(u.ID), "", withHost(host)))
		require.Len(t, got, len(enrollments))
		for i, e := range got {
			want := enrollments[i]
			want.Links.Self.Href = "http://" + host + enrollmentsPath(u.ID) + "/" + want.ID
			assert.Equal(t, want, e)
			assert.Equal(t, []string{"DELETE"}, e.Links.Self.Hints.Allow)
		}
		r := send(t, srv, "GET", enrollmentsPath(empty.ID), "")
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, "[]", string(r.body))
		assertError(t, send(t, srv, "GET", enrollmentsPath("00uMISSING"), ""), http.StatusNotFound, "E0000007",
			"Not found: Resource not found: 00uMISSING (User)")
	})

	t.Run("mark-error", func(t *testing.T) {
		target := enrollments[0]
		// Go's client sends Content-Length: 0 for a bodiless POST.
		r := send(t, srv, "POST", enrollmentsPath(u.ID)+"/"+target.ID+"/mark-error", "")
		require.Equal(t, http.StatusNoContent, r.status, string(r.body))
		assert.Empty(t, r.body)
		got := org.Enrollments(u.ID)[0]
		assert.Equal(t, "FULFILLMENT_ERRORED", got.Status)
		assert.Equal(t, "2026-03-01T12:00:00.000Z", got.LastUpdated)
		assert.Equal(t, target.Created, got.Created)

		assertError(t, send(t, srv, "POST", enrollmentsPath(u.ID)+"/fwfMISSING/mark-error", ""),
			http.StatusNotFound, "E0000007", "")
		assertError(t, send(t, srv, "POST", enrollmentsPath("00uMISSING")+"/"+target.ID+"/mark-error", ""),
			http.StatusNotFound, "E0000007", "Not found: Resource not found: 00uMISSING (User)")
	})

	t.Run("mark-error without Content-Length is 411", func(t *testing.T) {
		path := enrollmentsPath(u.ID) + "/" + enrollments[1].ID + "/mark-error"
		chunked := send(t, srv, "POST", path, "", func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader(""))
			r.ContentLength = -1
		})
		assertError(t, chunked, http.StatusLengthRequired, "E0000001", "Api validation failed: Content-Length is required")

		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		require.NoError(t, err)
		defer conn.Close()
		_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: SSWS %s\r\nConnection: close\r\n\r\n",
			path, host, DemoToken)
		require.NoError(t, err)
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		assertError(t, response{status: res.StatusCode, header: res.Header, body: body},
			http.StatusLengthRequired, "E0000001", "")
		assert.Equal(t, enrollments[1], org.Enrollments(u.ID)[1], "a refused request changes nothing")
	})

	t.Run("delete", func(t *testing.T) {
		path := enrollmentsPath(u.ID) + "/" + enrollments[1].ID
		r := send(t, srv, "DELETE", path, "")
		require.Equal(t, http.StatusNoContent, r.status, string(r.body))
		assert.Empty(t, r.body)
		assert.Len(t, org.Enrollments(u.ID), len(enrollments)-1)
		for _, e := range org.Enrollments(u.ID) {
			assert.NotEqual(t, enrollments[1].ID, e.ID)
		}
		assertError(t, send(t, srv, "DELETE", path, ""), http.StatusNotFound, "E0000007",
			"Not found: Resource not found: "+enrollments[1].ID+" (WebAuthnPreregistrationFactor)")
		assertError(t, send(t, srv, "DELETE", enrollmentsPath("00uMISSING")+"/"+enrollments[0].ID, ""),
			http.StatusNotFound, "E0000007", "")
	})
}

func TestLifecyclePosts(t *testing.T) {
	org, srv := serve(t, Config{})
	u := firstUser(t, org, func(u User) bool { return len(org.Enrollments(u.ID)) > 0 })
	existing := org.Enrollments(u.ID)[0]
	const jwk = `{"crv":"P-384","kid":"APCS-Ttrans-C19881-I009","kty":"EC","use":"enc","x":"r6Az","y":"RxPy"}`

	const (
		initiate = "/webauthn-registration/api/v1/initiate-fulfillment-request"
		enroll   = "/webauthn-registration/api/v1/enroll"
		activate = "/webauthn-registration/api/v1/activate"
		sendPin  = "/webauthn-registration/api/v1/send-pin"
	)
	for _, tc := range []struct {
		name, path, body string
		status           int
		code, summary    string
	}{
		{"initiate", initiate, `{"userId":"` + u.ID + `","fulfillmentProvider":"yubico","fulfillmentData":[{"productId":"55","customizationId":"RXJN83","inventoryProductId":"106"}],"extra":1}`,
			http.StatusNoContent, "", ""},
		{"initiate not JSON", initiate, `{"userId":`, http.StatusBadRequest, "E0000003", "The request body was not well-formed."},
		{"initiate trailing data", initiate, `{"userId":"` + u.ID + `","fulfillmentProvider":"yubico"} x`, http.StatusBadRequest, "E0000003", ""},
		{"initiate object for array", initiate, `{"userId":"` + u.ID + `","fulfillmentProvider":"yubico","fulfillmentData":{"productId":"55"}}`,
			http.StatusBadRequest, "E0000003", "The request body was not well-formed."},
		{"initiate array body", initiate, `[]`, http.StatusBadRequest, "E0000003", ""},
		{"initiate wrong provider", initiate, `{"userId":"` + u.ID + `","fulfillmentProvider":"feitian"}`,
			http.StatusBadRequest, "E0000001", "Api validation failed: fulfillmentProvider"},
		{"initiate missing userId", initiate, `{"fulfillmentProvider":"yubico"}`,
			http.StatusBadRequest, "E0000001", "Api validation failed: userId"},
		{"initiate unknown user", initiate, `{"userId":"00uMISSING","fulfillmentProvider":"yubico"}`,
			http.StatusNotFound, "E0000007", "Not found: Resource not found: 00uMISSING (User)"},
		{"enroll string for array", enroll, `{"enrollmentRpIds":"x","fulfillmentProvider":"yubico","userId":"` + u.ID + `"}`,
			http.StatusBadRequest, "E0000003", ""},
		{"enroll wrong provider", enroll, `{"fulfillmentProvider":"YUBICO","userId":"` + u.ID + `","yubicoTransportKeyJWK":` + jwk + `}`,
			http.StatusBadRequest, "E0000001", "Api validation failed: fulfillmentProvider"},
		{"enroll unknown user", enroll, `{"fulfillmentProvider":"yubico","userId":"00uMISSING","yubicoTransportKeyJWK":` + jwk + `}`,
			http.StatusNotFound, "E0000007", ""},
		{"enroll without transport key", enroll, `{"fulfillmentProvider":"yubico","userId":"` + u.ID + `"}`,
			http.StatusBadRequest, "E0000001", ""},
		{"activate unknown enrollment", activate, `{"credResponses":[{"authenticatorEnrollmentId":"fwfMISSING","credResponseJwe":"x"}],"fulfillmentProvider":"yubico","pinResponseJwe":"p","userId":"` + u.ID + `"}`,
			http.StatusNotFound, "E0000007", "Not found: Resource not found: fwfMISSING (WebAuthnPreregistrationFactor)"},
		{"activate missing userId", activate, `{"fulfillmentProvider":"yubico"}`, http.StatusBadRequest, "E0000001", "Api validation failed: userId"},
		{"activate number for string", activate, `{"serial":3632071,"fulfillmentProvider":"yubico","userId":"` + u.ID + `"}`,
			http.StatusBadRequest, "E0000003", ""},
		{"activate without responses", activate, `{"fulfillmentProvider":"yubico","userId":"` + u.ID + `","pinResponseJwe":"p"}`,
			http.StatusBadRequest, "E0000001", "Api validation failed: pinResponseJwe|webAuthnCredResponse"},
		{"send-pin", sendPin, `{"authenticatorEnrollmentId":"` + existing.ID + `","fulfillmentProvider":"yubico","userId":"` + u.ID + `"}`,
			http.StatusNoContent, "", ""},
		{"send-pin unknown enrollment", sendPin, `{"authenticatorEnrollmentId":"fwfMISSING","fulfillmentProvider":"yubico","userId":"` + u.ID + `"}`,
			http.StatusNotFound, "E0000007", ""},
		{"send-pin missing enrollment id", sendPin, `{"fulfillmentProvider":"yubico","userId":"` + u.ID + `"}`,
			http.StatusBadRequest, "E0000001", "Api validation failed: authenticatorEnrollmentId"},
		{"send-pin empty body", sendPin, ``, http.StatusBadRequest, "E0000003", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, srv, "POST", tc.path, tc.body)
			if tc.code == "" {
				assert.Equal(t, tc.status, r.status, string(r.body))
				assert.Empty(t, r.body)
				return
			}
			assertError(t, r, tc.status, tc.code, tc.summary)
		})
	}

	t.Run("validation lists every bad field", func(t *testing.T) {
		e := assertError(t, send(t, srv, "POST", initiate, `{}`), http.StatusBadRequest, "E0000001",
			"Api validation failed: fulfillmentProvider")
		require.Len(t, e.ErrorCauses, 2)
		assert.True(t, strings.HasPrefix(e.ErrorCauses[1].ErrorSummary, "userId: "))
	})

	t.Run("enroll then activate", func(t *testing.T) {
		before := len(org.Enrollments(u.ID))
		r := send(t, srv, "POST", enroll, `{"enrollmentRpIds":["demo.okta.com"],"fulfillmentProvider":"yubico","userId":"`+u.ID+`","yubicoTransportKeyJWK":`+jwk+`}`)
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		assert.Equal(t, "application/json", r.header.Get("Content-Type"))
		var er enrollResponse
		require.NoError(t, json.Unmarshal(r.body, &er))
		require.Len(t, er.CredRequests, 1)
		newID := er.CredRequests[0].AuthenticatorEnrollmentID
		assert.Regexp(t, `^fwf[0-9A-Za-z]{17}$`, newID)
		assert.Regexp(t, `^[0-9a-z]{20}$`, er.CredRequests[0].KeyID)
		assert.Regexp(t, `^eyJ[\w-]+(\.[\w-]+){4}$`, er.CredRequests[0].CredRequestJwe)
		assert.Regexp(t, `^eyJ`, er.PinRequestJwe)
		assert.Equal(t, "yubico", er.FulfillmentProvider)
		assert.Equal(t, u.ID, er.UserID)

		list := org.Enrollments(u.ID)
		require.Len(t, list, before+1)
		created := list[before]
		assert.Equal(t, newID, created.ID)
		assert.Equal(t, "PENDING_ACTIVATION", created.Status)

		r = send(t, srv, "POST", activate, `{"credResponses":[{"authenticatorEnrollmentId":"`+newID+`","credResponseJwe":"eyJ"}],"fulfillmentProvider":"yubico","pinResponseJwe":"eyJ","serial":"3632071","userId":"`+u.ID+`","version":"5.4.3","yubicoSigningJwks":[`+jwk+`]}`)
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		var ar activateResponse
		require.NoError(t, json.Unmarshal(r.body, &ar))
		assert.Equal(t, activateResponse{AuthenticatorEnrollmentIDs: []string{newID}, FulfillmentProvider: "yubico", UserID: u.ID}, ar)
		activated := org.Enrollments(u.ID)[before]
		assert.Equal(t, "ACTIVE", activated.Status)
		assert.NotEmpty(t, activated.Profile.CredentialID)

		got := listedEnrollments(t, send(t, srv, "GET", enrollmentsPath(u.ID), ""))
		assert.Equal(t, "ACTIVE", got[before].Status)
	})
}

func TestRoutingErrors(t *testing.T) {
	_, srv := serve(t, Config{})
	for _, tc := range []struct {
		name, method, path string
		status             int
		code               string
	}{
		{"unknown path", "GET", "/api/v1/groups", http.StatusNotFound, "E0000008"},
		{"trailing slash", "GET", "/api/v1/users/", http.StatusNotFound, "E0000008"},
		{"wrong method on list", "DELETE", "/api/v1/users", http.StatusMethodNotAllowed, "E0000022"},
		{"wrong method on enrollments", "POST", enrollmentsPath("00u1") + "/fwf1", http.StatusMethodNotAllowed, "E0000022"},
		{"GET on enroll", "GET", "/webauthn-registration/api/v1/enroll", http.StatusMethodNotAllowed, "E0000022"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, srv, tc.method, tc.path, "")
			assertError(t, r, tc.status, tc.code, "")
			assert.NotEmpty(t, r.header.Get("X-Rate-Limit-Limit"))
		})
	}
}

func TestAuthAndHost(t *testing.T) {
	org, srv := serve(t, Config{Subdomain: "acme", Token: "secret-token"})
	port := strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
	for _, tc := range []struct {
		name, auth, host string
		status           int
		code, summary    string
	}{
		{"ssws", "SSWS secret-token", "", http.StatusOK, "", ""},
		{"bearer", "Bearer secret-token", "", http.StatusOK, "", ""},
		{"missing header", "", "", http.StatusForbidden, "E0000005", "Invalid session"},
		{"unknown scheme", "Basic secret-token", "", http.StatusForbidden, "E0000005", "Invalid session"},
		{"scheme without token", "SSWS", "", http.StatusForbidden, "E0000005", "Invalid session"},
		{"wrong token", "SSWS nope", "", http.StatusUnauthorized, "E0000011", "Invalid token provided"},
		{"org subdomain", "SSWS secret-token", "acme.localhost:" + port, http.StatusOK, "", ""},
		{"org subdomain any domain", "SSWS secret-token", "acme.okta.example.com", http.StatusOK, "", ""},
		{"plain localhost", "SSWS secret-token", "localhost:" + port, http.StatusOK, "", ""},
		{"ipv6 literal", "SSWS secret-token", "[::1]:" + port, http.StatusOK, "", ""},
		{"other org", "SSWS secret-token", "other.localhost:" + port, http.StatusNotFound, "E0000007", "Not found: org other"},
		{"other org wins over bad auth", "", "other.localhost", http.StatusNotFound, "E0000007", "Not found: org other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mut := []func(*http.Request){withAuth(tc.auth)}
			if tc.host != "" {
				mut = append(mut, withHost(tc.host))
			}
			r := send(t, srv, "GET", "/api/v1/users?limit=1", "", mut...)
			if tc.code == "" {
				assert.Len(t, listedUsers(t, r), 1)
				return
			}
			assertError(t, r, tc.status, tc.code, tc.summary)
		})
	}
	t.Run("refused requests are recorded", func(t *testing.T) {
		org.ClearRequests()
		send(t, srv, "POST", "/webauthn-registration/api/v1/send-pin", `{"userId":"x"}`, withAuth("SSWS nope"))
		reqs := org.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, "POST", reqs[0].Method)
		assert.Equal(t, "/webauthn-registration/api/v1/send-pin", reqs[0].Path)
		assert.Equal(t, `{"userId":"x"}`, string(reqs[0].Body))
		assert.Equal(t, "SSWS nope", reqs[0].Header.Get("Authorization"))
		assert.Equal(t, "127.0.0.1:"+port, reqs[0].Host)

		send(t, srv, "GET", "/api/v1/users?limit=3&q=a", "")
		reqs = org.Requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, "limit=3&q=a", reqs[1].RawQuery)
		reqs[1].Header.Set("Authorization", "changed")
		assert.Equal(t, "SSWS "+DemoToken, org.Requests()[1].Header.Get("Authorization"), "Requests returns copies")
	})
}

func TestCommonHeaders(t *testing.T) {
	clk := &clock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
	_, srv := serve(t, Config{Now: clk.Now})
	for _, path := range []string{"/api/v1/users?limit=1", "/api/v1/nope"} {
		r := send(t, srv, "GET", path, "")
		assert.Regexp(t, `^req[0-9A-Za-z]{23}$`, r.header.Get("X-Okta-Request-Id"))
		assert.Equal(t, "Fri, 01 May 2026 10:00:00 GMT", r.header.Get("Date"))
		assert.Equal(t, "application/json", r.header.Get("Content-Type"))
		assert.Equal(t, "600", r.header.Get("X-Rate-Limit-Limit"))
		assert.Equal(t, "599", r.header.Get("X-Rate-Limit-Remaining"))
		assert.Equal(t, strconv.FormatInt(clk.Now().Add(time.Minute).Unix(), 10), r.header.Get("X-Rate-Limit-Reset"))
	}
}

func TestRateLimit(t *testing.T) {
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	clk := &clock{t: start}
	org, srv := serve(t, Config{RateLimit: 3, Now: clk.Now})
	users := org.Users()
	reset := strconv.FormatInt(start.Add(time.Minute).Unix(), 10)

	// Enrollment lists of different users share the path template's bucket.
	for i, want := range []string{"2", "1", "0"} {
		r := send(t, srv, "GET", enrollmentsPath(users[i].ID), "")
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, "3", r.header.Get("X-Rate-Limit-Limit"))
		assert.Equal(t, want, r.header.Get("X-Rate-Limit-Remaining"))
		assert.Equal(t, reset, r.header.Get("X-Rate-Limit-Reset"))
		clk.advance(10 * time.Second)
	}
	r := send(t, srv, "GET", enrollmentsPath(users[3].ID), "")
	assertError(t, r, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
	assert.Equal(t, "0", r.header.Get("X-Rate-Limit-Remaining"))
	assert.Equal(t, reset, r.header.Get("X-Rate-Limit-Reset"))

	other := send(t, srv, "GET", "/api/v1/users/"+users[0].ID, "")
	assert.Equal(t, http.StatusOK, other.status, "other templates have their own bucket")
	assert.Equal(t, "2", other.header.Get("X-Rate-Limit-Remaining"))
	del := send(t, srv, "DELETE", enrollmentsPath(users[0].ID)+"/fwfMISSING", "")
	assert.Equal(t, http.StatusNotFound, del.status, "other methods have their own bucket")

	clk.advance(30 * time.Second) // 60 s after the bucket's first request
	r = send(t, srv, "GET", enrollmentsPath(users[0].ID), "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "2", r.header.Get("X-Rate-Limit-Remaining"))
	assert.Equal(t, strconv.FormatInt(clk.Now().Add(time.Minute).Unix(), 10), r.header.Get("X-Rate-Limit-Reset"))

	t.Run("exact under concurrency", func(t *testing.T) {
		const limit, total = 40, 100
		_, srv := serve(t, Config{RateLimit: limit, Users: 10})
		var wg sync.WaitGroup
		statuses := make(chan int, total)
		for range total {
			wg.Go(func() {
				req, _ := http.NewRequest("GET", srv.URL+"/api/v1/users?limit=1", nil)
				req.Header.Set("Authorization", "SSWS "+DemoToken)
				res, err := srv.Client().Do(req)
				if err != nil {
					statuses <- 0
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				statuses <- res.StatusCode
			})
		}
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for s := range statuses {
			count[s]++
		}
		assert.Equal(t, map[int]int{http.StatusOK: limit, http.StatusTooManyRequests: total - limit}, count)
	})

	t.Run("unlimited", func(t *testing.T) {
		_, srv := serve(t, Config{RateLimit: -1, Users: 10})
		for range 5 {
			r := send(t, srv, "GET", "/api/v1/users", "")
			require.Equal(t, http.StatusOK, r.status)
			limit, err := strconv.Atoi(r.header.Get("X-Rate-Limit-Limit"))
			require.NoError(t, err)
			assert.GreaterOrEqual(t, limit, 1_000_000)
			assert.NotEmpty(t, r.header.Get("X-Rate-Limit-Remaining"))
		}
	})
}

func TestLatency(t *testing.T) {
	_, srv := serve(t, Config{Latency: 60 * time.Millisecond, Users: 5})
	begin := time.Now()
	r := send(t, srv, "GET", "/api/v1/users", "")
	assert.Equal(t, http.StatusOK, r.status)
	assert.GreaterOrEqual(t, time.Since(begin), 60*time.Millisecond)

	org, slow := serve(t, Config{Latency: time.Minute, Users: 5})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", slow.URL+"/api/v1/users", nil)
	require.NoError(t, err)
	begin = time.Now()
	_, err = slow.Client().Do(req)
	require.Error(t, err)
	assert.Less(t, time.Since(begin), 5*time.Second)
	assert.Len(t, org.Requests(), 1, "requests are recorded before the delay")
	// Closing the server waits for handlers, so this also proves the handler
	// gave up when the client went away.
	done := make(chan struct{})
	go func() { slow.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("handler kept sleeping after the request was canceled")
	}
}
