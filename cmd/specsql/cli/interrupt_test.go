package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/fakeokta"
)

// TestInterruptCancelsAndExits130 runs the real binary, as a user does, and
// presses Ctrl-C while calls are in flight.
func TestInterruptCancelsAndExits130(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "specsql")
	build := exec.Command("go", "build", "-o", bin, "github.com/specsql/specsql/cmd/specsql")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	o := startFaulty(t, fakeokta.Fault{Path: "/webauthn-registration/", Delay: time.Minute})
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, "exec", "--server", "okta="+o.url, suspendedAudit)
	cmd.Env = append(os.Environ(), "OKTA_API_TOKEN="+secretToken, "XDG_CONFIG_HOME="+t.TempDir())
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())

	// Wait until the fan-out has begun: enrollment calls are in flight.
	deadline := time.Now().Add(10 * time.Second)
	for o.seen("GET") < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	require.GreaterOrEqual(t, o.seen("GET"), 2)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))

	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		require.True(t, errors.As(err, &exit), "the command must fail: %v", err)
		require.Equal(t, 130, exit.ExitCode())
	case <-time.After(10 * time.Second):
		cmd.Process.Kill() //nolint:errcheck // the test failed already
		t.Fatal("Ctrl-C did not stop the command")
	}
	require.Empty(t, stdout.String(), "no partial result")
	require.Contains(t, stderr.String(), "interrupted")
	require.NotContains(t, stderr.String(), secretToken)
}
