package planner

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/xwb1989/sqlparser"
)

// sqliteFormatter writes a parsed statement as SQLite SQL. sqlparser.String
// writes MySQL, which SQLite reads differently ('it\'s', convert(x, signed),
// backquotes), so every node that reaches SQLite passes through here, and a
// construct SQLite cannot run is an error rather than a silent change.
type sqliteFormatter struct {
	// tables maps each provider table reference to its SQLite table.
	tables map[*sqlparser.AliasedTableExpr]*Table
	// names are the select list's expressions as the user wrote them.
	names map[*sqlparser.AliasedExpr]string
	// scopes holds, per SELECT being written, the tables of its FROM clause,
	// for expanding *.
	scopes [][]scopeTable
	err    error
}

type scopeTable struct {
	qualifier string
	table     *Table // nil for a derived table
}

// ToSQLite renders a statement for SQLite. tables maps provider table
// references to the SQLite tables holding their rows.
func toSQLite(node sqlparser.SQLNode, tables map[*sqlparser.AliasedTableExpr]*Table) (string, error) {
	return toSQLiteNamed(node, tables, nil)
}

// toSQLiteNamed renders like toSQLite, naming unaliased select list
// expressions as names says.
func toSQLiteNamed(node sqlparser.SQLNode, tables map[*sqlparser.AliasedTableExpr]*Table, names map[*sqlparser.AliasedExpr]string) (string, error) {
	f := &sqliteFormatter{tables: tables, names: names}
	buf := sqlparser.NewTrackedBuffer(f.format)
	buf.Myprintf("%v", node)
	if f.err != nil {
		return "", f.err
	}
	return buf.String(), nil
}

func (f *sqliteFormatter) fail(format string, args ...any) {
	if f.err == nil {
		f.err = fmt.Errorf(format, args...)
	}
}

