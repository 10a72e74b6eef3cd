package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/fakeokta"
)

// reference returns a path under ../shared/reference; see
// mapping.SharedReference for when a test may skip without it.
func reference(t *testing.T, rel string) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("..", "..", "..", "..", "shared", "reference", rel))
	require.NoError(t, err)
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s: %v; CI runs with the shared reference folder next to the repository", path, err)
		}
		t.Skipf("%s is absent (set CI to make this a failure)", path)
	}
	return path
}

// TestProvidersFromEveryKindOfSource loads StackQL's Okta files and Okta's
// official spec (through its overlay, named in the config file) beside
// the built-in provider, prints their warnings once, and answers a query
// through each, the second run from the cache of parsed specs.
func TestProvidersFromEveryKindOfSource(t *testing.T) {
	o := startOrg(t, fakeokta.Config{})
	cache := t.TempDir()
	t.Setenv("SPECSQL_CACHE_DIR", cache)
	stackql := reference(t, "stackql-okta")
	reference(t, "okta-openapi/management-minimal.yaml")
	overlay, err := filepath.Abs(filepath.Join("..", "..", "..", "testdata", "okta-official", "okta.overlay.yaml"))
	require.NoError(t, err)
	config := writeConfig(t, "providers:\n  official: "+overlay+"\n")
	user := o.userWith(t, hasEnrollments)
	query := "SELECT id, status FROM %s.webauthn_registration.enrollments WHERE subdomain = 'demo' AND userId = '" + user + "' ORDER BY id"
	var statements []string
	for _, p := range []string{"okta", "stackql", "official"} {
		statements = append(statements, strings.ReplaceAll(query, "%s", p))
	}
	written := map[string]int64{}
	for i := range 2 {
		stdout, stderr, code := run(t, "", "exec", "--config", config, "-o", "csv",
			"--provider", "stackql="+stackql,
			"--server", "okta="+o.url, "--server", "stackql="+o.url, "--server", "official="+o.url,
			strings.Join(statements, "; "))
		require.Equal(t, 0, code, stderr)
		answers := strings.Split(stdout, "id,status\n")[1:]
		require.Len(t, answers, 3, stdout)
		assert.NotEmpty(t, answers[0])
		assert.Equal(t, answers[0], answers[1])
		assert.Equal(t, answers[0], answers[2])
		assert.Equal(t, 1, strings.Count(stderr, "55 of 57 services have no document"), "run %d: each warning once: %s", i+1, stderr)
		assert.Equal(t, 1, strings.Count(stderr, "management-minimal.yaml: does not pass OpenAPI validation, loaded anyway"), stderr)
		assert.Contains(t, stderr, "specsql: warning: --provider official: ")

		entries, err := os.ReadDir(cache)
		require.NoError(t, err)
		require.Len(t, entries, 2, "one cache entry per loaded spec")
		for _, e := range entries {
			info, err := e.Info()
			require.NoError(t, err)
			if i == 0 {
				written[e.Name()] = info.ModTime().UnixNano()
			} else {
				assert.Equal(t, written[e.Name()], info.ModTime().UnixNano(), "the second run reads the entries, not rewrites them")
			}
		}
	}
}

func TestProviderPathErrors(t *testing.T) {
	dir := t.TempDir()
	_, stderr, code := run(t, "", "exec", "--provider", "x="+dir, "SELECT 1")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "--provider x="+dir+": "+dir+" is a directory without provider.yaml")
}
