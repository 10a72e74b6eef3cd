// Package engine runs plans: it makes the API calls a plan names, loads the
// rows into an embedded SQLite database, and runs the rest of the statement
// there.
package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/specsql/specsql/mapping"
	"github.com/specsql/specsql/planner"
	"github.com/specsql/specsql/provider"
)

// DefaultConcurrency is how many calls a statement makes at once unless
// told otherwise: enough to hide latency, well under Okta's limit of
// concurrent requests per org (75).
const DefaultConcurrency = 16

// Engine runs plans against providers.
type Engine struct {
	Client *provider.Client
	// Concurrency bounds the calls in flight for one statement.
	Concurrency int
	// Progress, when set, is told how the calls of a statement advance.
	Progress func(Progress)
	// Cache, when set, serves identical select calls from memory.
	Cache *Cache
}

// Progress is the state of a statement's calls.
type Progress struct {
	CallsDone int
	// CallsKnown are the calls planned so far; a table that takes values
	// from another adds its calls once those are known.
	CallsKnown int
	Rows       int64
	// RateLimitWait is the time requests were held back by rate limits.
	RateLimitWait time.Duration
}

// Column describes a result column.
type Column struct {
	Name string
	// Type is text, integer, real, boolean, json or timestamp, or "" when
	// SQLite gives no declared type (an expression); values then carry their
	// own type.
	Type string
}

// Result column types.
const (
	TypeText      = "text"
	TypeInteger   = "integer"
	TypeReal      = "real"
	TypeBoolean   = "boolean"
	TypeJSON      = "json"
	TypeTimestamp = "timestamp"
)

// ResultWriter receives a result set. Row values are nil, int64, float64,
// string, bool or json.RawMessage.
type ResultWriter interface {
	Begin(cols []Column) error
	Row(values []any) error
	End() error
}

// Check builds the request of every call a plan knows before it runs, so
// that a value no call may be made with (a subdomain naming another host, a
// missing token) stops all statements before the first call. A plan that
// will send nothing (EXPLAIN, a dry run) needs no token.
func (e *Engine) Check(plan *planner.Plan, sends bool) error {
	calls := plan.Calls
	for _, t := range plan.Tables {
		calls = append(calls, t.Calls...)
	}
	for _, c := range calls {
		if _, err := e.Client.URL(c.Method, c.Params); err != nil {
			return err
		}
	}
	if plan.Statement.Explain || !sends {
		return nil
	}
	for _, c := range calls {
		if err := e.Client.CheckCredentials(c.Method.Resource.Service.Provider); err != nil {
			return err
		}
	}
	return nil
}

// Describe returns the columns a plan's result will have, and makes no
// call: a SELECT is prepared by SQLite over empty tables. Columns whose type
// only values would tell (expressions) have no type.
func (e *Engine) Describe(ctx context.Context, plan *planner.Plan) ([]Column, error) {
	switch {
	case plan.Statement.Explain:
		return []Column{{Name: "plan", Type: TypeText}}, nil
	case plan.Result != nil:
		cols := make([]Column, len(plan.Result.Columns))
		for i, name := range plan.Result.Columns {
			cols[i] = Column{Name: name, Type: TypeText}
		}
		return cols, nil
	}
	switch plan.Statement.Kind {
	case planner.KindSelect:
		db, err := openDB()
		if err != nil {
			return nil, err
		}
		defer db.Close()
		for _, t := range plan.Tables {
			l, err := newLoader(ctx, db, t)
			if err != nil {
				return nil, err
			}
			l.close()
		}
		rows, err := db.QueryContext(ctx, plan.SQL)
		if err != nil {
			return nil, sqliteError(err)
		}
		defer rows.Close()
		return resultColumns(rows, plan.TypeHints)
	case planner.KindExec:
		m := plan.Calls[0].Method
		if m.Rows == mapping.RowsNone {
			return nil, nil
		}
		var cols []Column
		for _, c := range mapping.ColumnsOf(m.Item) {
			cols = append(cols, Column{Name: c.Name, Type: resultType(sqliteType(c))})
		}
		return cols, nil
	}
	return nil, nil
}

