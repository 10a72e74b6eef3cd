// Package planner reads statements and plans them: which API method serves
// each table, which calls it takes, and the SQL left for SQLite. A plan is
// data; the planner makes no calls and opens no database.
package planner

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/xwb1989/sqlparser"

	"github.com/specsql/specsql/mapping"
)

// Plan is what one statement will do.
type Plan struct {
	Statement *Statement
	// Tables are the SQLite tables a SELECT reads, each filled by API calls.
	Tables []*Table
	// SQL is the statement SQLite runs once the tables are filled.
	SQL string
	// Calls are the calls a DELETE or EXEC makes, in order.
	Calls []*Call
	// Result is the answer of a discovery statement (SHOW, DESCRIBE),
	// known from the mapping alone.
	Result *Result
	// TypeHints are the types, by result column name, of expressions whose
	// type SQLite does not declare but which is always the same.
	TypeHints map[string]string
}

// Table is a SQLite table holding the rows of one set of calls to a
// resource's select method.
type Table struct {
	Name     string
	Resource *mapping.Resource
	Method   *mapping.Method
	Bindings []*Binding
	// Calls are known up front when every binding is literal; otherwise
	// they are made from the values of Deps, once those are filled.
	Calls []*Call
	// Deps are the tables to fill before this one.
	Deps []*Table
	// RowLimit, when above zero, is how many rows are enough: nothing in
	// the statement filters or orders this table's rows beyond its calls.
	RowLimit int
	// PageSize is a page-size parameter to send, with RowLimit.
	PageSize *PageSize
}

// PageSize is a query parameter that sets how many rows a page holds.
type PageSize struct {
	Param string
	Value int
}

// Fields are the resource's documented fields, the columns of SELECT *.
func (t *Table) Fields() []mapping.Column { return t.Resource.Columns }

// Columns are the fields followed by the parameter columns.
func (t *Table) Columns() []mapping.Column {
	return append(append([]mapping.Column{}, t.Resource.Columns...), t.Resource.ParamColumns()...)
}

// Binding is a parameter's values, taken from the statement.
type Binding struct {
	Param  string
	Values []string
	// Source says where the values came from, for EXPLAIN and errors.
	Source string
	// From, when set, supplies the values at run time from other tables:
	// column Column of each row of From's query.
	From   *ValueSource
	Column int

	src *source
}

// ValueSource is a query over filled tables whose rows give parameter
// values: each distinct row makes one call. Parameters taken from the same
// table come from the same rows, so that a user's id goes with that
// user's org.
type ValueSource struct {
	Tables []*Table
	SQL    string
	// Describe names the source for EXPLAIN, e.g. "u.id" or "a subquery".
	Describe string
}

// Sources lists the value sources of a table's bindings, in order.
func (t *Table) Sources() []*ValueSource {
	var out []*ValueSource
	for _, b := range t.Bindings {
		if b.From != nil && !slices.Contains(out, b.From) {
			out = append(out, b.From)
		}
	}
	return out
}

// CallsWith makes the table's calls, given the rows of its value sources:
// every combination of literal values and source rows.
func (t *Table) CallsWith(rows map[*ValueSource][][]string) []*Call {
	var literal []*Binding
	for _, b := range t.Bindings {
		if b.From == nil {
			literal = append(literal, b)
		}
	}
	calls := expandCalls(t.Method, literal)
	for _, vs := range t.Sources() {
		var next []*Call
		for _, c := range calls {
			for _, row := range rows[vs] {
				params := maps.Clone(c.Params)
				for _, b := range t.Bindings {
					if b.From == vs {
						params[b.Param] = row[b.Column]
					}
				}
				next = append(next, &Call{Method: t.Method, Params: params})
			}
		}
		calls = next
	}
	return calls
}

// Call is one API call.
type Call struct {
	Method *mapping.Method
	// Params holds a value for each parameter given, by parameter name.
	Params map[string]string
	// Body is the JSON request body, or nil for none.
	Body []byte
}

// Planner plans statements against the loaded providers.
type Planner struct {
	Registry *mapping.Registry
}

// Prepare parses and plans every statement of input before anything runs,
// so that an error in the last statement stops the first from running.
func (p *Planner) Prepare(input string, vars map[string]string) ([]*Plan, error) {
	stmts, err := Parse(input, vars, func(name string) bool { return p.Registry.Provider(name) != nil })
	if err != nil {
		return nil, err
	}
	plans := make([]*Plan, 0, len(stmts))
	for i, s := range stmts {
		plan, err := p.Plan(s)
		if err != nil {
			if len(stmts) > 1 {
				return nil, fmt.Errorf("statement %d: %w", i+1, err)
			}
			return nil, err
		}
		plans = append(plans, plan)
	}
	return plans, nil
}

