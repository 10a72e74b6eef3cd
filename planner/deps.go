package planner

import (
	"fmt"
	"strings"

	"github.com/xwb1989/sqlparser"

	"github.com/specsql/specsql/mapping"
)

// collector finds every provider table of a SELECT, in subqueries too, with
// the FROM clauses each can see.
type collector struct {
	planner *Planner
	// subqueryRefs lists the tables inside each subquery, which must be
	// filled before the subquery can give values.
	subqueryRefs map[*sqlparser.Subquery][]*tableRef
}

func (c *collector) collect(stmt sqlparser.SelectStatement, outer [][]*tableRef) ([]*tableRef, error) {
	switch s := stmt.(type) {
	case *sqlparser.Union:
		left, err := c.collect(s.Left, outer)
		if err != nil {
			return nil, err
		}
		right, err := c.collect(s.Right, outer)
		return append(left, right...), err
	case *sqlparser.ParenSelect:
		return c.collect(s.Select, outer)
	case *sqlparser.Select:
		refs, err := c.planner.scopeRefs(s)
		if err != nil {
			return nil, err
		}
		for _, ref := range refs {
			ref.outer = outer
		}
		all := refs
		inner := append([][]*tableRef{refs}, outer...)
		var walkErr error
		sub := func(q *sqlparser.Subquery, scopes [][]*tableRef) {
			found, err := c.collect(q.Select, scopes)
			if err != nil && walkErr == nil {
				walkErr = err
			}
			c.subqueryRefs[q] = found
			all = append(all, found...)
		}
		// A derived table in FROM cannot see its neighbours; subqueries in
		// expressions, ON clauses included, can.
		visit := func(node sqlparser.SQLNode) (bool, error) {
			switch n := node.(type) {
			case *sqlparser.AliasedTableExpr:
				if q, ok := n.Expr.(*sqlparser.Subquery); ok {
					sub(q, outer)
				}
				return false, nil
			case *sqlparser.Subquery:
				sub(n, inner)
				return false, nil
			}
			return true, nil
		}
		for _, node := range []sqlparser.SQLNode{s.From, s.SelectExprs, s.Where, s.GroupBy, s.Having, s.OrderBy} {
			_ = sqlparser.Walk(visit, node)
		}
		return all, walkErr
	}
	return nil, fmt.Errorf("unsupported statement %T", stmt)
}

// resolveRefs chooses each table's method, in an order where every table
// comes after the tables it takes parameter values from.
func resolveRefs(refs []*tableRef, subqueryRefs map[*sqlparser.Subquery][]*tableRef) (map[*tableRef]*choice, []*tableRef, error) {
	chosen := map[*tableRef]*choice{}
	var order []*tableRef
	ready := func(s *source) bool {
		if s.sub == nil {
			return chosen[s.from] != nil
		}
		for _, r := range subqueryRefs[s.sub] {
			if chosen[r] == nil {
				return false
			}
		}
		return true
	}
	for _, ref := range refs {
		if len(ref.resource.MethodsFor(mapping.VerbSelect)) == 0 {
			return nil, nil, fmt.Errorf("table %s does not support SELECT; it supports %s", ref.resource.ID(), describeVerbs(ref.resource))
		}
	}
	pending := refs
	for len(pending) > 0 {
		var still []*tableRef
		for _, ref := range pending {
			if c, ok := choose(ref.resource.MethodsFor(mapping.VerbSelect), ref.bind(mapping.VerbSelect), ready); ok {
				chosen[ref] = c
				order = append(order, ref)
			} else {
				still = append(still, ref)
			}
		}
		if len(still) == len(pending) {
			return nil, nil, unresolvedError(still)
		}
		pending = still
	}
	return chosen, order, nil
}

