package mapping

import (
	"os"
	"path/filepath"
	"testing"
)

// SharedReference returns a path under ../shared/reference, the reference
// data kept next to the repository. Without it a test skips, except in CI
// (CI set), where the folder is always there and its absence is a failure.
// It is exported for the external tests of this package.
func SharedReference(t testing.TB, rel string) string {
	t.Helper()
	path := filepath.Join("..", "..", "shared", "reference", rel)
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s: %v; CI runs with the shared reference folder next to the repository", path, err)
		}
		t.Skipf("%s is absent (set CI to make this a failure)", path)
	}
	return path
}

// OfficialOverlay is the overlay that maps Okta's official spec, which it
// names in ../shared.
func OfficialOverlay(t testing.TB) string {
	t.Helper()
	SharedReference(t, "okta-openapi/management-minimal.yaml")
	return filepath.Join("..", "testdata", "okta-official", "okta.overlay.yaml")
}