// Plan plans one parsed statement.
func (p *Planner) Plan(s *Statement) (*Plan, error) {
	switch s.Kind {
	case KindSelect:
		return p.planSelect(s)
	case KindDelete:
		return p.planDelete(s)
	case KindExec:
		return p.planExec(s)
	case KindShow:
		return p.planShow(s)
	case KindRefresh:
		return &Plan{Statement: s}, nil
	case KindInsert:
		return nil, p.unsupportedVerb(s.Insert.Table, mapping.VerbInsert)
	case KindUpdate:
		return nil, p.unsupportedVerb(firstTableName(s.Update.TableExprs), mapping.VerbUpdate)
	}
	return nil, fmt.Errorf("unsupported statement %s", s.Kind)
}

// tableRef is a provider table named in a FROM clause.
type tableRef struct {
	expr      *sqlparser.AliasedTableExpr
	qualifier string // the alias, or the name as written
	resource  *mapping.Resource
	// conds are the conjuncts that restrict the rows this table contributes.
	conds []sqlparser.Expr
	// peers are the references of the same FROM clause, which decide
	// whether an unqualified column name is ambiguous.
	peers []*tableRef
	// outer are the FROM clauses of enclosing statements, innermost first,
	// which a correlated subquery's columns may name.
	outer [][]*tableRef
	// nullable is set for a table on the side of an outer join whose rows
	// may be missing (the right of a LEFT JOIN).
	nullable bool
}

func (p *Planner) planSelect(s *Statement) (*Plan, error) {
	c := &collector{planner: p, subqueryRefs: map[*sqlparser.Subquery][]*tableRef{}}
	refs, err := c.collect(s.Select, nil)
	if err != nil {
		return nil, err
	}
	chosen, order, err := resolveRefs(refs, c.subqueryRefs)
	if err != nil {
		return nil, err
	}

	plan := &Plan{Statement: s}
	byKey := map[string]*Table{}
	perResource := map[*mapping.Resource]int{}
	tableOf := map[*sqlparser.AliasedTableExpr]*Table{}
	for _, ref := range order {
		ch := chosen[ref]
		key := tableKey(ch.method, ch.bindings)
		t, ok := byKey[key]
		if !ok {
			perResource[ref.resource]++
			name := ref.resource.ID()
			if n := perResource[ref.resource]; n > 1 {
				name = fmt.Sprintf("%s#%d", name, n)
			}
			t = &Table{Name: name, Resource: ref.resource, Method: ch.method, Bindings: ch.bindings}
			if !ch.dynamic() {
				t.Calls = expandCalls(ch.method, ch.bindings)
			}
			byKey[key] = t
			plan.Tables = append(plan.Tables, t)
		}
		tableOf[ref.expr] = t
	}
	position := map[*tableRef]int{}
	for i, ref := range order {
		position[ref] = i
	}
	for _, ref := range order {
		if err := fillSources(ref, chosen[ref], tableOf, c.subqueryRefs, position); err != nil {
			return nil, err
		}
	}
	names := columnNames(s.Text, s.Select)
	sql, err := toSQLiteNamed(s.Select, tableOf, names)
	if err != nil {
		return nil, err
	}
	plan.SQL = sql
	plan.TypeHints = typeHints(s.Select, names)
	limitRows(s.Select, refs, tableOf)
	return plan, nil
}

// scopeRefs finds the provider tables of one SELECT and the conditions that
// restrict each: the WHERE conjuncts, and the ON conjuncts of joins where
// the table is not on the side an outer join keeps whole.
func (p *Planner) scopeRefs(sel *sqlparser.Select) ([]*tableRef, error) {
	var refs []*tableRef
	byExpr := map[*sqlparser.AliasedTableExpr]*tableRef{}
	for _, ate := range aliasedTables(sel.From) {
		name, ok := ate.Expr.(sqlparser.TableName)
		if !ok {
			continue
		}
		if name.Qualifier.IsEmpty() && name.Name.String() == "dual" {
			continue
		}
		res, err := p.resolveTable(name)
		if err != nil {
			return nil, err
		}
		q := ate.As.String()
		if q == "" {
			q = name.Name.String()
		}
		ref := &tableRef{expr: ate, qualifier: q, resource: res}
		refs = append(refs, ref)
		byExpr[ate] = ref
	}
	where := conjuncts(whereExpr(sel.Where))
	for _, ref := range refs {
		ref.conds = append(ref.conds, where...)
		ref.peers = refs
	}
	for _, te := range sel.From {
		addJoinConds(te, byExpr)
		markNullable(te, false, byExpr)
	}
	return refs, nil
}

func (p *Planner) resolveTable(name sqlparser.TableName) (*mapping.Resource, error) {
	full := name.Name.String()
	if !name.Qualifier.IsEmpty() {
		full = name.Qualifier.String() + "." + full
	}
	if strings.Count(full, ".") != 2 {
		return nil, fmt.Errorf("unknown table %s: tables are named provider.service.resource, e.g. okta.webauthn_registration.enrollments (loaded providers: %s)", full, p.providerNames())
	}
	return p.Registry.Lookup(full)
}

func (p *Planner) providerNames() string {
	var names []string
	for _, pr := range p.Registry.Providers {
		names = append(names, pr.Name)
	}
	return strings.Join(names, ", ")
}

