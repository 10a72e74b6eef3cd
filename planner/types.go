package planner

import (
	"strings"

	"github.com/xwb1989/sqlparser"
)

// typeHints guesses the type of the top-level select list's expressions
// that SQLite cannot declare, by result column name: clients that need
// types before any row (the PostgreSQL extended protocol) then see count(*)
// as an integer rather than text. Columns SQLite declares are not guessed.
func typeHints(stmt sqlparser.SelectStatement, names map[*sqlparser.AliasedExpr]string) map[string]string {
	for {
		switch s := stmt.(type) {
		case *sqlparser.Union:
			stmt = s.Left
			continue
		case *sqlparser.ParenSelect:
			stmt = s.Select
			continue
		case *sqlparser.Select:
			hints := map[string]string{}
			for _, se := range s.SelectExprs {
				ae, ok := se.(*sqlparser.AliasedExpr)
				if !ok {
					continue
				}
				if _, isCol := ae.Expr.(*sqlparser.ColName); isCol {
					continue
				}
				name := ae.As.String()
				if name == "" {
					name = names[ae]
				}
				if name == "" {
					name = sqlparser.String(ae.Expr)
				}
				if t := exprType(ae.Expr); t != "" {
					hints[name] = t
				}
			}
			return hints
		}
		return nil
	}
}

// exprType is the type an expression always has in SQLite, or "".
func exprType(e sqlparser.Expr) string {
	switch n := e.(type) {
	case *sqlparser.ParenExpr:
		return exprType(n.Expr)
	case *sqlparser.SQLVal:
		switch n.Type {
		case sqlparser.IntVal, sqlparser.HexNum, sqlparser.BitVal:
			return "integer"
		case sqlparser.FloatVal:
			return "real"
		case sqlparser.StrVal:
			return "text"
		}
	case sqlparser.BoolVal, *sqlparser.ComparisonExpr, *sqlparser.AndExpr, *sqlparser.OrExpr,
		*sqlparser.NotExpr, *sqlparser.IsExpr, *sqlparser.RangeCond, *sqlparser.ExistsExpr:
		if c, ok := n.(*sqlparser.ComparisonExpr); ok && (c.Operator == sqlparser.JSONExtractOp || c.Operator == sqlparser.JSONUnquoteExtractOp) {
			return ""
		}
		return "integer"
	case *sqlparser.GroupConcatExpr:
		return "text"
	case *sqlparser.ConvertExpr:
		switch strings.ToLower(n.Type.Type) {
		case "signed", "unsigned", "integer", "int", "signed integer", "unsigned integer":
			return "integer"
		case "decimal", "float", "double", "real":
			return "real"
		case "char", "nchar", "varchar", "date", "datetime", "time":
			return "text"
		}
	case *sqlparser.FuncExpr:
		switch n.Name.Lowered() {
		case "count", "length", "char_length", "character_length", "instr", "locate", "unix_timestamp", "json_array_length", "json_length":
			return "integer"
		case "avg", "total":
			return "real"
		case "lower", "upper", "lcase", "ucase", "substr", "substring", "mid", "concat", "concat_ws", "trim",
			"ltrim", "rtrim", "replace", "left", "right", "group_concat", "typeof", "json_type", "now",
			"current_timestamp", "curdate", "current_date", "curtime", "current_time", "date", "datetime", "time",
			"strftime", "from_unixtime", "hex", "quote":
			return "text"
		}
	}
	return ""
}
