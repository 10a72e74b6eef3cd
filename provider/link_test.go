package provider

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNextLink(t *testing.T) {
	base, err := url.Parse("https://acme.okta.com/api/v1/users?limit=200")
	require.NoError(t, err)
	tests := []struct {
		name   string
		header []string
		want   string // "" for no next page
	}{
		{"no Link header", nil, ""},
		{"only self", []string{`<https://acme.okta.com/api/v1/users?limit=200>; rel="self"`}, ""},
		{"self and next on separate lines", []string{
			`<https://acme.okta.com/api/v1/users?limit=200>; rel="self"`,
			`<https://acme.okta.com/api/v1/users?after=00u2&limit=200>; rel="next"`,
		}, "https://acme.okta.com/api/v1/users?after=00u2&limit=200"},
		{"next line first", []string{
			`<https://acme.okta.com/api/v1/users?after=00u2>; rel="next"`,
			`<https://acme.okta.com/api/v1/users>; rel="self"`,
		}, "https://acme.okta.com/api/v1/users?after=00u2"},
		{"several links in one line", []string{
			`<https://acme.okta.com/api/v1/users>; rel="self", <https://acme.okta.com/api/v1/users?after=00u3>; rel="next"`,
		}, "https://acme.okta.com/api/v1/users?after=00u3"},
		{"commas inside the URL", []string{
			`<https://acme.okta.com/api/v1/users?filter=a,b>; rel="self", <https://acme.okta.com/api/v1/users?after=1,2&filter=a,b>; rel="next"`,
		}, "https://acme.okta.com/api/v1/users?after=1,2&filter=a,b"},
		{"several rel values", []string{`<https://acme.okta.com/p2>; rel="next last"`}, "https://acme.okta.com/p2"},
		{"next as the second rel value", []string{`<https://acme.okta.com/p2>; rel="prev next"`}, "https://acme.okta.com/p2"},
		{"unquoted rel", []string{`<https://acme.okta.com/p2>; rel=next`}, "https://acme.okta.com/p2"},
		{"case and spacing", []string{`<https://acme.okta.com/p2> ;  REL = "Next"`}, "https://acme.okta.com/p2"},
		{"rel after other parameters", []string{`<https://acme.okta.com/p2>; type="application/json"; rel="next"`}, "https://acme.okta.com/p2"},
		{"relative path", []string{`</api/v1/users?after=00u9>; rel="next"`}, "https://acme.okta.com/api/v1/users?after=00u9"},
		{"relative query", []string{`<?after=00u9>; rel="next"`}, "https://acme.okta.com/api/v1/users?after=00u9"},
		{"relative to the directory", []string{`<users?after=00u9>; rel="next"`}, "https://acme.okta.com/api/v1/users?after=00u9"},
		{"first next wins", []string{
			`<https://acme.okta.com/p2>; rel="next"`, `<https://acme.okta.com/p3>; rel="next"`,
		}, "https://acme.okta.com/p2"},
		{"other relations only", []string{`<https://acme.okta.com/p2>; rel="prev", <https://acme.okta.com/p3>; rel="nextpage"`}, ""},
		{"next only in another parameter", []string{`<https://acme.okta.com/p2>; rel="self"; title="next"`}, ""},
		{"no parameters", []string{`<https://acme.okta.com/p2>`}, ""},
		{"no angle brackets", []string{`https://acme.okta.com/p2; rel="next"`}, ""},
		{"empty header", []string{""}, ""},
		{"comma inside a quoted parameter", []string{
			`<https://acme.okta.com/p1>; rel="self"; title="a, b", <https://acme.okta.com/p2>; rel="next"`,
		}, "https://acme.okta.com/p2"},
		// RFC 8288 parameters are quoted-strings, which may hold escaped quotes.
		{"escaped quote inside a quoted parameter", []string{
			`<https://acme.okta.com/p1>; rel="self"; title="say \"hi\", then go", <https://acme.okta.com/p2>; rel="next"`,
		}, "https://acme.okta.com/p2"},
		{"one escaped quote inside a quoted parameter", []string{
			`<https://acme.okta.com/p1>; rel="self"; title="5\" disk, new", <https://acme.okta.com/p2>; rel="next"`,
		}, "https://acme.okta.com/p2"},
		{"semicolon inside a quoted parameter", []string{
			`<https://acme.okta.com/p1>; rel="self"; title="x;rel=next"`,
		}, ""},
		{"semicolon inside the URL", []string{`<https://acme.okta.com/p2;v=1?after=a;b>; rel="next"`},
			"https://acme.okta.com/p2;v=1?after=a;b"},
		{"no spaces", []string{`<https://acme.okta.com/p1>;rel="self",<https://acme.okta.com/p2>;rel="next"`},
			"https://acme.okta.com/p2"},
		// A quote in a URL is not the start of a quoted-string.
		{"quote inside the URL", []string{
			`<https://acme.okta.com/p2?filter=a"b>; rel="next", <https://acme.okta.com/p1>; rel="self"`,
		}, `https://acme.okta.com/p2?filter=a"b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{Header: http.Header{}}
			for _, h := range tt.header {
				resp.Header.Add("Link", h)
			}
			got, err := nextLink(resp, base)
			require.NoError(t, err)
			if tt.want == "" {
				assert.Nil(t, got)
				return
			}
			require.NotNil(t, got)
			assert.Equal(t, tt.want, got.String())
		})
	}
}

func TestNextLinkBadURL(t *testing.T) {
	base, _ := url.Parse("https://acme.okta.com/api/v1/users")
	resp := &http.Response{Header: http.Header{"Link": {`<https://acme.okta.com/%zz>; rel="next"`}}}
	got, err := nextLink(resp, base)
	require.Error(t, err)
	assert.Nil(t, got)
	assert.Contains(t, err.Error(), "bad next-page link")
}

func TestSplitLinks(t *testing.T) {
	tests := []struct {
		header string
		want   []string
	}{
		{`<a>; rel="next"`, []string{`<a>; rel="next"`}},
		{`<a>; rel="self", <b>; rel="next"`, []string{`<a>; rel="self"`, ` <b>; rel="next"`}},
		{`<a,b>; rel="self",<c>`, []string{`<a,b>; rel="self"`, `<c>`}},
		{`<a>; title="x, y", <b>`, []string{`<a>; title="x, y"`, ` <b>`}},
		{`<a>; title="x \", y", <b>`, []string{`<a>; title="x \", y"`, ` <b>`}},
		{`<a"b>; rel="next", <c>`, []string{`<a"b>; rel="next"`, ` <c>`}},
		{``, []string{``}},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			assert.Equal(t, tt.want, splitLinks(tt.header))
		})
	}
}

func TestHasRel(t *testing.T) {
	tests := []struct {
		params string
		want   bool
	}{
		{` rel="next"`, true},
		{` rel=next`, true},
		{` rel="next last"`, true},
		{` rel="first  next"`, true},
		{` REL="NEXT"`, true},
		{` type="text/html"; rel="next"`, true},
		{` rel="self"`, false},
		{` rel="nextpage"`, false},
		{` rel=""`, false},
		{` rel`, false},
		{` title="next"`, false},
		{` title="a;rel=next"; rel="self"`, false},
		{` title="a \";rel=next"; rel="self"`, false},
		{``, false},
	}
	for _, tt := range tests {
		t.Run(tt.params, func(t *testing.T) {
			assert.Equal(t, tt.want, hasRel(tt.params, "next"))
		})
	}
}