// DryRun returns the HTTP requests a DELETE or EXEC would send, with
// credentials redacted, and sends nothing. Other statements change nothing
// and have no dry run.
func (e *Engine) DryRun(plan *planner.Plan) ([]string, bool, error) {
	if plan.Statement.Explain || (plan.Statement.Kind != planner.KindDelete && plan.Statement.Kind != planner.KindExec) {
		return nil, false, nil
	}
	var out []string
	for _, c := range plan.Calls {
		text, err := e.Client.DryRun(c.Method, c.Params, c.Body)
		if err != nil {
			return nil, true, err
		}
		out = append(out, text)
	}
	return out, true, nil
}

// Run executes a plan. Rows go to w; the returned status line sums up a
// statement that returns no rows of its own (DELETE 2, EXEC ... 204).
func (e *Engine) Run(ctx context.Context, plan *planner.Plan, w ResultWriter) (string, error) {
	if plan.Statement.Explain {
		return "", writeLines(w, "plan", plan.Explain())
	}
	if plan.Result != nil {
		return "", writeResult(w, plan.Result)
	}
	switch plan.Statement.Kind {
	case planner.KindRefresh:
		if e.Cache != nil {
			e.Cache.Clear()
		}
		return "REFRESH", nil
	case planner.KindSelect:
		return "", e.runSelect(ctx, plan, w)
	case planner.KindDelete:
		return e.runDelete(ctx, plan)
	case planner.KindExec:
		return e.runExec(ctx, plan, w)
	}
	return "", fmt.Errorf("cannot run a %s statement", plan.Statement.Kind)
}

