package cli

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/engine"
)

func TestProgressLineIsForTerminalsOnly(t *testing.T) {
	require.Nil(t, newProgressLine(&bytes.Buffer{}))
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	require.NoError(t, err)
	defer f.Close()
	require.Nil(t, newProgressLine(f), "a file is not a terminal")
}

func TestProgressLineRewritesOneLine(t *testing.T) {
	var buf bytes.Buffer
	p := &progressLine{w: &buf, tick: time.Hour, start: time.Now()}
	p.update(engine.Progress{CallsDone: 0, CallsKnown: 1})
	require.Empty(t, buf.String(), "a single call shows nothing")
	p.last = time.Time{}
	p.update(engine.Progress{CallsDone: 3, CallsKnown: 40, Rows: 12, RateLimitWait: 1500 * time.Millisecond})
	require.Regexp(t, `^\r\x1b\[Kcalls 3/40 · rows 12 · \d+(\.\d)?m?s · waited 1.5s for rate limits$`, buf.String())
	p.update(engine.Progress{CallsDone: 4, CallsKnown: 40})
	require.NotContains(t, buf.String(), "calls 4/40", "updates within a tick are dropped")
	buf.Reset()
	p.clear()
	require.Equal(t, "\r\x1b[K", buf.String())
	buf.Reset()
	p.clear()
	require.Empty(t, buf.String())
}
