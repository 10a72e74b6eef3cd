package mapping_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/mapping"
	"github.com/specsql/specsql/provider/okta"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestDescribeGolden pins every built-in table's fields, methods and
// parameters; a mapping change shows up as a diff of these files.
func TestDescribeGolden(t *testing.T) {
	p, err := okta.Provider()
	require.NoError(t, err)
	tables := []string{
		"okta.webauthn_registration.enrollments",
		"okta.users.users",
		"okta.users.factors",
	}
	reg := &mapping.Registry{}
	require.NoError(t, reg.Add(p))
	for _, id := range tables {
		t.Run(id, func(t *testing.T) {
			res, err := reg.Lookup(id)
			require.NoError(t, err)
			got := mapping.Describe(res)
			path := filepath.Join("..", "testdata", "describe", id+".txt")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./mapping -update to create it")
			require.Equal(t, string(want), got)
		})
	}
	var all []string
	for _, s := range p.Services {
		for _, r := range s.Resources {
			all = append(all, r.ID())
		}
	}
	require.ElementsMatch(t, tables, all, "every built-in table needs a golden description")
}
