package engine

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/fakeokta"
)

func TestCacheServesIdenticalCalls(t *testing.T) {
	f := newFixture(t, fakeokta.Config{RateLimit: -1})
	f.engine.Cache = NewCache(time.Minute)
	user := f.org.Users()[0].ID
	list := "SELECT id FROM okta.webauthn_registration.enrollments WHERE subdomain = 'demo' AND userId = '" + user + "' ORDER BY id"
	calls := func() int {
		n := len(f.org.Requests())
		f.org.ClearRequests()
		return n
	}

	first, _, err := f.run(t, list)
	require.NoError(t, err)
	require.Equal(t, 1, calls())
	again, _, err := f.run(t, list)
	require.NoError(t, err)
	require.Equal(t, first.rows, again.rows, "the same rows")
	require.Equal(t, 0, calls(), "served from the cache")

	_, _, err = f.run(t, "REFRESH "+list)
	require.NoError(t, err)
	require.Equal(t, 1, calls(), "REFRESH before a SELECT reads past the cache")

	_, status, err := f.run(t, "REFRESH")
	require.NoError(t, err)
	require.Equal(t, "REFRESH", status)
	require.Zero(t, f.engine.Cache.Len())
	_, _, err = f.run(t, list)
	require.NoError(t, err)
	require.Equal(t, 1, calls(), "a bare REFRESH empties the cache")

	// Another token is another identity: its rows are its own.
	f.engine.Client.Tokens["okta"] = "another-token"
	_, _, err = f.run(t, list)
	require.Error(t, err, "the fake org refuses the other token")
	require.Equal(t, 1, calls())
	f.engine.Client.Tokens["okta"] = fakeokta.DemoToken

	// A change through the API drops what was cached.
	enrollment := f.org.Enrollments(user)[0].ID
	_, _, err = f.run(t, list)
	require.NoError(t, err)
	calls()
	_, _, err = f.run(t, "DELETE FROM okta.webauthn_registration.enrollments WHERE subdomain = 'demo' AND userId = '"+user+"' AND authenticatorEnrollmentId = '"+enrollment+"'")
	require.NoError(t, err)
	after, _, err := f.run(t, list)
	require.NoError(t, err)
	require.Equal(t, 2, calls(), "the DELETE, then a fresh list")
	require.Len(t, after.rows, len(first.rows)-1)
}

func TestCacheKeepsOnlyCompleteCallsAndExpires(t *testing.T) {
	f := newFixture(t, fakeokta.Config{RateLimit: -1, Users: 450})
	f.engine.Cache = NewCache(time.Minute)
	_, _, err := f.run(t, "SELECT id FROM okta.users.users WHERE subdomain = 'demo' LIMIT 3")
	require.NoError(t, err)
	require.Zero(t, f.engine.Cache.Len(), "a call stopped by LIMIT holds only some rows")

	f.engine.Cache = NewCache(time.Millisecond)
	_, _, err = f.run(t, "SELECT count(*) FROM okta.users.users WHERE subdomain = 'demo'")
	require.NoError(t, err)
	time.Sleep(5 * time.Millisecond)
	f.org.ClearRequests()
	_, _, err = f.run(t, "SELECT count(*) FROM okta.users.users WHERE subdomain = 'demo'")
	require.NoError(t, err)
	require.Len(t, f.org.Requests(), 3, "an expired entry is fetched again, every page")
}