// unresolvedError explains why no remaining table can be fetched: they wait
// on each other, or a parameter has no value at all.
func unresolvedError(refs []*tableRef) error {
	var waits []string
	for _, ref := range refs {
		b := ref.bind(mapping.VerbSelect)
		methods := ref.resource.MethodsFor(mapping.VerbSelect)
		for _, m := range methods {
			missing := missingParams(m, b)
			var from []string
			for _, p := range missing {
				if srcs := b.dynamic[strings.ToLower(p.Name)]; len(srcs) > 0 {
					from = append(from, fmt.Sprintf("%s from %s", p.Name, srcs[0].describe()))
				}
			}
			if len(missing) > 0 && len(from) == len(missing) {
				waits = append(waits, fmt.Sprintf("%s (%s) needs %s", ref.qualifier, ref.resource.ID(), strings.Join(from, " and ")))
				break
			}
		}
	}
	if len(waits) == len(refs) {
		return fmt.Errorf("no table can be fetched first, since each needs a parameter from another: %s. Give one of them its parameter as = 'value' or IN ('a', 'b')",
			strings.Join(waits, "; "))
	}
	for _, ref := range refs {
		b := ref.bind(mapping.VerbSelect)
		methods := ref.resource.MethodsFor(mapping.VerbSelect)
		if _, ok := choose(methods, b, func(*source) bool { return true }); !ok {
			return missingParamsError(ref, mapping.VerbSelect, methods, b)
		}
	}
	return fmt.Errorf("no table can be fetched first: %s", strings.Join(waits, "; "))
}

// fillSources turns each run-time binding of a table into the SQLite query
// that gives its values.
func fillSources(ref *tableRef, ch *choice, tableOf map[*sqlparser.AliasedTableExpr]*Table, subqueryRefs map[*sqlparser.Subquery][]*tableRef) error {
	for _, b := range ch.bindings {
		src := b.src
		if src == nil || b.From != nil {
			continue
		}
		vs := &ValueSource{Describe: src.describe()}
		if src.sub != nil {
			sql, err := toSQLite(src.sub.Select, tableOf)
			if err != nil {
				return err
			}
			vs.SQL = sql
			for _, r := range subqueryRefs[src.sub] {
				vs.Tables = appendTable(vs.Tables, tableOf[r.expr])
			}
		} else {
			from := tableOf[src.from.expr]
			col, err := toSQLite(src.col, tableOf)
			if err != nil {
				return err
			}
			vs.SQL = fmt.Sprintf("SELECT DISTINCT %s FROM %s AS %s", col, quoteIdent(from.Name), quoteIdent(src.from.qualifier))
			var narrow []string
			for _, cond := range narrowing(ref, src.from) {
				sql, err := toSQLite(cond, tableOf)
				if err != nil {
					return err
				}
				narrow = append(narrow, sql)
			}
			if len(narrow) > 0 {
				vs.SQL += " WHERE " + strings.Join(narrow, " AND ")
				vs.Describe += " where " + strings.Join(narrow, " AND ")
			}
			vs.Tables = []*Table{from}
		}
		b.From = vs
		t := tableOf[ref.expr]
		for _, dep := range vs.Tables {
			t.Deps = appendTable(t.Deps, dep)
		}
	}
	return nil
}

// narrowing returns the conditions that restrict which rows of from matter
// to ref: those of either table's conditions that name only from's columns.
// Values from other rows would make calls whose rows no result can use.
func narrowing(ref, from *tableRef) []sqlparser.Expr {
	var out []sqlparser.Expr
	seen := map[sqlparser.Expr]bool{}
	for _, owner := range []*tableRef{from, ref} {
		for _, cond := range owner.conds {
			if seen[cond] || !namesOnly(owner, cond, from) {
				continue
			}
			seen[cond] = true
			out = append(out, cond)
		}
	}
	return out
}

// namesOnly reports whether every column of cond, read in owner's scope, is
// a column of target, and cond has at least one and no subquery.
func namesOnly(owner *tableRef, cond sqlparser.Expr, target *tableRef) bool {
	cols := 0
	ok := true
	_ = sqlparser.Walk(func(node sqlparser.SQLNode) (bool, error) {
		switch n := node.(type) {
		case *sqlparser.Subquery:
			ok = false
			return false, nil
		case *sqlparser.ColName:
			cols++
			if owner.resolve(n) != target {
				ok = false
			}
		}
		return ok, nil
	}, cond)
	return ok && cols > 0
}

func appendTable(tables []*Table, t *Table) []*Table {
	for _, have := range tables {
		if have == t {
			return tables
		}
	}
	return append(tables, t)
}
