package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/specsql/specsql/engine"
	"github.com/specsql/specsql/output"
	"github.com/specsql/specsql/planner"
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
