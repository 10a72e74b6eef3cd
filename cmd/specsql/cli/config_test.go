package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/fakeokta"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

func TestConfigFileSetsServersAndProviders(t *testing.T) {
	o := startOrg(t, fakeokta.Config{})
	hr, err := filepath.Abs(filepath.Join("..", "..", "..", "testdata", "hr", "hr.yaml"))
	require.NoError(t, err)
	path := writeConfig(t, "servers:\n  okta: "+o.url+"\nproviders:\n  hr: "+hr+"\n")
	stdout, stderr, code := run(t, "", "exec", "--config", path, "-o", "csv",
		"SELECT id FROM okta.users.users WHERE subdomain = 'demo' AND id = '00uTCzrt0njgq8tVxtzw'; EXPLAIN SELECT id FROM hr.employees.employees LIMIT 1")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "id\n00uTCzrt0njgq8tVxtzw\n")
	require.Contains(t, stdout, "hr.employees.employees")
}

func TestDefaultConfigFileIsRead(t *testing.T) {
	o := startOrg(t, fakeokta.Config{})
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "specsql"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "specsql", "config.yaml"), []byte("servers:\n  okta: "+o.url+"\n"), 0o644))
	stdout, stderr, code := run(t, "", "exec", "-o", "csv", "SELECT id FROM okta.users.users WHERE subdomain = 'demo' AND id = '00uTCzrt0njgq8tVxtzw'")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, "id\n00uTCzrt0njgq8tVxtzw\n", stdout)
}

func TestConfigCustomDomains(t *testing.T) {
	// A custom domain is accepted as a host; other hosts stay refused.
	path := writeConfig(t, "customDomains:\n  okta: [login.example.com]\n")
	_, stderr, code := run(t, "", "exec", "--config", path, "EXPLAIN SELECT id FROM okta.users.users WHERE subdomain = 'login.example.com'")
	require.Equal(t, 0, code, stderr)
	_, stderr, code = run(t, "", "exec", "--config", path, "EXPLAIN DELETE FROM okta.webauthn_registration.enrollments WHERE subdomain = 'evil.example.com' AND userId = 'u' AND authenticatorEnrollmentId = 'e'")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, `subdomain = "evil.example.com" is refused`, "EXPLAIN checks the hosts too")
}

func TestConfigErrors(t *testing.T) {
	cases := map[string]string{
		"unknown key":  "servrs:\n  okta: x\n",
		"wrong type":   "providers: [a, b]\n",
		"not yaml":     "servers: [\n",
		"bad provider": "providers:\n  hr: /nonexistent/hr.yaml\n",
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			_, stderr, code := run(t, "", "exec", "--config", writeConfig(t, text), "SELECT 1")
			require.NotEqual(t, 0, code)
			require.Contains(t, stderr, "specsql: ")
		})
	}
	_, stderr, code := run(t, "", "exec", "--config", writeConfig(t, ""), "SELECT 1")
	require.Equal(t, 0, code, "an empty config file is no settings: %s", stderr)
}
