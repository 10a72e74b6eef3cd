package output

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/engine"
)

func render(t *testing.T, format string, cols []engine.Column, rows ...[]any) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := New(format, &buf)
	require.NoError(t, err)
	require.NoError(t, w.Begin(cols))
	for _, r := range rows {
		require.NoError(t, w.Row(r))
	}
	require.NoError(t, w.End())
	return buf.String()
}

func TestFormats(t *testing.T) {
	cols := []engine.Column{{Name: "id"}, {Name: "profile", Type: engine.TypeJSON}, {Name: "ok"}, {Name: "n"}, {Name: "x"}, {Name: "id"}}
	row1 := []any{"a<b>&\"", json.RawMessage(`{"k":[1,2]}`), true, int64(3), 0.5, nil}
	row2 := []any{"line\nbreak", nil, false, int64(-1), math.NaN(), "b"}
	cases := []struct {
		format string
		rows   [][]any
		want   string
	}{
		{"json", [][]any{row1, row2}, "[\n" +
			`  {"id":"a<b>&\"","profile":{"k":[1,2]},"ok":true,"n":3,"x":0.5,"id_2":null},` + "\n" +
			`  {"id":"line\nbreak","profile":null,"ok":false,"n":-1,"x":"NaN","id_2":"b"}` + "\n]\n"},
		{"json", nil, "[]\n"},
		{"ndjson", [][]any{row1}, `{"id":"a<b>&\"","profile":{"k":[1,2]},"ok":true,"n":3,"x":0.5,"id_2":null}` + "\n"},
		{"ndjson", nil, ""},
		{"csv", [][]any{row1, row2}, "id,profile,ok,n,x,id\n" +
			`"a<b>&""","{""k"":[1,2]}",true,3,0.5,` + "\n" +
			"\"line\nbreak\",,false,-1,NaN,b\n"},
		{"csv", nil, "id,profile,ok,n,x,id\n"},
		{"table", [][]any{row1, row2}, "" +
			"id          | profile     | ok    | n  | x   | id\n" +
			"------------+-------------+-------+----+-----+-----\n" +
			"a<b>&\"      | {\"k\":[1,2]} | true  | 3  | 0.5 | NULL\n" +
			"line\\nbreak | NULL        | false | -1 | NaN | b\n" +
			"(2 rows)\n"},
	}
	for _, tc := range cases {
		t.Run(tc.format, func(t *testing.T) {
			require.Equal(t, tc.want, render(t, tc.format, cols, tc.rows...))
		})
	}
}

func TestUnknownFormat(t *testing.T) {
	_, err := New("xml", &bytes.Buffer{})
	require.EqualError(t, err, `unknown output format "xml": use one of table, json, ndjson, csv`)
}
