package provider

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/mapping"
)

// TestRowsAndTokenPages reads rows where a method's mapping says they are
// and follows page tokens, in the body or in a header.
func TestRowsAndTokenPages(t *testing.T) {
	tests := []struct {
		name    string
		ext     string // x-specsql-provider pagination
		rowsKey []string
		scalars bool
		// pages answers the page whose cursor query parameter is the key.
		pages     map[string]func(w http.ResponseWriter)
		wantRows  []map[string]any
		wantPages int
		wantErr   string
	}{
		{
			name:    "rows under a key, a token in the body",
			ext:     "  pagination: {type: token, tokenPath: $.meta.next, tokenParam: cursor}\n",
			rowsKey: []string{"data", "items"},
			pages: map[string]func(http.ResponseWriter){
				"":   body(`{"data": {"items": [{"id": "a"}]}, "meta": {"next": "p2"}}`),
				"p2": body(`{"data": {"items": [{"id": "b"}]}, "meta": {"next": ""}}`),
			},
			wantRows: []map[string]any{{"id": "a"}, {"id": "b"}}, wantPages: 2,
		},
		{
			name:      "an absent list is no rows, an absent token the last page",
			ext:       "  pagination: {type: token, tokenPath: $.next, tokenParam: cursor}\n",
			rowsKey:   []string{"items"},
			pages:     map[string]func(http.ResponseWriter){"": body(`{"count": 0}`)},
			wantPages: 1,
		},
		{
			name: "a token in a header",
			ext:  "  pagination: {type: token, tokenHeader: X-Next, tokenParam: cursor}\n",
			pages: map[string]func(http.ResponseWriter){
				"": func(w http.ResponseWriter) {
					w.Header().Set("X-Next", "p2")
					body(`[{"id": "a"}]`)(w)
				},
				"p2": body(`[{"id": "b"}]`),
			},
			wantRows: []map[string]any{{"id": "a"}, {"id": "b"}}, wantPages: 2,
		},
		{
			name:     "a list of scalars",
			scalars:  true,
			pages:    map[string]func(http.ResponseWriter){"": body(`["a", 2, null]`)},
			wantRows: []map[string]any{{"value": "a"}, {"value": float64(2)}, {"value": nil}}, wantPages: 1,
		},
		{
			name:    "a token that repeats is an error, not a loop",
			ext:     "  pagination: {type: token, tokenPath: $.next, tokenParam: cursor}\n",
			rowsKey: []string{"items"},
			pages: map[string]func(http.ResponseWriter){
				"":   body(`{"items": [], "next": "p2"}`),
				"p2": body(`{"items": [], "next": "p2"}`),
			},
			wantErr: "the API sent a next-page link already read",
		},
		{
			name:    "a body that is not the object the rows are in",
			rowsKey: []string{"items"},
			pages:   map[string]func(http.ResponseWriter){"": body(`[{"id": "a"}]`)},
			wantErr: `HTTP 200: expected a JSON object holding $.items, got "[{\"id\": \"a\"}]"`,
		},
		{
			name:    "a token that is not a string",
			ext:     "  pagination: {type: token, tokenPath: $.next, tokenParam: cursor}\n",
			rowsKey: []string{"items"},
			pages:   map[string]func(http.ResponseWriter){"": body(`{"items": [], "next": 7}`)},
			wantErr: `the next page's token at $.next is not a string: "7"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &counter{}
			h.handle(func(w http.ResponseWriter, r *http.Request) {
				page, ok := tt.pages[r.URL.Query().Get("cursor")]
				require.True(t, ok, "no page %q", r.URL.Query().Get("cursor"))
				assert.Equal(t, "red", r.URL.Query().Get("color"), "every page keeps the call's parameters")
				page(w)
			})
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			c := New()
			c.Servers = map[string]string{"widgets": srv.URL}
			m := genericMethod(t, tt.ext)
			m.RowsKey, m.ScalarRows = tt.rowsKey, tt.scalars
			r := run(t, c, m, map[string]string{"color": "red"}, nil)
			if tt.wantErr != "" {
				require.Error(t, r.err)
				assert.Contains(t, r.err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, r.err)
			assert.Equal(t, tt.wantRows, r.rows)
			assert.Equal(t, tt.wantPages, r.out.Pages)
			assert.Len(t, h.requests(), tt.wantPages)
		})
	}
}

func body(text string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { writeJSONBody(w, text) }
}

// TestTokenPagesOnlyForReads: a token in a POST's response is not a page.
func TestTokenPagesOnlyForReads(t *testing.T) {
	h := &counter{}
	h.handle(func(w http.ResponseWriter, r *http.Request) { writeJSONBody(w, `{"next": "p2"}`) })
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c := New()
	c.Servers = map[string]string{"widgets": srv.URL}
	m := genericMethod(t, "  pagination: {type: token, tokenPath: $.next, tokenParam: cursor}\n")
	post := *m.Operation
	post.Method = http.MethodPost
	m.Operation, m.Rows = &post, mapping.RowsObject
	r := run(t, c, m, nil, []byte(`{}`))
	require.NoError(t, r.err)
	assert.Len(t, h.requests(), 1)
}
