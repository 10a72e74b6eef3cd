package planner

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xwb1989/sqlparser"
)

func noProvider(string) bool { return false }

// formatSQL reads one statement through the front end and writes it for
// SQLite, with no provider tables.
func formatSQL(t *testing.T, input string) (string, error) {
	t.Helper()
	stmts, err := Parse(input, nil, noProvider)
	require.NoError(t, err)
	require.Len(t, stmts, 1)
	require.Equal(t, KindSelect, stmts[0].Kind)
	return toSQLite(stmts[0].Select, nil)
}

// A few rows to select from, without provider tables.
const (
	threeRows = "(SELECT 1 AS a UNION ALL SELECT 2 UNION ALL SELECT 3) t"
	groups    = "(SELECT 1 AS g, 'a' AS v UNION ALL SELECT 1, 'c' UNION ALL SELECT 1, 'b' UNION ALL SELECT 2, 'z' UNION ALL SELECT 2, NULL) t"
)

// TestSQLiteSemantics runs each MySQL statement, as formatted, in SQLite and
// compares its rows with those of a SQLite statement written by hand.
func TestSQLiteSemantics(t *testing.T) {
	tests := []struct {
		name   string
		mysql  string
		sqlite string
	}{
		{"doubled quote", `SELECT 'it''s'`, `SELECT 'it''s'`},
		{"backslash escapes", `SELECT 'a\'b', 'c:\\path', 'x\ny', 'tab\there', 'q\"', 'pct\%'`,
			`SELECT 'a''b', 'c:\path', 'x' || char(10) || 'y', 'tab' || char(9) || 'here', 'q"', 'pct%'`},
		{"double-quoted strings", `SELECT "say ""hi""", 'a"b', "it's", "back\"slash"`, `SELECT 'say "hi"', 'a"b', 'it''s', 'back"slash'`},
		{"backquoted identifiers", "SELECT `we``ird`, `a b`, `select` FROM (SELECT 1 AS `we``ird`, 2 AS `a b`, 3 AS `select`) t",
			`SELECT 1, 2, 3`},
		{"NUL inside a string", `SELECT 'a\0b', hex('a\0b'), 'a\0b' = CAST(X'610062' AS CHAR)`,
			`SELECT CAST(X'610062' AS TEXT), '610062', 1`},

		{"CAST", `SELECT CAST('12abc' AS SIGNED), CAST('7' AS UNSIGNED), CAST(' 8' AS SIGNED INTEGER), CAST(12 AS CHAR), CAST(1.5 AS CHAR(10)),
			CAST('42' AS DECIMAL), CAST('2.5' AS DECIMAL(10, 2)), CAST('2024-01-02 03:04:05' AS DATE), CAST('2024-01-02 03:04:05' AS DATETIME),
			CAST('2024-01-02 03:04:05' AS TIME), CAST('{"a": [1, 2]}' AS JSON), CAST('ab' AS BINARY), CAST(NULL AS SIGNED)`,
			`SELECT 12, 7, 8, '12', '1.5', 42, 2.5, '2024-01-02', '2024-01-02 03:04:05', '03:04:05', '{"a":[1,2]}', X'6162', NULL`},
		{"CONVERT", `SELECT CONVERT('7', SIGNED), CONVERT(7, CHAR), CONVERT('x' USING utf8mb4)`, `SELECT 7, '7', 'x'`},

		{"IF, IFNULL, ISNULL", `SELECT IF(1 > 2, 'y', 'n'), IF(NULL, 'y', 'n'), IFNULL(NULL, 'd'), IFNULL('v', 'd'), ISNULL(NULL), ISNULL(0), ISNULL(1 = NULL)`,
			`SELECT 'n', 'n', 'd', 'v', 1, 0, 1`},
		{"LCASE, UCASE", `SELECT LCASE('AbC'), UCASE('AbC'), lower('X'), upper('x')`, `SELECT 'abc', 'ABC', 'x', 'X'`},
		{"SUBSTRING and LOCATE", `SELECT SUBSTRING(s, 2, 3), SUBSTRING(s, 2), SUBSTRING(s FROM 2 FOR 3), SUBSTR(s, -3), MID(s, 2, 1),
			LOCATE('l', s), LOCATE('z', s) FROM (SELECT 'hello' AS s) t`,
			`SELECT 'ell', 'ello', 'ell', 'llo', 'e', 3, 0`},
		{"DIV", `SELECT 7 DIV 2, -7 DIV 2, 7.5 DIV 2, 7 DIV 0, NULL DIV 2`, `SELECT 3, -3, 3, NULL, NULL`},
		// The README documents SQLite's division: integers truncate.
		{"division", `SELECT 7 / 2, 7.0 / 2, 1 / 0, 10 / 4 * 2, a / 2 FROM (SELECT 3 AS a) t`, `SELECT 3, 3.5, NULL, 4, 1`},
		{"^ is bitwise xor", `SELECT 5 ^ 3, 6 ^ 6, 0 ^ 9, 1 ^ 2 * 3`, `SELECT 6, 0, 9, 9`},
		{"<=> with NULLs", `SELECT NULL <=> NULL, 1 <=> NULL, NULL <=> 1, 1 <=> 1, 1 <=> 2`, `SELECT 1, 0, 0, 1, 0`},
		{"NOT and !", `SELECT NOT 0, NOT 1, !0, !1, NOT NULL, !1 = 0, NOT 1 = 0`, `SELECT 1, 0, 1, 0, NULL, 1, 1`},
		{"IS", `SELECT 1 IS TRUE, 0 IS TRUE, NULL IS TRUE, 0 IS FALSE, NULL IS NOT TRUE, NULL IS NULL, 1 IS NULL, NULL IS NOT NULL, 1 IS NOT NULL`,
			`SELECT 1, 0, 0, 1, 1, 1, 0, 0, 1`},
		{"BETWEEN", `SELECT 2 BETWEEN 1 AND 3, 5 NOT BETWEEN 1 AND 3, NULL BETWEEN 1 AND 3, 'b' BETWEEN 'a' AND 'c', 1 + 1 BETWEEN 2 AND 2 * 1`,
			`SELECT 1, 1, NULL, 1, 1`},
		{"LIKE and ESCAPE", `SELECT 'a_c' LIKE 'a|_c' ESCAPE '|', 'abc' LIKE 'a|_c' ESCAPE '|', 'abc' LIKE 'a_c', '50%' LIKE '50!%' ESCAPE '!',
			'ABC' NOT LIKE 'a%', NULL LIKE 'a'`,
			`SELECT 1, 0, 1, 1, 0, NULL`},
		{"IN and NOT IN with NULL", `SELECT 1 IN (1, NULL), 2 IN (1, NULL), 2 NOT IN (1, NULL), 1 NOT IN (1, NULL), NULL IN (1), 3 NOT IN (1, 2)`,
			`SELECT 1, NULL, NULL, 0, NULL, 1`},
		{"IN a subquery", `SELECT a FROM ` + threeRows + ` WHERE a IN (SELECT 2 UNION SELECT 3) AND a NOT IN (SELECT 3)`, `SELECT 2`},
		{"CASE", `SELECT CASE a WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END, CASE WHEN a > 1 THEN 'big' END FROM ` + threeRows + ` ORDER BY a`,
			`VALUES ('one', NULL), ('two', 'big'), ('many', 'big')`},
		{"COALESCE", `SELECT COALESCE(NULL, NULL, 'z'), COALESCE(1, 2), COALESCE(NULL, NULL)`, `SELECT 'z', 1, NULL`},
		{"NULL in comparisons", `SELECT NULL = NULL, NULL <> 1, 1 < NULL, NULL AND 0, NULL OR 1, NULL + 1`,
			`SELECT NULL, NULL, NULL, 0, 1, NULL`},
		{"NULL in aggregates", `SELECT count(*), count(v), count(DISTINCT g), min(v), max(v), group_concat(v), sum(g), avg(g) FROM ` + groups,
			`SELECT 5, 4, 2, 'a', 'z', 'a,c,b,z', 7, 1.4`},
		{"aggregates of no rows", `SELECT count(*), sum(a), max(a), group_concat(a) FROM ` + threeRows + ` WHERE a > 5`, `SELECT 0, NULL, NULL, NULL`},
		{"GROUP BY with HAVING", `SELECT g, count(v) FROM ` + groups + ` GROUP BY g HAVING count(*) > 1 ORDER BY g DESC`, `VALUES (2, 1), (1, 3)`},
		{"GROUP_CONCAT with ORDER BY and SEPARATOR", `SELECT g, GROUP_CONCAT(v ORDER BY v DESC SEPARATOR '; ') FROM ` + groups + ` GROUP BY g ORDER BY g`,
			`VALUES (1, 'c; b; a'), (2, 'z')`},
		{"GROUP_CONCAT separator with a quote", `SELECT GROUP_CONCAT(v ORDER BY v SEPARATOR 'it''s') FROM ` + groups, `SELECT 'ait''sbit''scit''sz'`},
		{"GROUP_CONCAT of several expressions", `SELECT GROUP_CONCAT(g, v ORDER BY v) FROM ` + groups + ` WHERE v IS NOT NULL`, `SELECT '1a,1b,1c,2z'`},
		{"GROUP_CONCAT DISTINCT", `SELECT GROUP_CONCAT(DISTINCT g ORDER BY g DESC) FROM ` + groups, `SELECT '2,1'`},

		{"JSON extraction", `SELECT json_extract(j, '$.a'), j->'$.a', j->>'$.a', j->'$.n', j->>'$.n', j->>'$.o.k[1]', json_extract(j, '$.missing')
			FROM (SELECT '{"a": "x", "n": 5, "o": {"k": [1, 2]}}' AS j) t`,
			`SELECT 'x', '"x"', 'x', '5', 5, 2, NULL`},

		{"ORDER BY, LIMIT and OFFSET", `SELECT a FROM ` + threeRows + ` ORDER BY a DESC LIMIT 2 OFFSET 1`, `VALUES (2), (1)`},
		{"MySQL LIMIT offset, count", `SELECT a FROM ` + threeRows + ` ORDER BY a LIMIT 1, 2`, `VALUES (2), (3)`},
		{"ORDER BY two keys", `SELECT g, v FROM ` + groups + ` ORDER BY g DESC, v`, `VALUES (2, NULL), (2, 'z'), (1, 'a'), (1, 'b'), (1, 'c')`},
		{"UNION members with their own ORDER BY and LIMIT",
			`(SELECT a FROM ` + threeRows + ` ORDER BY a DESC LIMIT 1) UNION ALL (SELECT a FROM ` + threeRows + ` ORDER BY a LIMIT 1) ORDER BY a`,
			`VALUES (1), (3)`},
		{"UNION removes duplicates, UNION ALL keeps them", `SELECT 1 UNION SELECT 1 UNION ALL SELECT 1`, `VALUES (1), (1)`},
		{"UNION DISTINCT", `SELECT a FROM (SELECT 1 AS a UNION DISTINCT SELECT 1 UNION DISTINCT SELECT 2) t ORDER BY a`, `VALUES (1), (2)`},
		{"parenthesised UNION member without ORDER BY", `(SELECT 2) UNION ALL (SELECT 1) ORDER BY 1 LIMIT 1`, `SELECT 1`},
		{"UNION in a derived table with LIMIT", `SELECT count(*) FROM ((SELECT a FROM ` + threeRows + ` LIMIT 2) UNION ALL SELECT 9) u`, `SELECT 3`},

		{"arithmetic precedence", `SELECT 1 + 2 * 3, (1 + 2) * 3, 2 - 1 - 1, 8 / 2 / 2, -2 * 3, - (1 - 3), 7 % 3 * 2`, `SELECT 7, 9, 0, 2, -6, 2, 2`},
		{"NOT a = b", `SELECT NOT a = b, NOT (a = b), NOT a FROM (SELECT 1 AS a, 2 AS b) t`, `SELECT 1, 1, 0`},
		{"a OR b AND c", `SELECT a OR b AND c, (a OR b) AND c, a || b && c FROM (SELECT 1 AS a, 0 AS b, 0 AS c) t`, `SELECT 1, 0, 1`},
		// SQLite gives & and | one rank; MySQL ranks & above |.
		{"bit operators", `SELECT 4 | 1 & 2, 1 << 2 + 1, ~0 & 7`, `SELECT 4, 8, 7`},
		{"comparison of expressions", `SELECT 1 + 1 = 2, 'a' < 'b', 2 > 1 AND 1 > 2`, `SELECT 1, 1, 0`},

		{"SELECT without FROM", `SELECT 1, 'a', NULL, 1.5`, `SELECT 1, 'a', NULL, 1.5`},
		{"FROM dual", `SELECT 1 + 1 FROM dual`, `SELECT 2`},
		{"DISTINCT", `SELECT DISTINCT g FROM ` + groups + ` ORDER BY g`, `VALUES (1), (2)`},
		{"EXISTS", `SELECT EXISTS (SELECT 1 FROM ` + threeRows + ` WHERE a > 2), NOT EXISTS (SELECT 1 FROM ` + threeRows + ` WHERE a > 3)`, `SELECT 1, 1`},
		{"scalar subquery", `SELECT (SELECT max(a) FROM ` + threeRows + `) + 1`, `SELECT 4`},
		{"joins", `SELECT x.a, y.b FROM (SELECT 1 AS a UNION ALL SELECT 2) x LEFT JOIN (SELECT 2 AS b) y ON x.a = y.b ORDER BY x.a`,
			`VALUES (1, NULL), (2, 2)`},
		{"JOIN USING", `SELECT a FROM (SELECT 1 AS a) x JOIN (SELECT 1 AS a) y USING (a)`, `SELECT 1`},

		{"COLLATE utf8mb4_general_ci is NOCASE", `SELECT 'a' = 'A' COLLATE utf8mb4_general_ci, 'a' = 'A', 'a' = 'A' COLLATE utf8mb4_bin`, `SELECT 1, 0, 0`},
		{"COLLATE in ORDER BY", `SELECT v FROM (SELECT 'b' AS v UNION ALL SELECT 'A' UNION ALL SELECT 'c') t ORDER BY v COLLATE utf8mb4_general_ci`,
			`VALUES ('A'), ('b'), ('c')`},
		{"hex and bit literals", `SELECT 0x41, X'41', b'101'`, `SELECT 65, X'41', 5`},
	}
	db := openDB(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := formatSQL(t, tt.mysql)
			require.NoError(t, err)
			_, gotRows := query(t, db, got)
			_, wantRows := query(t, db, tt.sqlite)
			assert.Equal(t, wantRows, gotRows, "formatted: %s", got)
		})
	}
}