func (e *Engine) runSelect(ctx context.Context, plan *planner.Plan, w ResultWriter) error {
	db, err := openDB()
	if err != nil {
		return err
	}
	defer db.Close()
	if err := e.fillAll(ctx, db, plan.Tables, plan.Statement.Refresh); err != nil {
		return err
	}
	rows, err := db.QueryContext(ctx, plan.SQL)
	if err != nil {
		return sqliteError(err)
	}
	defer rows.Close()
	// Rows are here: values carry their own types; hints are for
	// describing a result before it exists.
	cols, err := resultColumns(rows, nil)
	if err != nil {
		return err
	}
	if err := w.Begin(cols); err != nil {
		return err
	}
	values := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range values {
		ptrs[i] = &values[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		out := make([]any, len(values))
		for i, v := range values {
			out[i] = normalize(cols[i].Type, v)
		}
		if err := w.Row(out); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return sqliteError(err)
	}
	return w.End()
}

func (e *Engine) runDelete(ctx context.Context, plan *planner.Plan) (string, error) {
	for i, call := range plan.Calls {
		if _, err := e.Client.Do(ctx, call.Method, call.Params, nil, discardRows); err != nil {
			if i > 0 {
				e.changed()
				return "", fmt.Errorf("deleted %d of %d before this error: %w", i, len(plan.Calls), err)
			}
			return "", err
		}
	}
	e.changed()
	return fmt.Sprintf("DELETE %d", len(plan.Calls)), nil
}

func (e *Engine) runExec(ctx context.Context, plan *planner.Plan, w ResultWriter) (string, error) {
	call := plan.Calls[0]
	var rows []json.RawMessage
	out, err := e.Client.Do(ctx, call.Method, call.Params, call.Body, func(batch []json.RawMessage) error {
		rows = append(rows, batch...)
		return nil
	})
	// A failed EXEC may still have changed something.
	e.changed()
	if err != nil {
		return "", err
	}
	status := fmt.Sprintf("EXEC %s.%s: %d %s", call.Method.Resource.ID(), call.Method.Name, out.Status, http.StatusText(out.Status))
	if len(rows) == 0 {
		return status, nil
	}
	return status, writeObjects(w, call.Method, rows)
}

// writeObjects writes response objects as rows: the schema's fields in
// documented order, then any fields the API sent beyond them.
func writeObjects(w ResultWriter, m *mapping.Method, rows []json.RawMessage) error {
	objects := make([]map[string]json.RawMessage, len(rows))
	for i, r := range rows {
		if err := json.Unmarshal(r, &objects[i]); err != nil {
			return fmt.Errorf("%s.%s: decoding the response: %w", m.Resource.ID(), m.Name, err)
		}
	}
	schemaCols := mapping.ColumnsOf(m.Item)
	known := map[string]bool{}
	var cols []mapping.Column
	for _, c := range schemaCols {
		known[c.Name] = true
		cols = append(cols, c)
	}
	var extra []string
	for _, o := range objects {
		for k := range o {
			if !known[k] {
				known[k] = true
				extra = append(extra, k)
			}
		}
	}
	for _, k := range sortedStrings(extra) {
		cols = append(cols, mapping.Column{Name: k})
	}
	out := make([]Column, len(cols))
	for i, c := range cols {
		out[i] = Column{Name: c.Name, Type: resultType(sqliteType(c))}
	}
	if err := w.Begin(out); err != nil {
		return err
	}
	for _, o := range objects {
		vals := make([]any, len(cols))
		for i, c := range cols {
			if c.Type == "" {
				vals[i] = untypedValue(o[c.Name])
				continue
			}
			v, err := fieldValue(c, o[c.Name])
			if err != nil {
				return err
			}
			vals[i] = normalize(out[i].Type, v)
		}
		if err := w.Row(vals); err != nil {
			return err
		}
	}
	return w.End()
}

// changed drops cached rows after a call that may have changed them.
func (e *Engine) changed() {
	if e.Cache != nil {
		e.Cache.Clear()
	}
}

// resultColumns types a result's columns by their declared types, else by
// the planner's hints for expressions.
func resultColumns(rows *sql.Rows, hints map[string]string) ([]Column, error) {
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	cols := make([]Column, len(types))
	for i, t := range types {
		cols[i] = Column{Name: t.Name(), Type: resultType(t.DatabaseTypeName())}
		if cols[i].Type == "" {
			cols[i].Type = hints[t.Name()]
		}
	}
	return cols, nil
}

// Text renders a result value as text: NULL as "", JSON as written,
// numbers in their shortest form.
func Text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case json.RawMessage:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// writeResult writes a result the planner answered.
func writeResult(w ResultWriter, r *planner.Result) error {
	cols := make([]Column, len(r.Columns))
	for i, name := range r.Columns {
		cols[i] = Column{Name: name, Type: TypeText}
	}
	if err := w.Begin(cols); err != nil {
		return err
	}
	for _, row := range r.Rows {
		values := make([]any, len(row))
		for i, v := range row {
			values[i] = v
		}
		if err := w.Row(values); err != nil {
			return err
		}
	}
	return w.End()
}

// writeLines writes text as a one-column result set, a row per line.
func writeLines(w ResultWriter, column string, lines []string) error {
	if err := w.Begin([]Column{{Name: column, Type: TypeText}}); err != nil {
		return err
	}
	for _, l := range lines {
		if err := w.Row([]any{l}); err != nil {
			return err
		}
	}
	return w.End()
}

// untypedValue keeps a field the schema does not describe as the API sent
// it: a string, or any other JSON value as JSON.
func untypedValue(raw json.RawMessage) any {
	var s string
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return nil
	case json.Unmarshal(raw, &s) == nil:
		return s
	}
	return raw
}

func discardRows([]json.RawMessage) error { return nil }

// sqliteError makes SQLite's messages read as ours.
func sqliteError(err error) error {
	if err == nil {
		return nil
	}
	msg := strings.TrimPrefix(err.Error(), "SQL logic error: ")
	return fmt.Errorf("SQL error: %s", msg)
}
