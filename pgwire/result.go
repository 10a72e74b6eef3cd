package pgwire

import (
	"encoding/json"
	"fmt"
	"time"

	wire "github.com/jeroenrinzema/psql-wire"

	"github.com/specsql/specsql/engine"
)

// PostgreSQL type OIDs of the columns specsql sends.
const (
	oidBool        = 16
	oidInt8        = 20
	oidText        = 25
	oidFloat8      = 701
	oidTimestamptz = 1184
	oidJSONB       = 3802
)

// resultSet keeps a statement's result, so that its column types can be
// chosen knowing every value.
type resultSet struct {
	cols []engine.Column
	rows [][]any
}

func (r *resultSet) Begin(cols []engine.Column) error { r.cols = cols; return nil }
func (r *resultSet) Row(values []any) error           { r.rows = append(r.rows, values); return nil }
func (r *resultSet) End() error                       { return nil }

// pgColumns types each column: by its declared type where every value
// fits it, else by its values (an expression such as count(*) has no
// declared type), else text.
func (r *resultSet) pgColumns() wire.Columns {
	cols := make(wire.Columns, len(r.cols))
	for i, c := range r.cols {
		oid := oidOf(c.Type)
		for _, row := range r.rows {
			if row[i] != nil && !fits(oid, row[i]) {
				oid = 0
				break
			}
		}
		if oid == 0 || c.Type == "" {
			oid = inferred(r.rows, i)
		}
		cols[i] = wire.Column{Name: c.Name, Oid: oid, Width: width(oid), AttrNo: int16(i + 1)}
	}
	return cols
}

// project lays the rows out in the described columns. A SELECT returns
// the columns it was described with; an EXEC response may hold fields its
// schema does not name, and lacks some it does: those go by name.
func (r *resultSet) project(cols wire.Columns) [][]any {
	same := len(r.cols) == len(cols)
	for i := 0; same && i < len(cols); i++ {
		same = r.cols[i].Name == cols[i].Name
	}
	if same {
		return r.rows
	}
	index := map[string]int{}
	for i, c := range r.cols {
		if _, seen := index[c.Name]; !seen {
			index[c.Name] = i
		}
	}
	out := make([][]any, len(r.rows))
	for n, row := range r.rows {
		values := make([]any, len(cols))
		for i, c := range cols {
			if j, ok := index[c.Name]; ok {
				values[i] = row[j]
			}
		}
		out[n] = values
	}
	return out
}

// declaredColumns types described columns by their declared types alone;
// a column without one is text.
func declaredColumns(cols []engine.Column) wire.Columns {
	out := make(wire.Columns, len(cols))
	for i, c := range cols {
		oid := oidOf(c.Type)
		if oid == 0 {
			oid = oidText
		}
		out[i] = wire.Column{Name: c.Name, Oid: oid, Width: width(oid), AttrNo: int16(i + 1)}
	}
	return out
}

func oidOf(typ string) uint32 {
	switch typ {
	case engine.TypeText:
		return oidText
	case engine.TypeInteger:
		return oidInt8
	case engine.TypeReal:
		return oidFloat8
	case engine.TypeBoolean:
		return oidBool
	case engine.TypeJSON:
		return oidJSONB
	case engine.TypeTimestamp:
		return oidTimestamptz
	}
	return 0
}

func width(oid uint32) int16 {
	switch oid {
	case oidBool:
		return 1
	case oidInt8, oidFloat8, oidTimestamptz:
		return 8
	}
	return -1
}

// fits reports whether a value can be sent as the type.
func fits(oid uint32, v any) bool {
	switch oid {
	case oidText:
		return true
	case oidInt8:
		_, ok := v.(int64)
		return ok
	case oidFloat8:
		switch v.(type) {
		case int64, float64:
			return true
		}
	case oidBool:
		_, ok := v.(bool)
		return ok
	case oidJSONB:
		_, ok := v.(json.RawMessage)
		return ok
	case oidTimestamptz:
		_, err := timestamp(v)
		return err == nil
	}
	return false
}

// inferred types a column by its non-NULL values.
func inferred(rows [][]any, i int) uint32 {
	var oid uint32
	for _, row := range rows {
		var this uint32
		switch row[i].(type) {
		case nil:
			continue
		case int64:
			this = oidInt8
		case float64:
			this = oidFloat8
		case bool:
			this = oidBool
		case json.RawMessage:
			this = oidJSONB
		default:
			return oidText
		}
		switch {
		case oid == 0 || oid == this:
			oid = this
		case (oid == oidInt8 && this == oidFloat8) || (oid == oidFloat8 && this == oidInt8):
			oid = oidFloat8
		default:
			return oidText
		}
	}
	if oid == 0 {
		return oidText
	}
	return oid
}

// encodeRow converts values to what the columns' types encode from.
func encodeRow(cols wire.Columns, row []any) ([]any, error) {
	out := make([]any, len(row))
	for i, v := range row {
		if v == nil {
			continue
		}
		switch cols[i].Oid {
		case oidText:
			out[i] = engine.Text(v)
		case oidFloat8:
			if n, ok := v.(int64); ok {
				out[i] = float64(n)
			} else {
				out[i] = v
			}
		case oidJSONB:
			if raw, ok := v.(json.RawMessage); ok {
				out[i] = string(raw)
			} else {
				out[i] = v
			}
		case oidTimestamptz:
			t, err := timestamp(v)
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", cols[i].Name, err)
			}
			out[i] = t
		default:
			out[i] = v
		}
	}
	return out, nil
}

func timestamp(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("%v is not a timestamp", v)
	}
	return time.Parse(time.RFC3339Nano, s)
}