// TestColumnNames checks that unaliased expressions are named as written,
// where what was written is sqlparser's own spelling of it.
func TestColumnNames(t *testing.T) {
	got, err := formatSQL(t, "SELECT count(*), COUNT(*), max(a), 1 + 2, a, t.a, a AS `x y`, json_extract(j, '$.a'), a = 1 "+
		"FROM (SELECT 1 AS a, '{}' AS j) t")
	require.NoError(t, err)
	cols, _ := query(t, openDB(t), got)
	assert.Equal(t, []string{"count(*)", "COUNT(*)", "max(a)", "1 + 2", "a", "a", "x y", "json_extract(j, '$.a')", "a = 1"}, cols)
}

// formatWithTables writes a statement whose plain table names stand for
// SQLite tables of the same name, as a plan would map them.
func formatWithTables(t *testing.T, input string) (string, error) {
	t.Helper()
	stmts, err := Parse(input, nil, noProvider)
	require.NoError(t, err)
	tables := map[*sqlparser.AliasedTableExpr]*Table{}
	for _, ate := range aliasedTables(stmts[0].Select.(*sqlparser.Select).From) {
		if name, ok := ate.Expr.(sqlparser.TableName); ok {
			tables[ate] = &Table{Name: name.Name.String()}
		}
	}
	return toSQLite(stmts[0].Select, tables)
}

