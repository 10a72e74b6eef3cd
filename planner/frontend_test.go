package planner

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xwb1989/sqlparser"
)

// isOkta is the provider test used where no registry is needed.
func isOkta(name string) bool { return strings.EqualFold(name, "okta") }

func TestSplit(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []piece
	}{
		{
			name:  "two statements",
			input: "SELECT 1; SELECT 2",
			want:  []piece{{text: "SELECT 1"}, {text: "SELECT 2"}},
		},
		{
			name:  "trailing semicolon and blank lines dropped",
			input: "SELECT 1;\n\n",
			want:  []piece{{text: "SELECT 1"}},
		},
		{
			name:  "semicolon in a single-quoted string",
			input: "SELECT 'a;b'; SELECT 2",
			want:  []piece{{text: "SELECT 'a;b'"}, {text: "SELECT 2"}},
		},
		{
			name:  "semicolon after a doubled quote",
			input: "SELECT 'it''s;'; SELECT 2",
			want:  []piece{{text: "SELECT 'it''s;'"}, {text: "SELECT 2"}},
		},
		{
			name:  "semicolon after a backslash-escaped quote",
			input: `SELECT 'it\'s;'; SELECT 2`,
			want:  []piece{{text: `SELECT 'it\'s;'`}, {text: "SELECT 2"}},
		},
		{
			name:  "semicolon in a double-quoted string",
			input: `SELECT "a;b"; SELECT 2`,
			want:  []piece{{text: `SELECT "a;b"`}, {text: "SELECT 2"}},
		},
		{
			name:  "semicolon in a backquoted identifier",
			input: "SELECT `a;b` FROM t; SELECT 2",
			want:  []piece{{text: "SELECT `a;b` FROM t"}, {text: "SELECT 2"}},
		},
		{
			name:  "semicolon in a -- comment",
			input: "SELECT 1 -- one; two\nFROM t; SELECT 2",
			want:  []piece{{text: "SELECT 1 -- one; two\nFROM t"}, {text: "SELECT 2"}},
		},
		{
			name:  "semicolon in a # comment",
			input: "SELECT 1 # one; two\nFROM t; SELECT 2",
			want:  []piece{{text: "SELECT 1 # one; two\nFROM t"}, {text: "SELECT 2"}},
		},
		{
			name:  "semicolon in a /* */ comment",
			input: "SELECT /* one; two */ 1; SELECT 2",
			want:  []piece{{text: "SELECT /* one; two */ 1"}, {text: "SELECT 2"}},
		},
		{
			// The documentation's examples end in a comment holding the ';':
			// one statement, whose text loses only that final ';'.
			name:  "seed select example",
			input: "SELECT\nid\nFROM okta.webauthn_registration.enrollments\nWHERE subdomain = '{{ subdomain }}' -- required;",
			want:  []piece{{text: "SELECT\nid\nFROM okta.webauthn_registration.enrollments\nWHERE subdomain = '{{ subdomain }}' -- required"}},
		},
		{
			name:  "seed delete example",
			input: "DELETE FROM okta.webauthn_registration.enrollments\nWHERE subdomain = '{{ subdomain }}' --required;\n",
			want:  []piece{{text: "DELETE FROM okta.webauthn_registration.enrollments\nWHERE subdomain = '{{ subdomain }}' --required"}},
		},
		{
			name:  "seed examples one after the other are one statement",
			input: "SELECT id FROM t WHERE a = 1 -- required;\nDELETE FROM t WHERE a = 1 --required;",
			want:  []piece{{text: "SELECT id FROM t WHERE a = 1 -- required;\nDELETE FROM t WHERE a = 1 --required"}},
		},
		{
			name:  "comment-only and empty pieces dropped",
			input: "SELECT 1; -- done\n; /* nothing */ ;; \n# end",
			want:  []piece{{text: "SELECT 1"}},
		},
		{
			name:  "EXEC after a comment is detected",
			input: "-- run it\nEXEC okta.a.b.c @x=1; select 1",
			want:  []piece{{text: "-- run it\nEXEC okta.a.b.c @x=1", exec: true}, {text: "select 1"}},
		},
		{
			name:  "lower-case exec after a block comment",
			input: "/* c */ exec okta.a.b.c",
			want:  []piece{{text: "/* c */ exec okta.a.b.c", exec: true}},
		},
		{
			name:  "a word starting with exec is not EXEC",
			input: "executed; SELECT 1 AS exec",
			want:  []piece{{text: "executed"}, {text: "SELECT 1 AS exec"}},
		},
		{
			// EXEC strings have no backslash escapes: the string ends at the
			// quote after the backslash. Lexed as MySQL, the rest would be
			// one unterminated string.
			name:  "EXEC string ending in a backslash",
			input: `EXEC okta.a.b.c @p='C:\'; SELECT 'x'`,
			want:  []piece{{text: `EXEC okta.a.b.c @p='C:\'`, exec: true}, {text: "SELECT 'x'"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := split(tt.input)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseLexErrors(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"single quote", "SELECT 'abc", "line 1, column 8: the string starting here is not closed: add the closing '"},
		{"double quote on line 2", "SELECT 1;\n  SELECT \"abc", "line 2, column 10: the string starting here is not closed: add the closing \""},
		{"backquote", "SELECT `abc FROM t", "line 1, column 8: the string starting here is not closed: add the closing `"},
		{"escaped closing quote", `SELECT 'abc\'`, "line 1, column 8: the string starting here is not closed"},
		{"block comment", "SELECT 1 /* open", "line 1, column 10: a /* comment is not closed"},
		{"EXEC string", "EXEC okta.a.b.c\n @x='abc", "line 2, column 5: the string starting here is not closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.input, nil, isOkta)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestParseKinds(t *testing.T) {
	stmts, err := Parse(`SELECT 1;
		SELECT 1 UNION SELECT 2;
		DELETE FROM okta.a.b WHERE x = 1;
		INSERT INTO okta.a.b (x) VALUES (1);
		UPDATE okta.a.b SET x = 1;
		EXEC okta.a.b.c`, nil, isOkta)
	require.NoError(t, err)
	var kinds []Kind
	for _, s := range stmts {
		kinds = append(kinds, s.Kind)
	}
	assert.Equal(t, []Kind{KindSelect, KindSelect, KindDelete, KindInsert, KindUpdate, KindExec}, kinds)
	assert.NotNil(t, stmts[1].Select)
	assert.NotNil(t, stmts[2].Delete)
	assert.NotNil(t, stmts[3].Insert)
	assert.NotNil(t, stmts[4].Update)
	assert.NotNil(t, stmts[5].Exec)
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, input string
		want        []string
	}{
		{"only comments", "-- nothing; here\n/* at all */ ;", []string{"no statement to run"}},
		{"SHOW", "SHOW FULL TABLES", []string{"write SHOW PROVIDERS, SHOW SERVICES IN provider"}},
		{"DESCRIBE without a table", "DESCRIBE okta.users", []string{"DESCRIBE provider.service.resource"}},
		{"not a discovery statement", "SET x = 1", []string{`"SET x": only SELECT, DELETE, EXEC, INSERT and UPDATE`}},
		{"syntax error at the end", "SELECT 1 +", []string{"syntax error at position 11 in: SELECT 1 +"}},
		{"long statement shortened", "SELECT\n" + strings.Repeat("a, ", 100) + "FROM", []string{"in: SELECT a, a, a,", "…"}},
		// The statement is shown as written, not with the quotes the front
		// end adds around table names.
		{"syntax error", "SELECT FROM okta.users.users", []string{"syntax error", "in: SELECT FROM okta.users.users"}},
		{"syntax error in statement 2", "SELECT 1; SELEC 2", []string{"statement 2: syntax error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.input, nil, isOkta)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), "`okta.users.users`")
		})
	}
}

func TestQuoteTableNames(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"three-part name", "SELECT * FROM okta.users.users", "SELECT * FROM `okta.users.users`"},
		{"backquoted parts", "SELECT * FROM `okta`.`users`.users u", "SELECT * FROM `okta.users.users` u"},
		{"provider name in another case", "SELECT * FROM OKTA.Users.users", "SELECT * FROM `OKTA.Users.users`"},
		{"qualified column", "SELECT okta.users.users.id FROM okta.users.users", "SELECT `okta.users.users`.id FROM `okta.users.users`"},
		{"in strings and comments", "SELECT 'okta.users.users', \"okta.a.b\" -- okta.users.users\n/* okta.a.b */ # okta.a.b\nFROM t", "SELECT 'okta.users.users', \"okta.a.b\" -- okta.users.users\n/* okta.a.b */ # okta.a.b\nFROM t"},
		{"first part not a provider", "SELECT db.tbl.col FROM t", "SELECT db.tbl.col FROM t"},
		{"part of a longer name", "SELECT x.okta.users.users FROM t", "SELECT x.okta.users.users FROM t"},
		{"two parts", "SELECT a.b FROM a", "SELECT a.b FROM a"},
		{"two-part table", "SELECT * FROM okta.users", "SELECT * FROM okta.users"},
		// After FROM, JOIN, INTO and UPDATE a three-part name can only be a
		// table; quoted, it reaches the lookup, which names what exists.
		{"unknown provider after FROM", "SELECT * FROM nope.x.y", "SELECT * FROM `nope.x.y`"},
		{"unknown provider after JOIN", "SELECT * FROM t JOIN /* c */ nope.x.y ON 1", "SELECT * FROM t JOIN /* c */ `nope.x.y` ON 1"},
		{"unknown provider after DELETE FROM", "DELETE FROM nope.x.y", "DELETE FROM `nope.x.y`"},
		{"unknown provider after INTO", "INSERT INTO nope.x.y VALUES (1)", "INSERT INTO `nope.x.y` VALUES (1)"},
		{"unknown provider after UPDATE", "UPDATE nope.x.y SET a = 1", "UPDATE `nope.x.y` SET a = 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := quoteTableNames(tt.input, isOkta)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestThreePartNamesInAST(t *testing.T) {
	stmts, err := Parse("SELECT okta.users.users.id, u.status FROM `okta`.`users`.`users` u WHERE 'okta.users.users' = 'x'", nil, isOkta)
	require.NoError(t, err)
	sel := stmts[0].Select.(*sqlparser.Select)

	col := sel.SelectExprs[0].(*sqlparser.AliasedExpr).Expr.(*sqlparser.ColName)
	assert.Equal(t, "okta.users.users", col.Qualifier.Name.String())
	assert.Equal(t, "id", col.Name.String())

	table := sel.From[0].(*sqlparser.AliasedTableExpr)
	assert.Equal(t, "okta.users.users", table.Expr.(sqlparser.TableName).Name.String())
	assert.True(t, table.Expr.(sqlparser.TableName).Qualifier.IsEmpty())
	assert.Equal(t, "u", table.As.String())

	cmp := sel.Where.Expr.(*sqlparser.ComparisonExpr)
	assert.Equal(t, "okta.users.users", string(cmp.Left.(*sqlparser.SQLVal).Val))
}

// whereValue parses a one-statement SELECT and returns the right side of its
// WHERE comparison.
func whereValue(t *testing.T, input string, vars map[string]string) *sqlparser.SQLVal {
	t.Helper()
	stmts, err := Parse(input, vars, isOkta)
	require.NoError(t, err)
	require.Len(t, stmts, 1)
	sel := stmts[0].Select.(*sqlparser.Select)
	cmp, ok := sel.Where.Expr.(*sqlparser.ComparisonExpr)
	require.True(t, ok, "WHERE is %s, not one comparison", sqlparser.String(sel.Where.Expr))
	val, ok := cmp.Right.(*sqlparser.SQLVal)
	require.True(t, ok, "right side is %s", sqlparser.String(cmp.Right))
	return val
}

func TestTemplates(t *testing.T) {
	hostile := []string{
		`it's`,
		`x' OR '1'='1`,
		`a\' OR 1=1 -- `,
		`c:\path\`,
		`tab\tnot a tab`,
		`"double" and 'single' and \\ two`,
		`{{ other }}`,
		"line\nbreak; SELECT 2",
	}
	for _, v := range hostile {
		t.Run("single-quoted "+v, func(t *testing.T) {
			val := whereValue(t, "SELECT * FROM t WHERE a = '{{ v }}'", map[string]string{"v": v})
			assert.Equal(t, sqlparser.StrVal, val.Type)
			assert.Equal(t, v, string(val.Val))
		})
		t.Run("double-quoted "+v, func(t *testing.T) {
			val := whereValue(t, `SELECT * FROM t WHERE a = "{{v}}"`, map[string]string{"v": v})
			assert.Equal(t, v, string(val.Val))
		})
		t.Run("inside a longer string "+v, func(t *testing.T) {
			val := whereValue(t, "SELECT * FROM t WHERE a = 'pre {{ v }} post'", map[string]string{"v": v})
			assert.Equal(t, "pre "+v+" post", string(val.Val))
		})
	}

	t.Run("in code", func(t *testing.T) {
		val := whereValue(t, "SELECT * FROM t WHERE a = {{ n }}", map[string]string{"n": "42"})
		assert.Equal(t, sqlparser.IntVal, val.Type)
		assert.Equal(t, "42", string(val.Val))
	})

	t.Run("in a backquoted identifier", func(t *testing.T) {
		stmts, err := Parse("SELECT `{{ c }}` FROM t", map[string]string{"c": "we`ird"}, isOkta)
		require.NoError(t, err)
		col := stmts[0].Select.(*sqlparser.Select).SelectExprs[0].(*sqlparser.AliasedExpr).Expr.(*sqlparser.ColName)
		assert.Equal(t, "we`ird", col.Name.String())
	})

	t.Run("in comments ignored and not required", func(t *testing.T) {
		input := "SELECT 1 -- {{ a }}\n/* {{ b }} */ # {{ c }}\n"
		stmts, err := Parse(input, nil, isOkta)
		require.NoError(t, err)
		assert.Equal(t, strings.TrimSpace(input), stmts[0].Text)
	})

	t.Run("text holds the expanded statement", func(t *testing.T) {
		stmts, err := Parse("SELECT '{{ a }}', {{ b }}", map[string]string{"a": "x'y", "b": "2"}, isOkta)
		require.NoError(t, err)
		assert.Equal(t, "SELECT 'x''y', 2", stmts[0].Text)
	})
}

func TestMissingVars(t *testing.T) {
	tests := []struct {
		name  string
		input string
		vars  map[string]string
		want  []string
	}{
		{"all of one statement, sorted", "SELECT '{{ b }}', {{ a }} FROM t WHERE x = {{c}} AND y = '{{ a }}'", map[string]string{"other": "1"}, []string{"a", "b", "c"}},
		// One error names every variable the input needs.
		{"over several statements", "SELECT {{ z }}; SELECT 1 /* {{ w }} */; SELECT '{{ y }}'; EXEC okta.a.b.c @x='{{ x }}'", nil, []string{"x", "y", "z"}},
		{"in EXEC body", `EXEC okta.a.b.c @@json='{"a": "{{ q }}", "b": "x{{ p }}"}'`, nil, []string{"p", "q"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.input, tt.vars, isOkta)
			var mv *MissingVarsError
			require.ErrorAs(t, err, &mv)
			assert.Equal(t, tt.want, mv.Names)
			for _, n := range tt.want {
				assert.Contains(t, err.Error(), "--var "+n+"=VALUE")
			}
		})
	}
	_, err := Parse("SELECT {{ a }}", nil, isOkta)
	assert.EqualError(t, err, "template variable {{ a }} not set: pass --var a=VALUE")
}

// seedActivate is the activate example of the documentation page the
// project started from, as testdata/seed keeps it: verbatim, including the
// blank after the method name.
var seedActivate = func() string {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "seed", "exec_activate.sql"))
	if err != nil {
		panic(err)
	}
	return strings.TrimSuffix(string(data), "\n")
}()

