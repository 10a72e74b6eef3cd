// Package output writes result sets as a table for people, or as JSON,
// NDJSON or CSV for programs.
package output

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/specsql/specsql/engine"
)

// Formats lists the output formats by name.
var Formats = []string{"table", "json", "ndjson", "csv"}

// New returns a writer for a format name.
func New(format string, w io.Writer) (engine.ResultWriter, error) {
	switch format {
	case "table":
		return &tableWriter{w: w}, nil
	case "json":
		return &jsonWriter{w: bufio.NewWriter(w)}, nil
	case "ndjson":
		return &jsonWriter{w: bufio.NewWriter(w), lines: true}, nil
	case "csv":
		return &csvWriter{w: csv.NewWriter(w)}, nil
	}
	return nil, fmt.Errorf("unknown output format %q: use one of %s", format, strings.Join(Formats, ", "))
}

// text renders a value for the table and CSV formats.
func text(v any, null string) string {
	if v == nil {
		return null
	}
	return engine.Text(v)
}

type jsonWriter struct {
	w     *bufio.Writer
	lines bool
	keys  [][]byte
	rows  int
}

func (j *jsonWriter) Begin(cols []engine.Column) error {
	j.keys = make([][]byte, len(cols))
	used := map[string]int{}
	for i, c := range cols {
		name := c.Name
		// Joined tables can share column names; JSON keys must not.
		if n := used[name]; n > 0 {
			name = fmt.Sprintf("%s_%d", c.Name, n+1)
		}
		used[c.Name]++
		key, _ := json.Marshal(name)
		j.keys[i] = key
	}
	j.rows = 0
	if !j.lines {
		_, err := io.WriteString(j.w, "[")
		return err
	}
	return nil
}

func (j *jsonWriter) Row(values []any) error {
	var b strings.Builder
	switch {
	case j.lines:
	case j.rows == 0:
		b.WriteString("\n  ")
	default:
		b.WriteString(",\n  ")
	}
	b.WriteByte('{')
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(j.keys[i])
		b.WriteByte(':')
		if err := writeJSONValue(&b, v); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	if j.lines {
		b.WriteByte('\n')
	}
	j.rows++
	_, err := io.WriteString(j.w, b.String())
	return err
}

func (j *jsonWriter) End() error {
	if !j.lines {
		end := "\n]\n"
		if j.rows == 0 {
			end = "]\n"
		}
		if _, err := io.WriteString(j.w, end); err != nil {
			return err
		}
	}
	return j.w.Flush()
}

func writeJSONValue(b *strings.Builder, v any) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case json.RawMessage:
		b.Write(x)
	case float64:
		data, err := json.Marshal(x)
		if err != nil {
			// NaN and infinities have no JSON form.
			data, _ = json.Marshal(strconv.FormatFloat(x, 'g', -1, 64))
		}
		b.Write(data)
	default:
		// Values are data, not HTML: keep <, > and & as they are.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(x); err != nil {
			return err
		}
		b.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
	return nil
}

type csvWriter struct {
	w *csv.Writer
}

func (c *csvWriter) Begin(cols []engine.Column) error {
	header := make([]string, len(cols))
	for i, col := range cols {
		header[i] = col.Name
	}
	return c.w.Write(header)
}

func (c *csvWriter) Row(values []any) error {
	rec := make([]string, len(values))
	for i, v := range values {
		rec[i] = text(v, "")
	}
	return c.w.Write(rec)
}

func (c *csvWriter) End() error {
	c.w.Flush()
	return c.w.Error()
}

// tableWriter aligns a result set in columns. It holds the rows until the
// end, since widths depend on all of them.
type tableWriter struct {
	w    io.Writer
	cols []engine.Column
	rows [][]string
}

func (t *tableWriter) Begin(cols []engine.Column) error {
	t.cols, t.rows = cols, nil
	return nil
}

func (t *tableWriter) Row(values []any) error {
	row := make([]string, len(values))
	for i, v := range values {
		s := text(v, "NULL")
		s = strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s)
		row[i] = s
	}
	t.rows = append(t.rows, row)
	return nil
}

func (t *tableWriter) End() error {
	widths := make([]int, len(t.cols))
	for i, c := range t.cols {
		widths[i] = utf8.RuneCountInString(c.Name)
	}
	for _, r := range t.rows {
		for i, s := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(s))
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		for i, s := range cells {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(s)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(s)))
			}
		}
		b.WriteString("\n")
	}
	header := make([]string, len(t.cols))
	rule := make([]string, len(t.cols))
	for i, c := range t.cols {
		header[i] = c.Name
		rule[i] = strings.Repeat("-", widths[i])
	}
	line(header)
	b.WriteString(strings.ReplaceAll(strings.Join(rule, "-+-"), " ", "-") + "\n")
	for _, r := range t.rows {
		line(r)
	}
	noun := "rows"
	if len(t.rows) == 1 {
		noun = "row"
	}
	fmt.Fprintf(&b, "(%d %s)\n", len(t.rows), noun)
	_, err := io.WriteString(t.w, b.String())
	return err
}