func TestSQLiteText(t *testing.T) {
	tests := []struct {
		name, mysql, want string
	}{
		// sqlparser.String would write 'it\'s', which SQLite reads differently.
		{"string quoting", `SELECT 'it''s' AS s`, `SELECT 'it''s' AS "s"`},
		{"identifier quoting", "SELECT `a\"b` FROM t", `SELECT "a""b" FROM "t"`},
		{"alias of a table", "SELECT x.a FROM t AS x", `SELECT "x"."a" FROM "t" AS "x"`},
		{"CAST is not convert()", "SELECT CAST(a AS SIGNED) AS n FROM t", `SELECT CAST("a" AS INTEGER) AS "n" FROM "t"`},
		{"LIMIT offset, count", "SELECT a FROM t LIMIT 5, 10", `SELECT "a" FROM "t" LIMIT 10 OFFSET 5`},
		{"COLLATE", "SELECT a FROM t WHERE a = 'x' COLLATE utf8mb4_general_ci", `SELECT "a" FROM "t" WHERE "a" = ('x' COLLATE NOCASE)`},
		// Regression: arguments were written as select items, with an alias.
		{"function arguments carry no alias", "SELECT coalesce(a, 'x') AS c FROM t", `SELECT coalesce("a", 'x') AS "c" FROM "t"`},
		{"NOW", "SELECT NOW() AS n", `SELECT datetime('now') AS "n"`},
		{"|| is OR", "SELECT a || b AS o FROM t", `SELECT "a" OR "b" AS "o" FROM "t"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := formatWithTables(t, tt.mysql)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSQLiteRefused(t *testing.T) {
	tests := []struct {
		name, mysql, want string
	}{
		{"INTERVAL", "SELECT a + INTERVAL 1 DAY FROM " + threeRows, "INTERVAL is not supported: use SQLite date modifiers"},
		{"MATCH", "SELECT MATCH(a) AGAINST ('x') FROM " + threeRows, "MATCH ... AGAINST is not supported"},
		{"FOR UPDATE", "SELECT a FROM " + threeRows + " FOR UPDATE", "locking clauses (for update) are not supported"},
		{"LOCK IN SHARE MODE", "SELECT a FROM " + threeRows + " LOCK IN SHARE MODE", "locking clauses (lock in share mode) are not supported"},
		{"UNION FOR UPDATE", "SELECT 1 UNION SELECT 2 FOR UPDATE", "locking clauses"},
		{"placeholder", "SELECT a FROM " + threeRows + " WHERE a = ?", "placeholders (:v1) are not supported"},
		{"named placeholder", "SELECT :x", "placeholders (:x) are not supported"},
		{"GROUP_CONCAT DISTINCT with SEPARATOR", "SELECT GROUP_CONCAT(DISTINCT a SEPARATOR ';') FROM " + threeRows, "GROUP_CONCAT(DISTINCT ... SEPARATOR ...) is not supported"},
		{"unknown collation", "SELECT 'a' COLLATE latin1_german1", "collation latin1_german1 is not supported"},
		{"NOW with an argument", "SELECT NOW(3)", "now() takes no arguments here"},
		{"database-qualified column", "SELECT db.t.a FROM " + threeRows, "database-qualified names are not supported"},
		{"star without FROM", "SELECT *", "SELECT * needs a FROM clause"},
		{"star of an unknown table", "SELECT x.* FROM " + threeRows, "x.*: no table named x in this FROM clause"},
		{"unknown table", "SELECT a FROM t", "unknown table t"},
		{"qualified function", "SELECT db.f(1)", "qualified function names are not supported"},
		{"VALUES()", "SELECT VALUES(a) FROM " + threeRows, "is not supported in a query"},
		{"PARTITION", "SELECT a FROM t PARTITION (p0)", "PARTITION is not supported"},
		{"bit literal over 64 bits", "SELECT b'" + strings.Repeat("1", 65) + "'", "is too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := formatSQL(t, tt.mysql)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestUnsupportedCast(t *testing.T) {
	// The grammar rejects most targets itself ...
	_, err := Parse("SELECT CAST(1 AS YEAR)", nil, noProvider)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "syntax error near 'year'")

	// ... and the formatter any it does not know.
	expr := &sqlparser.ConvertExpr{Expr: sqlparser.NewIntVal([]byte("1")), Type: &sqlparser.ConvertType{Type: "year"}}
	_, err = toSQLite(&sqlparser.Select{SelectExprs: sqlparser.SelectExprs{&sqlparser.AliasedExpr{Expr: expr}}}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CAST to year is not supported: use SIGNED, UNSIGNED, CHAR")
}

func TestUnaliasedColumnsAreNamedAsWritten(t *testing.T) {
	tests := []struct {
		sql  string
		want []string
	}{
		{"SELECT CAST(1 AS SIGNED), 'it''s', 1+1, count(*) AS n", []string{"CAST(1 AS SIGNED)", "'it''s'", "1+1", "n"}},
		{"SELECT DISTINCT concat('a', /* two */ 'b',\n   'c') FROM (SELECT 1 AS x) t", []string{"concat('a', 'b', 'c')"}},
		{"SELECT x, lower(\"A, B\") FROM (SELECT 1 AS x) t WHERE x = 1", []string{"x", `lower("A, B")`}},
		{"select COUNT(*)\nfrom (SELECT 1 AS x) t", []string{"COUNT(*)"}},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			plan := prepareOne(t, tt.sql)
			db := openDB(t)
			rows, err := db.Query(plan.SQL)
			require.NoError(t, err)
			defer rows.Close()
			cols, err := rows.Columns()
			require.NoError(t, err)
			require.Equal(t, tt.want, cols)
		})
	}
	// A union's columns are named by its first member; the text is not
	// split there, and the parser's rendering names them.
	plan := prepareOne(t, "SELECT CAST(1 AS SIGNED) UNION SELECT 2")
	require.Contains(t, plan.SQL, `AS "convert(1, signed)"`)
}
