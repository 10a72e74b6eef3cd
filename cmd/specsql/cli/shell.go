package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chzyer/readline"
	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/specsql/specsql/output"
	"github.com/specsql/specsql/planner"
)

const shellHelp = `Statements end with ';' and may span lines. Ctrl-C cancels the running statement; Ctrl-D quits.
  .output table|json|ndjson|csv   how results are printed
  .var name=value                 set a {{ template }} variable
  .help                           this help
  .quit                           leave
Discovery: SHOW PROVIDERS; SHOW SERVICES IN okta; SHOW RESOURCES IN okta.users;
           SHOW METHODS IN okta.users.users; DESCRIBE okta.users.users;
REFRESH; empties the result cache; REFRESH SELECT ... reads past it.
`

func newShellCommand() *cobra.Command {
	var flags sessionFlags
	cmd := &cobra.Command{
		Use:   "shell",
		Short: "Run statements interactively, or from standard input when it is not a terminal",
		RunE: func(cmd *cobra.Command, _ []string) error {
			sess, stop, err := flags.open(cmd)
			if err != nil {
				return err
			}
			defer stop()
			sh := &shell{session: *sess}
			if f, ok := cmd.InOrStdin().(*os.File); ok && isatty.IsTerminal(f.Fd()) {
				return sh.interactive(cmd.Context(), f)
			}
			return sh.script(cmd.Context(), cmd.InOrStdin())
		},
	}
	flags.register(cmd, 5*time.Minute, "")
	return cmd
}

// shell reads statements line by line and runs each as it is finished.
type shell struct {
	session
	buffer strings.Builder
	failed bool
}

// line takes one line of input. It returns true when the shell should end.
func (sh *shell) line(ctx context.Context, line string) bool {
	if sh.buffer.Len() == 0 {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, ".") {
			return sh.command(trimmed)
		}
		if trimmed == "" {
			return false
		}
	}
	sh.buffer.WriteString(line + "\n")
	if !planner.Complete(sh.buffer.String()) {
		return false
	}
	input := sh.buffer.String()
	sh.buffer.Reset()
	sh.statement(ctx, input)
	return false
}

// statement runs statements; Ctrl-C cancels them and not the shell.
func (sh *shell) statement(ctx context.Context, input string) {
	stmtCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if intr := interruptsOf(ctx); intr != nil {
		defer intr.handle(cancel)()
	}
	if err := sh.run(stmtCtx, input); err != nil {
		sh.failed = true
		if stmtCtx.Err() != nil && ctx.Err() == nil {
			fmt.Fprintln(sh.stderr, "cancelled")
			return
		}
		fmt.Fprintf(sh.stderr, "error: %s\n", strings.TrimSpace(err.Error()))
	}
}

// command runs a dot command.
func (sh *shell) command(line string) bool {
	name, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case ".quit", ".exit", ".q":
		return true
	case ".help":
		fmt.Fprint(sh.stdout, shellHelp)
	case ".output", ".mode":
		if _, err := output.New(arg, io.Discard); err != nil {
			fmt.Fprintf(sh.stderr, "error: %s\n", err)
			sh.failed = true
			break
		}
		sh.format = arg
	case ".var":
		k, v, ok := strings.Cut(arg, "=")
		if !ok || strings.TrimSpace(k) == "" {
			fmt.Fprintln(sh.stderr, "error: write .var name=value")
			sh.failed = true
			break
		}
		sh.vars[strings.TrimSpace(k)] = v
	default:
		fmt.Fprintf(sh.stderr, "error: unknown command %s; .help lists them\n", name)
		sh.failed = true
	}
	return false
}

// script reads statements from a pipe or file: every statement runs, and
// the shell fails at the end if any did.
func (sh *shell) script(ctx context.Context, in io.Reader) error {
	scanner := bufio.NewScanner(in)
	scanner.Buffer(make([]byte, 64*1024), 16<<20)
	for scanner.Scan() {
		if sh.line(ctx, scanner.Text()) || ctx.Err() != nil {
			break
		}
	}
	if err := scanner.Err(); err != nil {
		return err
	}
	if rest := strings.TrimSpace(sh.buffer.String()); rest != "" {
		// A last statement without ';' still runs.
		sh.buffer.Reset()
		sh.statement(ctx, rest)
	}
	if sh.failed {
		return errors.New("some statements failed")
	}
	return nil
}

// interactive edits lines with history and completion.
func (sh *shell) interactive(ctx context.Context, stdin *os.File) error {
	history := ""
	if dir, err := os.UserConfigDir(); err == nil {
		history = filepath.Join(dir, "specsql", "history")
		_ = os.MkdirAll(filepath.Dir(history), 0o700)
	}
	rl, err := readline.NewEx(&readline.Config{
		Prompt:          "specsql> ",
		HistoryFile:     history,
		AutoComplete:    &completer{registry: sh.planner.Registry, pending: sh.buffer.String},
		InterruptPrompt: "^C",
		EOFPrompt:       ".quit",
		Stdin:           stdin,
		Stdout:          sh.stdout,
		Stderr:          sh.stderr,
	})
	if err != nil {
		return err
	}
	defer rl.Close()
	fmt.Fprintln(sh.stdout, "specsql shell: statements end with ';'. .help for help, Ctrl-D to quit.")
	for ctx.Err() == nil {
		if sh.buffer.Len() == 0 {
			rl.SetPrompt("specsql> ")
		} else {
			rl.SetPrompt("     ...> ")
		}
		line, err := rl.Readline()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			sh.buffer.Reset()
			continue
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return err
		}
		if sh.line(ctx, line) {
			return nil
		}
	}
	return nil
}
