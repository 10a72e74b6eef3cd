package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/specsql/specsql/engine"
)

// progressLine shows a statement's calls on one line of a terminal,
// rewritten in place at most every tick, and erased before anything else
// is written.
type progressLine struct {
	w     io.Writer
	tick  time.Duration
	start time.Time

	mu    sync.Mutex
	last  time.Time
	shown bool
}

// newProgressLine returns a progress line for stderr, or nil when stderr is
// not a terminal: scripts and pipes get no progress, ever.
func newProgressLine(stderr io.Writer) *progressLine {
	dest := stderr
	if r, ok := stderr.(*redactor); ok {
		dest = r.w
	}
	f, ok := dest.(*os.File)
	if !ok || !(isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		return nil
	}
	return &progressLine{w: stderr, tick: 100 * time.Millisecond, start: time.Now()}
}

func (p *progressLine) update(pr engine.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < p.tick {
		return
	}
	p.last = now
	// A handful of calls needs no progress line.
	if pr.CallsKnown < 2 && !p.shown {
		return
	}
	line := fmt.Sprintf("calls %d/%d · rows %d · %s", pr.CallsDone, pr.CallsKnown, pr.Rows, now.Sub(p.start).Round(100*time.Millisecond))
	if pr.RateLimitWait > 0 {
		line += fmt.Sprintf(" · waited %s for rate limits", pr.RateLimitWait.Round(100*time.Millisecond))
	}
	fmt.Fprintf(p.w, "\r\033[K%s", line)
	p.shown = true
}

func (p *progressLine) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

// clearFirst erases the progress line before a result is written, so the
// two never mix on a terminal.
type clearFirst struct {
	engine.ResultWriter
	progress *progressLine
}

func (c *clearFirst) Begin(cols []engine.Column) error {
	c.progress.clear()
	return c.ResultWriter.Begin(cols)
}
