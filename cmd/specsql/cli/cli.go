// Package cli is specsql's command line, runnable in-process for tests.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// usageError marks errors in how the command was called.
type usageError struct{ error }

// interrupts routes Ctrl-C: to whatever registered a handler (the shell,
// which cancels only its running statement), else to the whole command.
type interrupts struct {
	mu      sync.Mutex
	handler func()
	cancel  context.CancelFunc
}

// handle makes Ctrl-C call h instead of ending the command, until the
// returned function is called.
func (i *interrupts) handle(h func()) (restore func()) {
	i.mu.Lock()
	prev := i.handler
	i.handler = h
	i.mu.Unlock()
	return func() {
		i.mu.Lock()
		i.handler = prev
		i.mu.Unlock()
	}
}

func (i *interrupts) fire() {
	i.mu.Lock()
	h := i.handler
	i.mu.Unlock()
	if h != nil {
		h()
		return
	}
	i.cancel()
}

type interruptsKey struct{}

// interruptsOf returns the command's interrupt routing.
func interruptsOf(ctx context.Context) *interrupts {
	i, _ := ctx.Value(interruptsKey{}).(*interrupts)
	return i
}

// Run runs the command line and returns the process exit code.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	intr := &interrupts{cancel: cancel}
	ctx = context.WithValue(ctx, interruptsKey{}, intr)
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt)
	defer signal.Stop(signals)
	go func() {
		for {
			select {
			case <-signals:
				intr.fire()
			case <-ctx.Done():
				return
			}
		}
	}()
	stderr = &redactor{w: stderr}
	defer func() {
		// A bug must not end in a stack trace that may hold a token.
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "specsql: internal error: %v\nPlease report this, with the statement that caused it.\n", r)
			code = exitError
		}
	}()
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return exitOK
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "specsql: interrupted; statements in flight were cancelled")
		return exitInterrupted
	}
	fmt.Fprintf(stderr, "specsql: %s\n", strings.TrimSpace(err.Error()))
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitError
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "specsql",
		Short:         "SQL over REST APIs described by OpenAPI",
		Long:          "specsql maps OpenAPI specs to tables: SELECT lists, DELETE deletes and EXEC runs lifecycle methods.\nThe built-in provider is Okta: okta.webauthn_registration.enrollments, okta.users.users, okta.users.factors.",
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newExecCommand(), newShellCommand(), newServeCommand(), newDocsCommand(), newFakeOktaCommand(), newFakeHRCommand())
	return root
}
