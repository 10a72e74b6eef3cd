package planner

import (
	"strings"

	"github.com/xwb1989/sqlparser"
)

// columnNames maps each unaliased expression of a SELECT's select list to
// its text as the user wrote it, which names its result column: the parser
// would render CAST(a AS SIGNED) as convert(a, signed). It reads the
// outermost select list only; where the text and the parse do not line up,
// it gives nothing and the parser's rendering names the column.
func columnNames(text string, stmt sqlparser.SelectStatement) map[*sqlparser.AliasedExpr]string {
	sel, ok := stmt.(*sqlparser.Select)
	if !ok {
		return nil
	}
	items := selectListTexts(text)
	if len(items) != len(sel.SelectExprs) {
		return nil
	}
	names := map[*sqlparser.AliasedExpr]string{}
	for i, se := range sel.SelectExprs {
		ae, ok := se.(*sqlparser.AliasedExpr)
		if !ok || !ae.As.IsEmpty() {
			continue
		}
		if _, isCol := ae.Expr.(*sqlparser.ColName); isCol {
			continue
		}
		names[ae] = items[i]
	}
	return names
}

// selectListTexts splits the select list of a SELECT's text at its
// top-level commas, each item with comments dropped and spaces collapsed.
func selectListTexts(text string) []string {
	toks, err := lex(text, true)
	if err != nil {
		return nil
	}
	var code []token
	for _, t := range toks {
		if t.kind != tokComment {
			code = append(code, t)
		}
	}
	i := 0
	skipSpace := func() {
		for i < len(code) && code[i].kind == tokSpace {
			i++
		}
	}
	skipSpace()
	if i >= len(code) || !strings.EqualFold(code[i].text, "select") {
		return nil
	}
	i++
	modifiers := map[string]bool{"distinct": true, "all": true, "distinctrow": true, "straight_join": true,
		"sql_cache": true, "sql_no_cache": true, "high_priority": true, "sql_calc_found_rows": true}
	for skipSpace(); i < len(code) && code[i].kind == tokWord && modifiers[strings.ToLower(code[i].text)]; skipSpace() {
		i++
	}
	ends := map[string]bool{"from": true, "where": true, "group": true, "having": true, "order": true,
		"limit": true, "union": true, "into": true, "for": true, "lock": true}
	var items []string
	var item strings.Builder
	depth := 0
	flush := func() {
		items = append(items, strings.Join(strings.Fields(item.String()), " "))
		item.Reset()
	}
	for ; i < len(code); i++ {
		t := code[i]
		switch {
		case t.kind == tokPunct && t.text == "(":
			depth++
		case t.kind == tokPunct && t.text == ")":
			depth--
		case depth == 0 && t.kind == tokPunct && t.text == ",":
			flush()
			continue
		case depth == 0 && t.kind == tokWord && ends[strings.ToLower(t.text)]:
			flush()
			return items
		case depth == 0 && t.kind == tokPunct && t.text == ";":
			flush()
			return items
		}
		item.WriteString(t.text)
	}
	flush()
	return items
}
