package planner

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xwb1989/sqlparser"
)

// The fuzz targets run as regressions in CI (.ci/run, a few seconds each);
// seeds are the f.Add calls and testdata/fuzz/<target>.

func FuzzPrepare(f *testing.F) {
	f.Add("SELECT id FROM okta.users.users WHERE subdomain = '{{ x }}' -- required;")
	f.Add("EXEC okta.webauthn_registration.enrollments.send_pin @subdomain='a' @@json='{\"userId\": \"{{ x }}\"}'")
	f.Add("EXPLAIN SELECT u.id FROM okta.users.users u JOIN okta.webauthn_registration.enrollments e ON e.userId = u.id WHERE u.subdomain = 'a' AND e.subdomain = 'a'")
	f.Add("DELETE FROM okta.webauthn_registration.enrollments WHERE subdomain='a' AND userId IN ('b','c') AND authenticatorEnrollmentId = 'd'; /* c */ # d")
	f.Add("SELECT 'it''s', \"a\\\"b\", `q` FROM (SELECT 1 AS q) t WHERE 1 IN (SELECT 1) ORDER BY 1 LIMIT 1, 2")
	pl := oktaPlanner(f)
	f.Fuzz(func(t *testing.T, input string) {
		plans, err := pl.Prepare(input, map[string]string{"x": "v"})
		if err == nil && len(plans) == 0 {
			t.Fatal("no error and no plan")
		}
		for _, p := range plans {
			_ = p.Explain()
		}
	})
}

// FuzzTemplateValueStaysInString checks that no value given with --var can
// end the string literal it is placed in: the parsed literal is the value.
func FuzzTemplateValueStaysInString(f *testing.F) {
	for _, v := range []string{"plain", "it's", `a\'b`, `\`, "'; DROP TABLE x; --", "{{ v }}", "\x00", "\n", `\\'`, "é"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, value string) {
		stmts, err := Parse("SELECT '{{ v }}' AS x FROM okta.users.users", map[string]string{"v": value}, isOkta)
		if !utf8.ValidString(value) {
			if err == nil {
				t.Fatalf("value %q is not UTF-8 and was accepted", value)
			}
			return
		}
		if err != nil {
			t.Fatalf("value %q: %v", value, err)
		}
		sel := stmts[0].Select.(*sqlparser.Select)
		lit := sel.SelectExprs[0].(*sqlparser.AliasedExpr).Expr.(*sqlparser.SQLVal)
		if string(lit.Val) != value {
			t.Fatalf("value %q became %q", value, lit.Val)
		}
	})
}

// FuzzExecJSONTemplate checks that a value placed as a whole JSON string of
// an EXEC body keeps the body valid JSON, holding the value.
func FuzzExecJSONTemplate(f *testing.F) {
	for _, v := range []string{"plain", "it's", `"quoted"`, `\`, `[1, 2]`, `{"a": 1}`, "[not json", "\x00", "line\nbreak"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, value string) {
		stmts, err := Parse(`EXEC okta.webauthn_registration.enrollments.send_pin @subdomain='a' @@json='{"userId": "{{ v }}"}'`, map[string]string{"v": value}, isOkta)
		if !utf8.ValidString(value) {
			if err == nil {
				t.Fatalf("value %q is not UTF-8 and was accepted", value)
			}
			return
		}
		if err != nil {
			t.Fatalf("value %q: %v", value, err)
		}
		var body map[string]any
		if err := json.Unmarshal([]byte(*stmts[0].Exec.JSON), &body); err != nil {
			t.Fatalf("value %q made the body invalid: %v: %s", value, err, *stmts[0].Exec.JSON)
		}
		trimmed := strings.TrimSpace(value)
		isJSON := (strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[")) && json.Valid([]byte(trimmed))
		if s, ok := body["userId"].(string); !isJSON && (!ok || s != value) {
			t.Fatalf("value %q became %#v", value, body["userId"])
		}
	})
}

func FuzzParseExec(f *testing.F) {
	f.Add("EXEC a.b.c.d @x='1', @y=2 @@json='{}'")
	f.Add("EXEC okta.webauthn_registration.enrollments.activate_preregistration_enrollment \n@subdomain='x' --required\n@@json=\n'{\n\"a\": \"b\"\n}'")
	f.Add("EXEC a.b.c.d @x=-1 @y=null @z=true")
	f.Fuzz(func(t *testing.T, input string) {
		_, _ = parseExec(input)
	})
}

func FuzzQuoteTableNames(f *testing.F) {
	f.Add("SELECT okta.users.users.id FROM okta.users.users")
	f.Add("SELECT `okta`.`users`.`users` FROM x.y.z JOIN okta . users . users")
	f.Add("SELECT 'okta.users.users' -- okta.users.users\n FROM okta.users.users")
	f.Fuzz(func(t *testing.T, input string) {
		out, err := quoteTableNames(input, isOkta)
		if err != nil {
			return
		}
		if _, err := lex(out, true); err != nil {
			t.Fatalf("rewriting %q gave text that does not lex: %q: %v", input, out, err)
		}
	})
}