// quoteIdent quotes an identifier for SQLite.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// quoteString quotes a string literal for SQLite, where only a doubled quote
// escapes; a NUL, which SQLite text cannot hold in a literal, goes in as a
// blob cast to text.
func quoteString(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		return "CAST(X'" + hex.EncodeToString([]byte(s)) + "' AS TEXT)"
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func (f *sqliteFormatter) format(buf *sqlparser.TrackedBuffer, node sqlparser.SQLNode) {
	if f.err != nil {
		return
	}
	switch n := node.(type) {
	case *sqlparser.Select:
		f.formatSelect(buf, n)
	case *sqlparser.Union:
		f.formatCompoundMember(buf, n.Left)
		typ := strings.ToUpper(n.Type)
		if n.Type == sqlparser.UnionDistinctStr {
			typ = "UNION"
		}
		buf.Myprintf(" %s ", typ)
		f.formatCompoundMember(buf, n.Right)
		f.formatOrderLimit(buf, n.OrderBy, n.Limit)
		if n.Lock != "" {
			f.fail("locking clauses (%s) are not supported", strings.TrimSpace(n.Lock))
		}
	case *sqlparser.ParenSelect:
		buf.Myprintf("%v", n.Select)
	case *sqlparser.Subquery:
		buf.Myprintf("(%v)", n.Select)
	case sqlparser.SelectExprs:
		writeList(buf, n)
	case *sqlparser.StarExpr:
		f.formatStar(buf, n)
	case *sqlparser.AliasedExpr:
		buf.Myprintf("%v", n.Expr)
		switch {
		case !n.As.IsEmpty():
			buf.WriteString(" AS " + quoteIdent(n.As.String()))
		default:
			if _, isCol := n.Expr.(*sqlparser.ColName); !isCol {
				// SQLite would name the column after our rewritten text;
				// the user expects the expression as they wrote it.
				name, ok := f.names[n]
				if !ok {
					name = sqlparser.String(n.Expr)
				}
				buf.WriteString(" AS " + quoteIdent(name))
			}
		}
	case sqlparser.TableExprs:
		writeList(buf, n)
	case *sqlparser.AliasedTableExpr:
		f.formatTableExpr(buf, n)
	case *sqlparser.ParenTableExpr:
		buf.Myprintf("(%v)", n.Exprs)
	case *sqlparser.JoinTableExpr:
		join := strings.ToUpper(n.Join)
		if n.Join == sqlparser.StraightJoinStr {
			join = "JOIN"
		}
		buf.Myprintf("%v %s %v", n.LeftExpr, join, n.RightExpr)
		if n.Condition.On != nil {
			buf.Myprintf(" ON %v", n.Condition.On)
		}
		if n.Condition.Using != nil {
			buf.WriteString(" USING (")
			for i, c := range n.Condition.Using {
				if i > 0 {
					buf.WriteString(", ")
				}
				buf.WriteString(quoteIdent(c.String()))
			}
			buf.WriteString(")")
		}
	case *sqlparser.Where:
		if n == nil || n.Expr == nil {
			return
		}
		buf.Myprintf(" %s %v", strings.ToUpper(n.Type), n.Expr)
	case *sqlparser.ColName:
		if !n.Qualifier.Qualifier.IsEmpty() {
			f.fail("column %s: database-qualified names are not supported", sqlparser.String(n))
			return
		}
		if !n.Qualifier.Name.IsEmpty() {
			buf.WriteString(quoteIdent(n.Qualifier.Name.String()) + ".")
		}
		buf.WriteString(quoteIdent(n.Name.String()))
	case sqlparser.ColIdent:
		buf.WriteString(quoteIdent(n.String()))
	case sqlparser.TableIdent:
		buf.WriteString(quoteIdent(n.String()))
	case *sqlparser.SQLVal:
		f.formatValue(buf, n)
	case *sqlparser.NullVal:
		buf.WriteString("NULL")
	case sqlparser.BoolVal:
		if n {
			buf.WriteString("TRUE")
		} else {
			buf.WriteString("FALSE")
		}
	case sqlparser.ValTuple:
		buf.WriteString("(")
		writeList(buf, n)
		buf.WriteString(")")
	case sqlparser.Exprs:
		writeList(buf, n)
	case *sqlparser.AndExpr:
		f.operand(buf, n.Left)
		buf.WriteString(" AND ")
		f.operand(buf, n.Right)
	case *sqlparser.OrExpr:
		f.operand(buf, n.Left)
		buf.WriteString(" OR ")
		f.operand(buf, n.Right)
	case *sqlparser.NotExpr:
		buf.WriteString("NOT ")
		f.operand(buf, n.Expr)
	case *sqlparser.ParenExpr:
		buf.Myprintf("(%v)", n.Expr)
	case *sqlparser.ComparisonExpr:
		f.formatComparison(buf, n)
	case *sqlparser.RangeCond:
		f.operand(buf, n.Left)
		buf.WriteString(" " + strings.ToUpper(n.Operator) + " ")
		f.operand(buf, n.From)
		buf.WriteString(" AND ")
		f.operand(buf, n.To)
	case *sqlparser.IsExpr:
		f.operand(buf, n.Expr)
		buf.WriteString(" " + strings.ToUpper(n.Operator))
	case *sqlparser.ExistsExpr:
		buf.Myprintf("EXISTS %v", n.Subquery)
	case *sqlparser.BinaryExpr:
		f.formatBinary(buf, n)
	case *sqlparser.UnaryExpr:
		f.formatUnary(buf, n)
	case *sqlparser.CollateExpr:
		f.formatCollate(buf, n)
	case *sqlparser.FuncExpr:
		f.formatFunc(buf, n)
	case *sqlparser.GroupConcatExpr:
		f.formatGroupConcat(buf, n)
	case *sqlparser.SubstrExpr:
		buf.Myprintf("substr(%v, %v", n.Name, n.From)
		if n.To != nil {
			buf.Myprintf(", %v", n.To)
		}
		buf.WriteString(")")
	case *sqlparser.ConvertExpr:
		f.formatCast(buf, n)
	case *sqlparser.ConvertUsingExpr:
		buf.Myprintf("%v", n.Expr)
	case *sqlparser.CaseExpr:
		buf.WriteString("CASE")
		if n.Expr != nil {
			buf.WriteString(" ")
			f.operand(buf, n.Expr)
		}
		for _, w := range n.Whens {
			buf.Myprintf(" WHEN %v THEN %v", w.Cond, w.Val)
		}
		if n.Else != nil {
			buf.Myprintf(" ELSE %v", n.Else)
		}
		buf.WriteString(" END")
	case sqlparser.GroupBy:
		if len(n) == 0 {
			return
		}
		buf.WriteString(" GROUP BY ")
		for i, e := range n {
			if i > 0 {
				buf.WriteString(", ")
			}
			buf.Myprintf("%v", e)
		}
	case sqlparser.OrderBy:
		if len(n) == 0 {
			return
		}
		buf.WriteString(" ORDER BY ")
		for i, o := range n {
			if i > 0 {
				buf.WriteString(", ")
			}
			buf.Myprintf("%v %s", o.Expr, strings.ToUpper(o.Direction))
		}
	case *sqlparser.Limit:
		if n == nil {
			return
		}
		buf.Myprintf(" LIMIT %v", n.Rowcount)
		if n.Offset != nil {
			buf.Myprintf(" OFFSET %v", n.Offset)
		}
	case sqlparser.Comments:
	case *sqlparser.IntervalExpr:
		f.fail("INTERVAL is not supported: use SQLite date modifiers, e.g. datetime(created, '+7 days')")
	case *sqlparser.MatchExpr:
		f.fail("MATCH ... AGAINST is not supported")
	case *sqlparser.ValuesFuncExpr, *sqlparser.Default:
		f.fail("%s is not supported in a query", sqlparser.String(n))
	case sqlparser.ListArg:
		f.fail("list placeholders (%s) are not supported", string(n))
	default:
		f.fail("%s is not supported here (%T)", sqlparser.String(node), node)
	}
}

// writeList writes nodes separated by commas.
func writeList[N sqlparser.SQLNode](buf *sqlparser.TrackedBuffer, nodes []N) {
	for i, n := range nodes {
		if i > 0 {
			buf.WriteString(", ")
		}
		buf.Myprintf("%v", n)
	}
}

func (f *sqliteFormatter) formatSelect(buf *sqlparser.TrackedBuffer, n *sqlparser.Select) {
	if n.Lock != "" {
		f.fail("locking clauses (%s) are not supported", strings.TrimSpace(n.Lock))
		return
	}
	f.scopes = append(f.scopes, f.scopeOf(n.From))
	defer func() { f.scopes = f.scopes[:len(f.scopes)-1] }()
	buf.WriteString("SELECT ")
	if n.Distinct != "" {
		buf.WriteString("DISTINCT ")
	}
	buf.Myprintf("%v", n.SelectExprs)
	if !isDual(n.From) {
		buf.Myprintf(" FROM %v", n.From)
	}
	buf.Myprintf("%v%v%v", n.Where, n.GroupBy, n.Having)
	f.formatOrderLimit(buf, n.OrderBy, n.Limit)
}

func (f *sqliteFormatter) formatOrderLimit(buf *sqlparser.TrackedBuffer, order sqlparser.OrderBy, limit *sqlparser.Limit) {
	buf.Myprintf("%v", order)
	if limit != nil {
		buf.Myprintf("%v", limit)
	}
}

// formatCompoundMember writes one side of a UNION. SQLite does not accept
// parentheses around compound members, so a member with its own ORDER BY or
// LIMIT becomes a subquery.
func (f *sqliteFormatter) formatCompoundMember(buf *sqlparser.TrackedBuffer, s sqlparser.SelectStatement) {
	paren, ok := s.(*sqlparser.ParenSelect)
	if !ok {
		buf.Myprintf("%v", s)
		return
	}
	if sel, ok := paren.Select.(*sqlparser.Select); ok && len(sel.OrderBy) == 0 && sel.Limit == nil {
		buf.Myprintf("%v", sel)
		return
	}
	buf.Myprintf("SELECT * FROM (%v)", paren.Select)
}

func isDual(from sqlparser.TableExprs) bool {
	if len(from) != 1 {
		return false
	}
	t, ok := from[0].(*sqlparser.AliasedTableExpr)
	if !ok {
		return false
	}
	name, ok := t.Expr.(sqlparser.TableName)
	return ok && name.Qualifier.IsEmpty() && name.Name.String() == "dual"
}

func (f *sqliteFormatter) scopeOf(from sqlparser.TableExprs) []scopeTable {
	var out []scopeTable
	for _, ate := range aliasedTables(from) {
		if isDual(sqlparser.TableExprs{ate}) {
			// The parser's stand-in for no FROM: it has no columns.
			continue
		}
		st := scopeTable{qualifier: ate.As.String()}
		if t, ok := f.tables[ate]; ok {
			st.table = t
			if st.qualifier == "" {
				st.qualifier = ate.Expr.(sqlparser.TableName).Name.String()
			}
		}
		out = append(out, st)
	}
	return out
}

// aliasedTables lists the table references of a FROM clause left to right.
func aliasedTables(from sqlparser.TableExprs) []*sqlparser.AliasedTableExpr {
	var out []*sqlparser.AliasedTableExpr
	var walk func(sqlparser.TableExpr)
	walk = func(te sqlparser.TableExpr) {
		switch t := te.(type) {
		case *sqlparser.AliasedTableExpr:
			out = append(out, t)
		case *sqlparser.JoinTableExpr:
			walk(t.LeftExpr)
			walk(t.RightExpr)
		case *sqlparser.ParenTableExpr:
			for _, e := range t.Exprs {
				walk(e)
			}
		}
	}
	for _, te := range from {
		walk(te)
	}
	return out
}

// formatStar expands * into the documented fields of provider tables, so
// that the parameter columns stored beside them stay out of SELECT *.
func (f *sqliteFormatter) formatStar(buf *sqlparser.TrackedBuffer, n *sqlparser.StarExpr) {
	scope := f.scopes[len(f.scopes)-1]
	var cols []string
	for _, st := range scope {
		if !n.TableName.IsEmpty() && !strings.EqualFold(n.TableName.Name.String(), st.qualifier) {
			continue
		}
		q := quoteIdent(st.qualifier)
		if st.table == nil {
			cols = append(cols, q+".*")
			continue
		}
		for _, c := range st.table.Fields() {
			cols = append(cols, q+"."+quoteIdent(c.Name))
		}
	}
	if len(cols) == 0 {
		if n.TableName.IsEmpty() {
			f.fail("SELECT * needs a FROM clause")
		} else {
			f.fail("%s.*: no table named %s in this FROM clause", n.TableName.Name.String(), n.TableName.Name.String())
		}
		return
	}
	buf.WriteString(strings.Join(cols, ", "))
}

func (f *sqliteFormatter) formatTableExpr(buf *sqlparser.TrackedBuffer, n *sqlparser.AliasedTableExpr) {
	if len(n.Partitions) > 0 {
		f.fail("PARTITION is not supported")
		return
	}
	if t, ok := f.tables[n]; ok {
		buf.WriteString(quoteIdent(t.Name))
		alias := n.As.String()
		if alias == "" {
			// Qualified references still use the name as written.
			alias = n.Expr.(sqlparser.TableName).Name.String()
		}
		if alias != t.Name {
			buf.WriteString(" AS " + quoteIdent(alias))
		}
		return
	}
	switch e := n.Expr.(type) {
	case *sqlparser.Subquery:
		buf.Myprintf("%v", e)
	case sqlparser.TableName:
		f.fail("unknown table %s", sqlparser.String(e))
		return
	}
	if !n.As.IsEmpty() {
		buf.WriteString(" AS " + quoteIdent(n.As.String()))
	}
}

func (f *sqliteFormatter) formatValue(buf *sqlparser.TrackedBuffer, v *sqlparser.SQLVal) {
	switch v.Type {
	case sqlparser.StrVal:
		buf.WriteString(quoteString(string(v.Val)))
	case sqlparser.IntVal, sqlparser.FloatVal, sqlparser.HexNum:
		buf.Write(v.Val)
	case sqlparser.HexVal:
		buf.WriteString("X'" + string(v.Val) + "'")
	case sqlparser.BitVal:
		n, err := strconv.ParseUint(string(v.Val), 2, 64)
		if err != nil {
			f.fail("bit literal b'%s' is too long", v.Val)
			return
		}
		buf.WriteString(strconv.FormatUint(n, 10))
	default:
		f.fail("placeholders (%s) are not supported: write the value into the statement or use {{ templates }} with --var", v.Val)
	}
}

// operand writes an operand of an operator, parenthesized when it is itself
// an operation: SQLite ranks some operators differently from MySQL, and the
// parse tree is the meaning the user wrote.
func (f *sqliteFormatter) operand(buf *sqlparser.TrackedBuffer, e sqlparser.Expr) {
	switch e.(type) {
	case *sqlparser.AndExpr, *sqlparser.OrExpr, *sqlparser.NotExpr, *sqlparser.ComparisonExpr,
		*sqlparser.RangeCond, *sqlparser.IsExpr, *sqlparser.BinaryExpr, *sqlparser.UnaryExpr,
		*sqlparser.CollateExpr:
		buf.Myprintf("(%v)", e)
	default:
		buf.Myprintf("%v", e)
	}
}

func (f *sqliteFormatter) formatComparison(buf *sqlparser.TrackedBuffer, n *sqlparser.ComparisonExpr) {
	op := strings.ToUpper(n.Operator)
	switch n.Operator {
	case sqlparser.NullSafeEqualStr:
		op = "IS"
	case sqlparser.JSONExtractOp, sqlparser.JSONUnquoteExtractOp:
		op = n.Operator
	}
	f.operand(buf, n.Left)
	buf.WriteString(" " + op + " ")
	f.operand(buf, n.Right)
	if n.Escape != nil {
		buf.WriteString(" ESCAPE ")
		f.operand(buf, n.Escape)
	}
}

func (f *sqliteFormatter) formatBinary(buf *sqlparser.TrackedBuffer, n *sqlparser.BinaryExpr) {
	switch n.Operator {
	case sqlparser.IntDivStr:
		buf.WriteString("CAST(")
		f.operand(buf, n.Left)
		buf.WriteString(" / ")
		f.operand(buf, n.Right)
		buf.WriteString(" AS INTEGER)")
	case sqlparser.BitXorStr:
		// SQLite has no XOR operator: a ^ b = (a | b) - (a & b).
		buf.WriteString("((")
		f.operand(buf, n.Left)
		buf.WriteString(" | ")
		f.operand(buf, n.Right)
		buf.WriteString(") - (")
		f.operand(buf, n.Left)
		buf.WriteString(" & ")
		f.operand(buf, n.Right)
		buf.WriteString("))")
	default:
		f.operand(buf, n.Left)
		buf.WriteString(" " + n.Operator + " ")
		f.operand(buf, n.Right)
	}
}

func (f *sqliteFormatter) formatUnary(buf *sqlparser.TrackedBuffer, n *sqlparser.UnaryExpr) {
	switch n.Operator {
	case sqlparser.BangStr:
		buf.WriteString("NOT ")
	case sqlparser.BinaryStr, sqlparser.UBinaryStr:
		// SQLite compares text byte by byte already.
	default:
		buf.WriteString(n.Operator)
	}
	f.operand(buf, n.Expr)
}

func (f *sqliteFormatter) formatCollate(buf *sqlparser.TrackedBuffer, n *sqlparser.CollateExpr) {
	name := strings.ToLower(n.Charset)
	var coll string
	switch {
	case name == "nocase" || strings.HasSuffix(name, "_ci"):
		coll = "NOCASE"
	case name == "binary" || strings.HasSuffix(name, "_bin") || strings.HasSuffix(name, "_cs"):
		coll = "BINARY"
	case name == "rtrim":
		coll = "RTRIM"
	default:
		f.fail("collation %s is not supported: use a *_ci collation (or NOCASE) for case-insensitive comparison, *_bin (or BINARY) for exact", n.Charset)
		return
	}
	f.operand(buf, n.Expr)
	buf.WriteString(" COLLATE " + coll)
}

// sqliteFuncNames renames MySQL functions to their SQLite equivalents.
var sqliteFuncNames = map[string]string{
	"if":                "iif",
	"lcase":             "lower",
	"ucase":             "upper",
	"char_length":       "length",
	"character_length":  "length",
	"substring":         "substr",
	"mid":               "substr",
	"std":               "stddev",
	"json_length":       "json_array_length",
	"current_timestamp": "datetime",
	"now":               "datetime",
	"sysdate":           "datetime",
	"localtime":         "datetime",
	"localtimestamp":    "datetime",
	"utc_timestamp":     "datetime",
	"curdate":           "date",
	"current_date":      "date",
	"utc_date":          "date",
	"curtime":           "time",
	"current_time":      "time",
	"utc_time":          "time",
}

func (f *sqliteFormatter) formatFunc(buf *sqlparser.TrackedBuffer, n *sqlparser.FuncExpr) {
	if !n.Qualifier.IsEmpty() {
		f.fail("function %s: qualified function names are not supported", sqlparser.String(n))
		return
	}
	name := n.Name.Lowered()
	if renamed, ok := sqliteFuncNames[name]; ok {
		switch renamed {
		case "datetime", "date", "time":
			// MySQL's clock functions; SQLite's take 'now' (UTC).
			if len(n.Exprs) > 0 {
				f.fail("%s() takes no arguments here", name)
				return
			}
			buf.WriteString(renamed + "('now')")
			return
		}
		name = renamed
	}
	if len(n.Exprs) == 1 {
		if star, ok := n.Exprs[0].(*sqlparser.StarExpr); ok && star.TableName.IsEmpty() {
			// count(*): the star is the function's, not a column list.
			buf.WriteString(name + "(*)")
			return
		}
	}
	// The grammar gives arguments as select expressions; written as such
	// they would carry the column alias of a select list item.
	args := make(sqlparser.Exprs, 0, len(n.Exprs))
	for _, e := range n.Exprs {
		ae, ok := e.(*sqlparser.AliasedExpr)
		if !ok {
			f.fail("%s: * is not a function argument here", sqlparser.String(n))
			return
		}
		args = append(args, ae.Expr)
	}
	if name == "isnull" && len(args) == 1 {
		buf.WriteString("(")
		f.operand(buf, args[0])
		buf.WriteString(" IS NULL)")
		return
	}
	if name == "locate" && len(args) == 2 {
		buf.Myprintf("instr(%v, %v)", args[1], args[0])
		return
	}
	buf.WriteString(name + "(")
	if n.Distinct {
		buf.WriteString("DISTINCT ")
	}
	buf.Myprintf("%v)", args)
}

func (f *sqliteFormatter) formatGroupConcat(buf *sqlparser.TrackedBuffer, n *sqlparser.GroupConcatExpr) {
	sep := ","
	if n.Separator != "" {
		sep = strings.TrimSuffix(strings.TrimPrefix(n.Separator, " separator '"), "'")
	}
	if n.Distinct != "" && sep != "," {
		f.fail("GROUP_CONCAT(DISTINCT ... SEPARATOR ...) is not supported: SQLite takes DISTINCT only with the default ',' separator")
		return
	}
	buf.WriteString("group_concat(")
	if n.Distinct != "" {
		buf.WriteString("DISTINCT ")
	}
	// MySQL joins several arguments end to end.
	for i, e := range n.Exprs {
		if i > 0 {
			buf.WriteString(" || ")
		}
		ae, ok := e.(*sqlparser.AliasedExpr)
		if !ok {
			f.fail("GROUP_CONCAT(*) is not supported")
			return
		}
		f.operand(buf, ae.Expr)
	}
	if n.Distinct == "" {
		buf.WriteString(", " + quoteString(sep))
	}
	buf.Myprintf("%v)", n.OrderBy)
}

// formatCast maps MySQL's CAST/CONVERT target types to SQLite's.
func (f *sqliteFormatter) formatCast(buf *sqlparser.TrackedBuffer, n *sqlparser.ConvertExpr) {
	typ := strings.ToLower(n.Type.Type)
	switch typ {
	case "date", "datetime", "time":
		// CAST(x AS DATE) in SQLite gives a number; the date functions
		// give the text MySQL would.
		buf.Myprintf("%s(%v)", typ, n.Expr)
		return
	case "json":
		buf.Myprintf("json(%v)", n.Expr)
		return
	}
	target := map[string]string{
		"signed": "INTEGER", "unsigned": "INTEGER", "signed integer": "INTEGER", "unsigned integer": "INTEGER",
		"integer": "INTEGER", "int": "INTEGER",
		"char": "TEXT", "nchar": "TEXT", "varchar": "TEXT",
		"decimal": "NUMERIC", "float": "REAL", "double": "REAL", "real": "REAL",
		"binary": "BLOB",
	}[typ]
	if target == "" {
		f.fail("CAST to %s is not supported: use SIGNED, UNSIGNED, CHAR, DECIMAL, DOUBLE, DATE, DATETIME, TIME, JSON or BINARY", n.Type.Type)
		return
	}
	buf.Myprintf("CAST(%v AS %s)", n.Expr, target)
}
