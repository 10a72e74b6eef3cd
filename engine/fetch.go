package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/specsql/specsql/planner"
	"github.com/specsql/specsql/provider"
)

// fetch fills the tables of one statement. Every table starts as soon as
// the tables it takes values from are filled; all calls share one bound on
// concurrency, so a fan-out of thousands of calls keeps a steady number in
// flight.
type fetch struct {
	engine *Engine
	db     *sql.DB
	slots  chan struct{}
	// refresh bypasses the cache's rows, and replaces them.
	refresh bool

	mu    sync.Mutex // guards progress
	state Progress
}

func (e *Engine) fillAll(ctx context.Context, db *sql.DB, tables []*planner.Table, refresh bool) error {
	n := e.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	f := &fetch{engine: e, db: db, slots: make(chan struct{}, n), refresh: refresh}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	done := make(map[*planner.Table]chan struct{}, len(tables))
	for _, t := range tables {
		done[t] = make(chan struct{})
	}
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) {
		errOnce.Do(func() {
			firstErr = err
			cancel()
		})
	}
	for _, t := range tables {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, dep := range t.Deps {
				select {
				case <-done[dep]:
				case <-ctx.Done():
					return
				}
			}
			if err := f.fill(ctx, t); err != nil {
				fail(err)
				return
			}
			close(done[t])
		}()
	}
	wg.Wait()
	f.report()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// fill creates a table's SQLite table and loads the rows of its calls.
func (f *fetch) fill(ctx context.Context, t *planner.Table) error {
	l, err := newLoader(ctx, f.db, t)
	if err != nil {
		return err
	}
	defer l.close()
	calls := t.Calls
	if calls == nil {
		if calls, err = f.callsFromValues(ctx, t); err != nil {
			return err
		}
	}
	f.progress(func(p *Progress) { p.CallsKnown += len(calls) })

	var (
		loaded   atomic.Int64 // rows kept, for the row limit
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	enough := func() bool { return t.RowLimit > 0 && loaded.Load() >= int64(t.RowLimit) }
	for _, call := range calls {
		if enough() {
			break
		}
		select {
		case f.slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-f.slots }()
			params := call.Params
			if t.PageSize != nil {
				params = withParam(params, t.PageSize.Param, strconv.Itoa(t.PageSize.Value))
			}
			_, err := f.do(ctx, call, params, func(rows []json.RawMessage) error {
				if t.RowLimit > 0 {
					left := int64(t.RowLimit) - loaded.Add(int64(len(rows)))
					if left < 0 {
						rows = rows[:max(int64(len(rows))+left, 0)]
					}
				}
				if err := l.load(ctx, params, rows); err != nil {
					return err
				}
				f.progress(func(p *Progress) { p.Rows += int64(len(rows)) })
				if enough() {
					return provider.ErrEnough
				}
				return nil
			})
			f.progress(func(p *Progress) { p.CallsDone++ })
			if err != nil {
				errOnce.Do(func() {
					firstErr = err
					cancel()
				})
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// do makes a select call, or replays its rows from the cache. Only a
// call read to the end is kept: a call stopped early by LIMIT holds only
// some of the rows.
func (f *fetch) do(ctx context.Context, call *planner.Call, params map[string]string, onRows func([]json.RawMessage) error) (provider.Outcome, error) {
	cache := f.engine.Cache
	if cache == nil {
		return f.engine.Client.Do(ctx, call.Method, params, nil, onRows)
	}
	u, err := f.engine.Client.URL(call.Method, params)
	if err != nil {
		return provider.Outcome{}, err
	}
	key := cacheKey(f.engine.Client.CredentialID(call.Method.Resource.Service.Provider), call.Method.Operation.Method, u.String())
	if !f.refresh {
		if rows, ok := cache.get(key); ok {
			for start := 0; start < len(rows); start += 500 {
				if err := onRows(rows[start:min(start+500, len(rows))]); err != nil {
					if errors.Is(err, provider.ErrEnough) {
						break
					}
					return provider.Outcome{}, err
				}
			}
			return provider.Outcome{Rows: len(rows)}, nil
		}
	}
	var all []json.RawMessage
	complete := true
	out, err := f.engine.Client.Do(ctx, call.Method, params, nil, func(rows []json.RawMessage) error {
		all = append(all, rows...)
		err := onRows(rows)
		if errors.Is(err, provider.ErrEnough) {
			complete = false
		}
		return err
	})
	if err == nil && complete {
		cache.put(key, all)
	}
	return out, err
}

// callsFromValues makes the calls of a table whose parameters come from
// tables already filled: one call per distinct row of each value query.
func (f *fetch) callsFromValues(ctx context.Context, t *planner.Table) ([]*planner.Call, error) {
	rows := map[*planner.ValueSource][][]string{}
	for _, vs := range t.Sources() {
		r, err := distinctRows(ctx, f.db, vs.SQL)
		if err != nil {
			return nil, fmt.Errorf("%s: reading parameter values from %s: %w", t.Resource.ID(), vs.Describe, err)
		}
		rows[vs] = r
	}
	return t.CallsWith(rows), nil
}

// distinctRows runs a value query and returns its distinct rows as text,
// in the order they come; a row with a NULL gives no call.
func distinctRows(ctx context.Context, db *sql.DB, query string) ([][]string, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, sqliteError(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, errors.New("the query has no column")
	}
	dest := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range dest {
		ptrs[i] = &dest[i]
	}
	seen := map[string]bool{}
	var out [][]string
next:
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]string, len(dest))
		for i, v := range dest {
			if v == nil {
				continue next
			}
			row[i] = valueText(v)
		}
		key := strings.Join(row, "\x00")
		if !seen[key] {
			seen[key] = true
			out = append(out, row)
		}
	}
	return out, sqliteError(rows.Err())
}

// valueText renders a SQLite value as a parameter value: as Text, but a
// number never in exponent form, which no API reads as an id.
func valueText(v any) string {
	if f, ok := v.(float64); ok {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return Text(v)
}

func withParam(params map[string]string, name, value string) map[string]string {
	out := make(map[string]string, len(params)+1)
	for k, v := range params {
		out[k] = v
	}
	out[name] = value
	return out
}

func (f *fetch) progress(update func(*Progress)) {
	f.mu.Lock()
	update(&f.state)
	f.mu.Unlock()
	f.report()
}

func (f *fetch) report() {
	if f.engine.Progress == nil {
		return
	}
	f.mu.Lock()
	p := f.state
	f.mu.Unlock()
	p.RateLimitWait = f.engine.Client.RateLimitWait()
	f.engine.Progress(p)
}
