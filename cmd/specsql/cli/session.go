package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/specsql/specsql/engine"
	"github.com/specsql/specsql/output"
	"github.com/specsql/specsql/planner"
	"github.com/spf13/cobra"
)

// session runs statements for the exec command and the shell: it plans them
// all, checks their calls, then runs them in order, writing results to
// stdout and status lines to stderr.
type session struct {
	planner          *planner.Planner
	engine           *engine.Engine
	vars             map[string]string
	format           string
	dryRun           bool
	statementTimeout time.Duration
	stdout, stderr   io.Writer
	progress         *progressLine
}

// sessionFlags are the flags of the commands that run statements (exec,
// shell) beyond those that reach providers.
type sessionFlags struct {
	connection
	format           string
	vars             []string
	statementTimeout time.Duration
}

func (f *sessionFlags) register(cmd *cobra.Command, cacheTTL time.Duration, about string) {
	flags := cmd.Flags()
	flags.StringVarP(&f.format, "output", "o", "table", "output format: "+strings.Join(output.Formats, ", "))
	flags.StringArrayVar(&f.vars, "var", nil, "set a {{ template }} variable: --var name=value (repeatable)")
	flags.DurationVar(&f.statementTimeout, "statement-timeout", time.Hour, "how long one statement may take, all its calls included")
	f.connection.register(cmd)
	f.connection.registerCache(cmd, cacheTTL, about)
}

// open checks the flags, loads the providers and returns a session for
// cmd's output; stop shuts down the demo org, if one was started.
func (f *sessionFlags) open(cmd *cobra.Command) (_ *session, stop func(), _ error) {
	values, err := parseVars(f.vars)
	if err != nil {
		return nil, nil, err
	}
	if _, err := output.New(f.format, io.Discard); err != nil {
		return nil, nil, usageError{err}
	}
	reg, eng, stop, err := f.connection.open(cmd.Context(), cmd.ErrOrStderr())
	if err != nil {
		return nil, nil, err
	}
	return &session{
		planner:          &planner.Planner{Registry: reg},
		engine:           eng,
		vars:             values,
		format:           f.format,
		statementTimeout: f.statementTimeout,
		stdout:           cmd.OutOrStdout(),
		stderr:           cmd.ErrOrStderr(),
		progress:         newProgressLine(cmd.ErrOrStderr()),
	}, stop, nil
}

// run runs every statement of input, or none if any is wrong.
func (s *session) run(ctx context.Context, input string) error {
	plans, err := s.planner.Prepare(input, s.vars)
	if err != nil {
		return err
	}
	for i, plan := range plans {
		sends := !s.dryRun || plan.Statement.Kind == planner.KindSelect
		if err := s.engine.Check(plan, sends); err != nil {
			if len(plans) > 1 {
				return fmt.Errorf("statement %d: %w", i+1, err)
			}
			return err
		}
	}
	for i, plan := range plans {
		if err := s.runPlan(ctx, i+1, plan); err != nil {
			return err
		}
	}
	return nil
}

func (s *session) runPlan(ctx context.Context, n int, plan *planner.Plan) error {
	if s.dryRun {
		requests, changes, err := s.engine.DryRun(plan)
		if err != nil {
			return err
		}
		if changes {
			for _, r := range requests {
				fmt.Fprint(s.stdout, r)
			}
			noun := "requests"
			if len(requests) == 1 {
				noun = "request"
			}
			fmt.Fprintf(s.stderr, "%s: dry run, %d %s not sent\n", plan.Statement.Kind, len(requests), noun)
			return nil
		}
	}
	w, err := output.New(s.format, s.stdout)
	if err != nil {
		return err
	}
	s.engine.Progress = nil
	if s.progress != nil {
		s.engine.Progress = s.progress.update
		w = &clearFirst{ResultWriter: w, progress: s.progress}
		defer s.progress.clear()
	}
	stmtCtx, cancel := context.WithTimeout(ctx, s.statementTimeout)
	defer cancel()
	status, err := s.engine.Run(stmtCtx, plan, w)
	if err != nil {
		if ctx.Err() == nil && errors.Is(stmtCtx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("statement %d did not finish within --statement-timeout %s: %w", n, s.statementTimeout, err)
		}
		return err
	}
	if status != "" {
		fmt.Fprintln(s.stderr, status)
	}
	return nil
}
