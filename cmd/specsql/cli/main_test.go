package cli

import (
	"os"
	"testing"
)

// TestMain keeps the tests away from the user's own config file and spec
// cache.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "specsql-config")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	os.Setenv("SPECSQL_CACHE_DIR", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