func addJoinConds(te sqlparser.TableExpr, byExpr map[*sqlparser.AliasedTableExpr]*tableRef) {
	switch t := te.(type) {
	case *sqlparser.JoinTableExpr:
		addJoinConds(t.LeftExpr, byExpr)
		addJoinConds(t.RightExpr, byExpr)
		if t.Condition.On == nil {
			return
		}
		var restricted []sqlparser.TableExpr
		switch t.Join {
		case sqlparser.LeftJoinStr, sqlparser.NaturalLeftJoinStr:
			restricted = []sqlparser.TableExpr{t.RightExpr}
		case sqlparser.RightJoinStr, sqlparser.NaturalRightJoinStr:
			restricted = []sqlparser.TableExpr{t.LeftExpr}
		default:
			restricted = []sqlparser.TableExpr{t.LeftExpr, t.RightExpr}
		}
		conds := conjuncts(t.Condition.On)
		for _, side := range restricted {
			for _, ate := range aliasedTables(sqlparser.TableExprs{side}) {
				if ref, ok := byExpr[ate]; ok {
					ref.conds = append(ref.conds, conds...)
				}
			}
		}
	case *sqlparser.ParenTableExpr:
		for _, e := range t.Exprs {
			addJoinConds(e, byExpr)
		}
	}
}

// markNullable flags the tables an outer join may pad with NULLs.
func markNullable(te sqlparser.TableExpr, nullable bool, byExpr map[*sqlparser.AliasedTableExpr]*tableRef) {
	switch t := te.(type) {
	case *sqlparser.AliasedTableExpr:
		if ref, ok := byExpr[t]; ok {
			ref.nullable = nullable
		}
	case *sqlparser.JoinTableExpr:
		left, right := nullable, nullable
		switch t.Join {
		case sqlparser.LeftJoinStr, sqlparser.NaturalLeftJoinStr:
			right = true
		case sqlparser.RightJoinStr, sqlparser.NaturalRightJoinStr:
			left = true
		}
		markNullable(t.LeftExpr, left, byExpr)
		markNullable(t.RightExpr, right, byExpr)
	case *sqlparser.ParenTableExpr:
		for _, e := range t.Exprs {
			markNullable(e, nullable, byExpr)
		}
	}
}

func whereExpr(w *sqlparser.Where) sqlparser.Expr {
	if w == nil {
		return nil
	}
	return w.Expr
}

// conjuncts splits an expression at its top-level ANDs.
func conjuncts(e sqlparser.Expr) []sqlparser.Expr {
	switch n := e.(type) {
	case nil:
		return nil
	case *sqlparser.AndExpr:
		return append(conjuncts(n.Left), conjuncts(n.Right)...)
	case *sqlparser.ParenExpr:
		if and, ok := unparen(n).(*sqlparser.AndExpr); ok {
			return conjuncts(and)
		}
	}
	return []sqlparser.Expr{e}
}

func tableKey(m *mapping.Method, bindings []*Binding) string {
	var b strings.Builder
	b.WriteString(m.Resource.ID() + "." + m.Name)
	for _, bind := range bindings {
		if bind.src != nil {
			// Values known only at run time: share a table only with the
			// same source.
			fmt.Fprintf(&b, "|%s<-%s", strings.ToLower(bind.Param), bind.src.key())
			continue
		}
		fmt.Fprintf(&b, "|%s=%q", strings.ToLower(bind.Param), bind.Values)
	}
	return b.String()
}

// expandCalls makes one call per combination of parameter values.
func expandCalls(m *mapping.Method, bindings []*Binding) []*Call {
	calls := []*Call{{Method: m, Params: map[string]string{}}}
	for _, b := range bindings {
		var next []*Call
		for _, c := range calls {
			for _, v := range b.Values {
				params := make(map[string]string, len(c.Params)+1)
				for k, pv := range c.Params {
					params[k] = pv
				}
				params[b.Param] = v
				next = append(next, &Call{Method: m, Params: params})
			}
		}
		calls = next
	}
	return calls
}

func firstTableName(exprs sqlparser.TableExprs) sqlparser.TableName {
	for _, ate := range aliasedTables(exprs) {
		if name, ok := ate.Expr.(sqlparser.TableName); ok {
			return name
		}
	}
	return sqlparser.TableName{}
}

func (p *Planner) unsupportedVerb(name sqlparser.TableName, verb string) error {
	res, err := p.resolveTable(name)
	if err != nil {
		return err
	}
	return fmt.Errorf("table %s does not support %s; it supports %s", res.ID(), strings.ToUpper(verb), describeVerbs(res))
}

// describeVerbs lists what a resource supports, naming the EXEC methods.
func describeVerbs(res *mapping.Resource) string {
	var parts, execs []string
	for _, v := range res.Verbs() {
		if v == mapping.VerbExec {
			continue
		}
		parts = append(parts, strings.ToUpper(v))
	}
	for _, m := range res.MethodsFor(mapping.VerbExec) {
		execs = append(execs, m.Name)
	}
	sort.Strings(execs)
	if len(execs) > 0 {
		parts = append(parts, "EXEC ("+strings.Join(execs, ", ")+")")
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}