func seedVars() map[string]string {
	return map[string]string{
		"subdomain":           "acme",
		"credResponses":       `[{"credRequestJwe": "eyJ", "authenticatorEnrollmentId": "fwf1"}]`,
		"fulfillmentProvider": "yubico",
		"pinResponseJwe":      `it's "quoted" \ and {{ braced }}`,
		"serial":              "1234",
		"userId":              "00u1",
		"version":             " [not json",
		"yubicoSigningJwks":   ` {"keys": [{"kid": "k1"}]} `,
	}
}

func TestExecTemplates(t *testing.T) {
	stmts, err := Parse(seedActivate, seedVars(), isOkta)
	require.NoError(t, err)
	require.Len(t, stmts, 1)
	e := stmts[0].Exec
	require.NotNil(t, e)
	assert.Equal(t, "okta.webauthn_registration.enrollments", e.Table)
	assert.Equal(t, "activate_preregistration_enrollment", e.Method)
	assert.Equal(t, []ExecArg{{Name: "subdomain", Value: "acme"}}, e.Args)
	require.NotNil(t, e.JSON)

	var body map[string]any
	require.NoError(t, json.Unmarshal([]byte(*e.JSON), &body), "body: %s", *e.JSON)
	assert.Equal(t, map[string]any{
		// JSON objects and arrays go in as JSON ...
		"credResponses":     []any{map[string]any{"credRequestJwe": "eyJ", "authenticatorEnrollmentId": "fwf1"}},
		"yubicoSigningJwks": map[string]any{"keys": []any{map[string]any{"kid": "k1"}}},
		// ... anything else as a JSON string holding the value.
		"fulfillmentProvider": "yubico",
		"pinResponseJwe":      `it's "quoted" \ and {{ braced }}`,
		"serial":              "1234",
		"userId":              "00u1",
		"version":             " [not json",
	}, body)
}

