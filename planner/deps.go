package planner

import (
	"fmt"
	"slices"
	"sort"
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
	// choosable plans the refs it can with ready and returns the rest.
	choosable := func(refs []*tableRef, ready func(*source) bool) []*tableRef {
		var rest []*tableRef
		for _, ref := range refs {
			if c, ok := choose(ref.resource.MethodsFor(mapping.VerbSelect), ref.bind(mapping.VerbSelect), ready); ok {
				chosen[ref] = c
				order = append(order, ref)
			} else {
				rest = append(rest, ref)
			}
		}
		return rest
	}
	// Tables that need no other go first, so that a table taking values
	// from another can narrow them with every table already there.
	pending := choosable(refs, nil)
	for len(pending) > 0 {
		still := choosable(pending, ready)
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

// fillSources turns a table's run-time bindings into the SQLite queries
// that give their values. Parameters taken from the same table share one
// query, so their values come in rows.
func fillSources(ref *tableRef, ch *choice, tableOf map[*sqlparser.AliasedTableExpr]*Table, subqueryRefs map[*sqlparser.Subquery][]*tableRef, position map[*tableRef]int) error {
	type group struct {
		src      *source
		bindings []*Binding
	}
	var groups []*group
	byKey := map[any]*group{}
	for _, b := range ch.bindings {
		if b.src == nil || b.From != nil {
			continue
		}
		var key any = b.src.from
		if b.src.sub != nil {
			key = b.src.sub
		}
		g, ok := byKey[key]
		if !ok {
			g = &group{src: b.src}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.bindings = append(g.bindings, b)
	}
	t := tableOf[ref.expr]
	for _, g := range groups {
		vs := &ValueSource{}
		if g.src.sub != nil {
			sql, err := toSQLite(g.src.sub.Select, tableOf)
			if err != nil {
				return err
			}
			vs.SQL = sql
			vs.Describe = "value of the subquery " + sqlparser.String(g.src.sub)
			for _, r := range subqueryRefs[g.src.sub] {
				vs.Tables = appendTable(vs.Tables, tableOf[r.expr])
			}
		} else {
			var cols, names []string
			for _, b := range g.bindings {
				col, err := toSQLite(b.src.col, tableOf)
				if err != nil {
					return err
				}
				cols = append(cols, col)
				names = append(names, b.src.describe())
			}
			tables := narrowingTables(ref, g.src.from, position)
			var from, joined []string
			for _, r := range tables {
				from = append(from, quoteIdent(tableOf[r.expr].Name)+" AS "+quoteIdent(r.qualifier))
				vs.Tables = appendTable(vs.Tables, tableOf[r.expr])
				if r != g.src.from {
					joined = append(joined, r.qualifier)
				}
			}
			vs.SQL = fmt.Sprintf("SELECT DISTINCT %s FROM %s", strings.Join(cols, ", "), strings.Join(from, ", "))
			vs.Describe = strings.Join(names, ", ")
			if len(names) > 1 {
				vs.Describe = "(" + vs.Describe + ")"
			}
			if len(joined) > 0 {
				vs.Describe += " of " + g.src.from.qualifier + " joined with " + strings.Join(joined, ", ")
			}
			var narrow []string
			for _, cond := range narrowingConds(ref, tables) {
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
		}
		for i, b := range g.bindings {
			b.From, b.Column = vs, i
		}
		for _, dep := range vs.Tables {
			t.Deps = appendTable(t.Deps, dep)
		}
	}
	return nil
}

// narrowingTables returns the tables whose rows decide which values of
// from's columns matter to ref: from itself, and the tables of the same
// FROM clause, filled before ref and joined without an outer join, that
// conditions link to from. A value no row of that join holds makes a call
// whose rows no result can use. Across an outer join or a subquery, only
// from's own conditions narrow.
func narrowingTables(ref, from *tableRef, position map[*tableRef]int) []*tableRef {
	if from.nullable || !slices.Contains(ref.peers, from) {
		return []*tableRef{from}
	}
	candidates := []*tableRef{from}
	for _, p := range ref.peers {
		if p != ref && p != from && !p.nullable && position[p] < position[ref] {
			candidates = append(candidates, p)
		}
	}
	conds := usableConds(ref, candidates)
	connected := []*tableRef{from}
	for grew := true; grew; {
		grew = false
		for _, c := range conds {
			if !overlaps(c.tables, connected) {
				continue
			}
			for _, r := range c.tables {
				if !slices.Contains(connected, r) {
					connected = append(connected, r)
					grew = true
				}
			}
		}
	}
	sort.SliceStable(connected[1:], func(i, j int) bool { return position[connected[1+i]] < position[connected[1+j]] })
	return connected
}

// narrowingConds returns the conditions that restrict rows of the given
// tables alone.
func narrowingConds(ref *tableRef, tables []*tableRef) []sqlparser.Expr {
	var out []sqlparser.Expr
	for _, c := range usableConds(ref, tables) {
		out = append(out, c.expr)
	}
	return out
}

type tableCond struct {
	expr   sqlparser.Expr
	tables []*tableRef
}

// usableConds returns the conditions of ref and of the given tables that
// name columns of those tables only, with no subquery, each with the tables
// it names.
func usableConds(ref *tableRef, tables []*tableRef) []tableCond {
	var out []tableCond
	seen := map[sqlparser.Expr]bool{}
	for _, owner := range append([]*tableRef{ref}, tables...) {
		for _, cond := range owner.conds {
			if seen[cond] {
				continue
			}
			seen[cond] = true
			if named, ok := tablesNamed(owner, cond); ok && len(named) > 0 && subset(named, tables) {
				out = append(out, tableCond{expr: cond, tables: named})
			}
		}
	}
	return out
}

// tablesNamed lists the tables whose columns cond names, read in owner's
// scope; ok is false when cond holds a subquery or a column of no provider
// table.
func tablesNamed(owner *tableRef, cond sqlparser.Expr) ([]*tableRef, bool) {
	var named []*tableRef
	ok := true
	_ = sqlparser.Walk(func(node sqlparser.SQLNode) (bool, error) {
		switch n := node.(type) {
		case *sqlparser.Subquery:
			ok = false
		case *sqlparser.ColName:
			r := owner.resolve(n)
			if r == nil {
				ok = false
			} else if !slices.Contains(named, r) {
				named = append(named, r)
			}
		}
		return ok, nil
	}, cond)
	return named, ok
}

func subset(a, b []*tableRef) bool {
	for _, r := range a {
		if !slices.Contains(b, r) {
			return false
		}
	}
	return true
}

func overlaps(a, b []*tableRef) bool {
	for _, r := range a {
		if slices.Contains(b, r) {
			return true
		}
	}
	return false
}

func appendTable(tables []*Table, t *Table) []*Table {
	for _, have := range tables {
		if have == t {
			return tables
		}
	}
	return append(tables, t)
}
