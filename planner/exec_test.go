package planner

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func strPtr(s string) *string { return &s }

func TestParseExec(t *testing.T) {
	const enrollments = "okta.webauthn_registration.enrollments"
	tests := []struct {
		name  string
		input string
		want  *Exec
	}{
		{
			name:  "StackQL form",
			input: `EXEC okta.webauthn_registration.enrollments.send_pin @subdomain='x', @userId='y' @@json='{"a": 1}'`,
			want: &Exec{Table: enrollments, Method: "send_pin",
				Args: []ExecArg{{Name: "subdomain", Value: "x"}, {Name: "userId", Value: "y"}},
				JSON: strPtr(`{"a": 1}`)},
		},
		{
			// split hands parseExec the statement without its ';'.
			name:  "seed form, templates not expanded",
			input: strings.TrimSuffix(seedActivate, ";"),
			want: &Exec{Table: enrollments, Method: "activate_preregistration_enrollment",
				Args: []ExecArg{{Name: "subdomain", Value: "{{ subdomain }}"}},
				JSON: strPtr(`{
"credResponses": "{{ credResponses }}",
"fulfillmentProvider": "{{ fulfillmentProvider }}",
"pinResponseJwe": "{{ pinResponseJwe }}",
"serial": "{{ serial }}",
"userId": "{{ userId }}",
"version": "{{ version }}",
"yubicoSigningJwks": "{{ yubicoSigningJwks }}"
}`)},
		},
		{
			name:  "arguments on lines with comments between them, no commas",
			input: "exec okta.a.b.m\n@a='1' -- first; not the end\n/* second */ @b='2' # third\n@@JSON='{}'",
			want: &Exec{Table: "okta.a.b", Method: "m",
				Args: []ExecArg{{Name: "a", Value: "1"}, {Name: "b", Value: "2"}},
				JSON: strPtr("{}")},
		},
		{
			name:  "backquoted name parts",
			input: "EXEC `okta`.`a`.b.`m` @x=1",
			want:  &Exec{Table: "okta.a.b", Method: "m", Args: []ExecArg{{Name: "x", Value: "1"}}},
		},
		{
			name:  "numbers, booleans and null",
			input: "EXEC okta.a.b.m @n=42, @neg=-7, @f=1.5, @negf = - 0.25, @t=true, @no=FALSE, @z=NULL",
			want: &Exec{Table: "okta.a.b", Method: "m", Args: []ExecArg{
				{Name: "n", Value: "42"}, {Name: "neg", Value: "-7"}, {Name: "f", Value: "1.5"}, {Name: "negf", Value: "-0.25"},
				{Name: "t", Value: "true"}, {Name: "no", Value: "false"}, {Name: "z", Value: "null", Null: true}}},
		},
		{
			// Only the bare word is NULL; the quoted word is a string.
			name:  "quoted null is a string",
			input: "EXEC okta.a.b.m @s='null'",
			want:  &Exec{Table: "okta.a.b", Method: "m", Args: []ExecArg{{Name: "s", Value: "null"}}},
		},
		{
			name:  "doubled quotes",
			input: `EXEC okta.a.b.m @s='it''s', @d="say ""hi""" @@json='{"name": "O''Brien"}'`,
			want: &Exec{Table: "okta.a.b", Method: "m",
				Args: []ExecArg{{Name: "s", Value: "it's"}, {Name: "d", Value: `say "hi"`}},
				JSON: strPtr(`{"name": "O'Brien"}`)},
		},
		{
			// JSON escapes must reach the body untouched, so EXEC strings
			// have no backslash escapes.
			name:  "backslashes kept literally",
			input: `EXEC okta.a.b.m @path='C:\dir\' @@json='{"q": "say \"hi\"\n", "b": "\\", "u": "\u00e9"}'`,
			want: &Exec{Table: "okta.a.b", Method: "m",
				Args: []ExecArg{{Name: "path", Value: `C:\dir\`}},
				JSON: strPtr(`{"q": "say \"hi\"\n", "b": "\\", "u": "\u00e9"}`)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseExec(tt.input)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseExecJSONEscapesDecode(t *testing.T) {
	got, err := parseExec(`EXEC okta.a.b.m @@json='{"q": "say \"hi\"\n", "b": "\\"}'`)
	require.NoError(t, err)
	var body map[string]string
	require.NoError(t, json.Unmarshal([]byte(*got.JSON), &body))
	assert.Equal(t, map[string]string{"q": "say \"hi\"\n", "b": `\`}, body)
}

func TestParseExecErrors(t *testing.T) {
	tests := []struct {
		name, input string
		want        []string
	}{
		{"three-part name", "EXEC okta.webauthn_registration.enrollments @subdomain='x'",
			[]string{`EXEC syntax error at line 1, column 45 near "@"`, "EXEC needs provider.service.resource.method"}},
		{"five-part name", "EXEC okta.a.b.c.d",
			[]string{"EXEC syntax error at the end", "EXEC needs provider.service.resource.method"}},
		{"no name", "EXEC", []string{"at the end", "EXEC needs provider.service.resource.method"}},
		{"name not an identifier", "EXEC 'okta.a.b.c'", []string{`near "'okta.a.b.c'"`, "EXEC needs provider.service.resource.method"}},
		{"missing =", "EXEC okta.a.b.m @subdomain 'x'", []string{`near "'x'"`, "expected = after @subdomain"}},
		{"bare word value", "EXEC okta.a.b.m @subdomain=acme", []string{`near "acme"`, "expected a value for @subdomain: a quoted string, a number, true, false or null"}},
		{"no value", "EXEC okta.a.b.m @subdomain=", []string{"at the end", "expected a value for @subdomain"}},
		{"argument without @", "EXEC okta.a.b.m subdomain='x'", []string{`near "subdomain"`, "expected an argument such as @subdomain='my-org'"}},
		{"@ without a name", "EXEC okta.a.b.m @='x'", []string{`near "="`, "expected a name after @"}},
		{"duplicate argument", "EXEC okta.a.b.m @subdomain='x',\n @Subdomain='y'", []string{"EXEC: @Subdomain is given twice"}},
		{"@@ other than json", "EXEC okta.a.b.m @@body='{}'", []string{"EXEC: unknown @@body; the request body is given with @@json='{...}'"}},
		{"duplicate @@json", "EXEC okta.a.b.m @@json='{}' @@json='[]'", []string{"EXEC: @@json is given twice"}},
		{"position on a later line", "EXEC okta.a.b.m\n  @a='1'\n  @b 2", []string{"line 3, column 6", "expected = after @b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseExec(tt.input)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}
