package planner

import (
	"strconv"
	"strings"

	"github.com/xwb1989/sqlparser"
)

// limitRows lets a single-table SELECT stop fetching once it has enough
// rows: when nothing is left for SQLite to filter, sort, group or join,
// LIMIT n (with OFFSET m) needs only the first n+m rows the API returns.
// Any condition beyond the call's own parameters keeps every page.
func limitRows(stmt sqlparser.SelectStatement, refs []*tableRef, tableOf map[*sqlparser.AliasedTableExpr]*Table) {
	sel, ok := stmt.(*sqlparser.Select)
	if !ok || len(refs) != 1 || sel.Limit == nil || len(sel.From) != 1 {
		return
	}
	if sel.Distinct != "" || len(sel.GroupBy) > 0 || sel.Having != nil || len(sel.OrderBy) > 0 {
		return
	}
	if _, ok := sel.From[0].(*sqlparser.AliasedTableExpr); !ok {
		return
	}
	simple := true
	_ = sqlparser.Walk(func(node sqlparser.SQLNode) (bool, error) {
		switch n := node.(type) {
		case *sqlparser.Subquery, *sqlparser.GroupConcatExpr:
			simple = false
		case *sqlparser.FuncExpr:
			if n.IsAggregate() {
				simple = false
			}
		}
		return simple, nil
	}, sel.SelectExprs)
	if !simple {
		return
	}
	count, ok := intLiteral(sel.Limit.Rowcount)
	if !ok {
		return
	}
	offset := 0
	if sel.Limit.Offset != nil {
		if offset, ok = intLiteral(sel.Limit.Offset); !ok {
			return
		}
	}
	ref := refs[0]
	t := tableOf[ref.expr]
	b := ref.bind("select")
	if len(b.rest) > 0 {
		return
	}
	// Every condition gave a literal; each must be a parameter the call
	// takes, or SQLite still has rows to drop.
	for _, bind := range b.values {
		if _, ok := t.Method.Param(bind.Param); !ok {
			return
		}
	}
	t.RowLimit = count + offset
	if t.RowLimit == 0 {
		return
	}
	p := t.Resource.Service.Provider.Pagination
	if p.PageSizeParam == "" {
		return
	}
	if _, given := b.values[strings.ToLower(p.PageSizeParam)]; given {
		return
	}
	if _, ok := t.Method.Param(p.PageSizeParam); ok && (p.MaxPageSize == 0 || t.RowLimit < p.MaxPageSize) {
		t.PageSize = &PageSize{Param: p.PageSizeParam, Value: t.RowLimit}
	}
}

func intLiteral(e sqlparser.Expr) (int, bool) {
	v, ok := e.(*sqlparser.SQLVal)
	if !ok || v.Type != sqlparser.IntVal {
		return 0, false
	}
	n, err := strconv.Atoi(string(v.Val))
	return n, err == nil && n >= 0
}
