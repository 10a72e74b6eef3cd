package cli

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/fakeokta"
)

var update = flag.Bool("update", false, "rewrite golden files")

// The fake's port and request ids change from run to run.
var (
	portPattern      = regexp.MustCompile(`localhost:\d+`)
	requestIDPattern = regexp.MustCompile(`request id [A-Za-z0-9]+`)
)

// TestExecGolden runs each case under testdata/exec against the fake org.
// A case is a folder: args (one argument per line, $SERVER standing for
// the fake org's URL template), and the expected stdout.txt, stderr.txt and
// exit code (exit, 0 when absent). Output is compared byte for byte, with
// the fake's port written as PORT and request ids as REQUEST_ID.
func TestExecGolden(t *testing.T) {
	root := filepath.Join("..", "..", "..", "testdata", "exec")
	dirs, err := os.ReadDir(root)
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		dir := filepath.Join(root, d.Name())
		t.Run(d.Name(), func(t *testing.T) {
			o := startOrg(t, fakeokta.Config{})
			argsText, err := os.ReadFile(filepath.Join(dir, "args"))
			require.NoError(t, err)
			var args []string
			for _, line := range strings.Split(strings.TrimRight(string(argsText), "\n"), "\n") {
				args = append(args, strings.ReplaceAll(line, "$SERVER", o.url))
			}
			stdout, stderr, code := run(t, "", args...)
			stdout = portPattern.ReplaceAllString(stdout, "localhost:PORT")
			stderr = portPattern.ReplaceAllString(stderr, "localhost:PORT")
			stderr = requestIDPattern.ReplaceAllString(stderr, "request id REQUEST_ID")
			if *update {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "stdout.txt"), []byte(stdout), 0o644))
				require.NoError(t, os.WriteFile(filepath.Join(dir, "stderr.txt"), []byte(stderr), 0o644))
				exitFile := filepath.Join(dir, "exit")
				if code != 0 {
					require.NoError(t, os.WriteFile(exitFile, []byte(strconv.Itoa(code)+"\n"), 0o644))
				} else if err := os.Remove(exitFile); err != nil && !os.IsNotExist(err) {
					require.NoError(t, err)
				}
			}
			wantOut, err := os.ReadFile(filepath.Join(dir, "stdout.txt"))
			require.NoError(t, err, "run go test ./cmd/specsql/cli -run TestExecGolden -update to create it")
			wantErr, err := os.ReadFile(filepath.Join(dir, "stderr.txt"))
			require.NoError(t, err)
			wantCode := 0
			if data, err := os.ReadFile(filepath.Join(dir, "exit")); err == nil {
				wantCode, err = strconv.Atoi(strings.TrimSpace(string(data)))
				require.NoError(t, err)
			}
			require.Equal(t, string(wantOut), stdout)
			require.Equal(t, string(wantErr), stderr)
			require.Equal(t, wantCode, code)
		})
	}
}
