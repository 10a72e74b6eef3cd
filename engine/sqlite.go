package engine

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"github.com/specsql/specsql/mapping"
	"github.com/specsql/specsql/planner"
)

// openDB opens a private in-memory database. One connection only: each
// connection to ":memory:" would be a database of its own.
func openDB() (*sql.DB, error) {
	registerFunctions()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	// The pure-Go allocator rounds each 4 KiB page up to an 8 KiB slot:
	// bigger pages halve the memory rows take.
	if _, err := db.Exec("PRAGMA page_size = 65536"); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// sqliteType is the declared type of a column. Declared types carry the
// JSON type through SQLite, so results keep objects as JSON and booleans as
// booleans; they also give the affinity SQLite stores values with.
func sqliteType(c mapping.Column) string {
	switch c.Type {
	case openapi3.TypeInteger:
		return "INTEGER"
	case openapi3.TypeNumber:
		return "REAL"
	case openapi3.TypeBoolean:
		return "BOOLEAN"
	case openapi3.TypeObject, openapi3.TypeArray:
		return "JSON"
	case openapi3.TypeString:
		if c.Format == "date-time" {
			// Not "TIMESTAMP": the driver would parse those into time values
			// and lose the text the API sent. TEXT in the name gives text
			// affinity.
			return "TIMESTAMP_TEXT"
		}
		return "TEXT"
	}
	return ""
}

func resultType(declared string) string {
	switch strings.ToUpper(declared) {
	case "INTEGER":
		return TypeInteger
	case "REAL":
		return TypeReal
	case "BOOLEAN":
		return TypeBoolean
	case "JSON":
		return TypeJSON
	case "TIMESTAMP_TEXT":
		return TypeTimestamp
	case "TEXT":
		return TypeText
	}
	return ""
}

// loader inserts rows into one table, a transaction per batch.
type loader struct {
	db     *sql.DB
	table  *planner.Table
	fields []mapping.Column
	params []mapping.Column
	insert *sql.Stmt
}

func newLoader(ctx context.Context, db *sql.DB, t *planner.Table) (*loader, error) {
	l := &loader{db: db, table: t, fields: t.Fields(), params: t.Resource.ParamColumns()}
	var defs, marks []string
	for _, c := range t.Columns() {
		defs = append(defs, quoteIdent(c.Name)+" "+sqliteType(c))
		marks = append(marks, "?")
	}
	create := fmt.Sprintf("CREATE TABLE %s (%s)", quoteIdent(t.Name), strings.Join(defs, ", "))
	if _, err := db.ExecContext(ctx, create); err != nil {
		return nil, fmt.Errorf("creating table %s: %w", t.Name, err)
	}
	insert, err := db.PrepareContext(ctx, fmt.Sprintf("INSERT INTO %s VALUES (%s)", quoteIdent(t.Name), strings.Join(marks, ", ")))
	if err != nil {
		return nil, err
	}
	l.insert = insert
	return l, nil
}

func (l *loader) close() { l.insert.Close() }

// load inserts one batch of rows fetched with the given parameter values.
func (l *loader) load(ctx context.Context, params map[string]string, rows []json.RawMessage) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	stmt := tx.StmtContext(ctx, l.insert)
	args := make([]any, len(l.fields)+len(l.params))
	paramValues := make([]any, len(l.params))
	for i, c := range l.params {
		v, ok := params[c.Name]
		if !ok {
			continue
		}
		paramValues[i] = paramValue(c, v)
	}
	for _, raw := range rows {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return fmt.Errorf("%s: a row is not a JSON object: %w", l.table.Resource.ID(), err)
		}
		for i, c := range l.fields {
			v, err := fieldValue(c, obj[c.Name])
			if err != nil {
				return fmt.Errorf("%s.%s: %w", l.table.Resource.ID(), c.Name, err)
			}
			args[i] = v
		}
		copy(args[len(l.fields):], paramValues)
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("loading %s: %w", l.table.Name, err)
		}
	}
	return tx.Commit()
}

// fieldValue converts one JSON field to the value stored for its column.
// A value of another type than the schema says is kept, not dropped: APIs
// drift from their specs.
func fieldValue(c mapping.Column, raw json.RawMessage) (any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return s, nil
	case 't':
		if c.Type == openapi3.TypeBoolean {
			return int64(1), nil
		}
		return "true", nil
	case 'f':
		if c.Type == openapi3.TypeBoolean {
			return int64(0), nil
		}
		return "false", nil
	case '{', '[':
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, err
		}
		return buf.String(), nil
	}
	text := string(raw)
	if c.Type == openapi3.TypeString {
		return text, nil
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil, fmt.Errorf("unreadable number %s", text)
	}
	return f, nil
}

// paramValue types a parameter value given in the statement for its column.
func paramValue(c mapping.Column, v string) any {
	switch c.Type {
	case openapi3.TypeInteger:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	case openapi3.TypeNumber:
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
	case openapi3.TypeBoolean:
		switch strings.ToLower(v) {
		case "true", "1":
			return int64(1)
		case "false", "0":
			return int64(0)
		}
	}
	return v
}

// normalize gives a SQLite value the type its column declares.
func normalize(typ string, v any) any {
	switch x := v.(type) {
	case []byte:
		v = string(x)
	}
	switch typ {
	case TypeJSON:
		if s, ok := v.(string); ok && json.Valid([]byte(s)) {
			return json.RawMessage(s)
		}
	case TypeBoolean:
		if n, ok := v.(int64); ok {
			return n != 0
		}
	}
	return v
}

func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func sortedStrings(s []string) []string {
	sort.Strings(s)
	return s
}