func TestExecTemplateArgs(t *testing.T) {
	v := `it's C:\dir\ "q" {{ x }}`
	stmts, err := Parse(`EXEC okta.a.b.c @p='{{ v }}', @q="{{ v }}" @@json='{"s": "x{{ n }}y", "n": {{ n }}}'`,
		map[string]string{"v": v, "n": "7"}, isOkta)
	require.NoError(t, err)
	e := stmts[0].Exec
	// EXEC strings keep backslashes: the value arrives as given.
	assert.Equal(t, []ExecArg{{Name: "p", Value: v}, {Name: "q", Value: v}}, e.Args)
	assert.JSONEq(t, `{"s": "x7y", "n": 7}`, *e.JSON)
}

func TestLex(t *testing.T) {
	toks, err := lex("SELECT `a``b`, 'it''s\\n' -- c\n/* d */ 1.5 #e\n.5 x$1 é;", true)
	require.NoError(t, err)
	type kv struct {
		kind  tokenKind
		text  string
		value string
	}
	var got []kv
	var src strings.Builder
	for _, tok := range toks {
		src.WriteString(tok.text)
		if tok.kind != tokSpace {
			got = append(got, kv{tok.kind, tok.text, tok.value})
		}
	}
	// Tokens cover the source exactly.
	assert.Equal(t, "SELECT `a``b`, 'it''s\\n' -- c\n/* d */ 1.5 #e\n.5 x$1 é;", src.String())
	assert.Equal(t, []kv{
		{tokWord, "SELECT", ""},
		{tokQuotedIdent, "`a``b`", "a`b"},
		{tokPunct, ",", ""},
		{tokString, `'it''s\n'`, "it's\n"},
		{tokComment, "-- c", ""},
		{tokComment, "/* d */", ""},
		{tokNumber, "1.5", ""},
		{tokComment, "#e", ""},
		{tokNumber, ".5", ""},
		{tokWord, "x$1", ""},
		{tokWord, "é", ""},
		{tokPunct, ";", ""},
	}, got)

	// MySQL escapes; without them a backslash is itself.
	for in, want := range map[string]string{`'\t\r\b\Z\0\%\q'`: "\t\r\b\x1a\x00%q", `'\\'`: `\`} {
		toks, err := lex(in, true)
		require.NoError(t, err)
		assert.Equal(t, want, toks[0].value, in)
	}
	toks, err = lex(`'a\'`, false)
	require.NoError(t, err)
	assert.Equal(t, `a\`, toks[0].value)
}
