package planner

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/mapping"
	"github.com/specsql/specsql/openapi"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestExplainGolden plans each testdata/explain/*.sql, with the built-in
// Okta provider and the HR provider loaded, and compares the EXPLAIN
// output with the .txt beside it. Nothing is called.
func TestExplainGolden(t *testing.T) {
	pl := oktaPlanner(t)
	doc, err := openapi.LoadFile(filepath.Join("..", "testdata", "hr", "hr.yaml"))
	require.NoError(t, err)
	hr, err := mapping.FromDocument(doc, "hr")
	require.NoError(t, err)
	require.NoError(t, pl.Registry.Add(hr))

	files, err := filepath.Glob(filepath.Join("..", "testdata", "explain", "*.sql"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".sql")
		t.Run(name, func(t *testing.T) {
			input, err := os.ReadFile(file)
			require.NoError(t, err)
			plans, err := pl.Prepare(string(input), nil)
			require.NoError(t, err)
			var out strings.Builder
			for _, p := range plans {
				require.True(t, p.Statement.Explain)
				for _, line := range p.Explain() {
					out.WriteString(line + "\n")
				}
			}
			golden := strings.TrimSuffix(file, ".sql") + ".txt"
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(out.String()), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test ./planner -run TestExplainGolden -update to create it")
			require.Equal(t, string(want), out.String())
		})
	}
}
