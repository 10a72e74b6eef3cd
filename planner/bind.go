package planner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/xwb1989/sqlparser"

	"github.com/specsql/specsql/mapping"
)

// bindings is what the conditions on one table supply to its methods.
type bindings struct {
	values map[string]*Binding // by lower-cased parameter name
	// misused explains, per parameter, a use the planner cannot take values
	// from: under OR, compared with a column, and so on.
	misused map[string]string
	// rest are the conditions that supply no literal value.
	rest []sqlparser.Expr
	// dynamic are, per parameter, the columns and subqueries that can give
	// it values at run time.
	dynamic map[string][]*source
}

// source is a column of another table, or a subquery, that can give a
// parameter its values once filled.
type source struct {
	from *tableRef          // the table of the column...
	col  *sqlparser.ColName // ...and the column
	sub  *sqlparser.Subquery
}

func (s *source) key() string {
	if s.sub != nil {
		return fmt.Sprintf("subquery %p", s.sub)
	}
	return fmt.Sprintf("%p.%s", s.from, s.col.Name.Lowered())
}

func (s *source) describe() string {
	if s.sub != nil {
		return "a subquery: " + sqlparser.String(s.sub)
	}
	return s.from.qualifier + "." + s.col.Name.String()
}

// paramNames lists the parameters of a resource's methods for a verb,
// by lower-cased name.
func paramNames(res *mapping.Resource, verb string) map[string]string {
	out := map[string]string{}
	for _, m := range res.MethodsFor(verb) {
		for _, p := range m.Params {
			out[strings.ToLower(p.Name)] = p.Name
		}
	}
	return out
}

// knows reports whether a column name belongs to a table reference.
func (ref *tableRef) knows(name string) bool {
	if _, ok := ref.resource.Column(name); ok {
		return true
	}
	for _, m := range ref.resource.Methods {
		if _, ok := m.Param(name); ok {
			return true
		}
	}
	return false
}

// resolve finds the table a column names, looking in ref's own FROM clause
// first and then in the enclosing ones. It returns nil for a column of no
// provider table, or for an ambiguous one.
func (ref *tableRef) resolve(col *sqlparser.ColName) *tableRef {
	if !col.Qualifier.Qualifier.IsEmpty() {
		return nil
	}
	for _, scope := range append([][]*tableRef{ref.peers}, ref.outer...) {
		var found []*tableRef
		for _, r := range scope {
			if col.Qualifier.IsEmpty() {
				if r.knows(col.Name.String()) {
					found = append(found, r)
				}
			} else if strings.EqualFold(col.Qualifier.Name.String(), r.qualifier) {
				found = append(found, r)
			}
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			return found[0]
		}
		return nil
	}
	return nil
}

// refersTo reports whether a column expression names a column of ref.
func (ref *tableRef) refersTo(col *sqlparser.ColName) bool {
	return ref.resolve(col) == ref
}

func (ref *tableRef) bind(verb string) *bindings {
	params := paramNames(ref.resource, verb)
	b := &bindings{values: map[string]*Binding{}, misused: map[string]string{}, dynamic: map[string][]*source{}}
	paramOf := func(e sqlparser.Expr) (string, bool) {
		col, ok := e.(*sqlparser.ColName)
		if !ok || !ref.refersTo(col) {
			return "", false
		}
		name, ok := params[col.Name.Lowered()]
		return name, ok
	}
	for _, cond := range ref.conds {
		name, values, source, ok := literalBinding(cond, paramOf)
		if !ok {
			b.rest = append(b.rest, cond)
			// Other tables can supply a SELECT's parameters, not a DELETE's:
			// a DELETE names exactly what it deletes.
			if verb == mapping.VerbSelect {
				if name, src, ok := ref.dynamicBinding(cond, paramOf); ok {
					key := strings.ToLower(name)
					b.dynamic[key] = append(b.dynamic[key], src)
					continue
				}
			}
			noteMisuse(cond, paramOf, b.misused)
			continue
		}
		key := strings.ToLower(name)
		if prev, ok := b.values[key]; ok {
			// Both conditions hold: only values in both are wanted.
			prev.Values = slices.DeleteFunc(prev.Values, func(v string) bool { return !slices.Contains(values, v) })
			prev.Source += " and " + source
			continue
		}
		b.values[key] = &Binding{Param: name, Values: values, Source: source}
	}
	return b
}

// unparen strips the parentheses around an expression.
func unparen(e sqlparser.Expr) sqlparser.Expr {
	for {
		p, ok := e.(*sqlparser.ParenExpr)
		if !ok {
			return e
		}
		e = p.Expr
	}
}

// literalBinding reads `param = literal`, `literal = param` and
// `param IN (literal, ...)`, parenthesised or not.
func literalBinding(cond sqlparser.Expr, paramOf func(sqlparser.Expr) (string, bool)) (string, []string, string, bool) {
	cmp, ok := unparen(cond).(*sqlparser.ComparisonExpr)
	if !ok {
		return "", nil, "", false
	}
	switch cmp.Operator {
	case sqlparser.EqualStr:
		for _, side := range [][2]sqlparser.Expr{{cmp.Left, cmp.Right}, {cmp.Right, cmp.Left}} {
			if name, ok := paramOf(side[0]); ok {
				if v, isNull, ok := literal(side[1]); ok {
					if isNull {
						return name, []string{}, "= NULL", true
					}
					return name, []string{v}, "literal", true
				}
			}
		}
	case sqlparser.InStr:
		name, ok := paramOf(cmp.Left)
		tuple, isTuple := cmp.Right.(sqlparser.ValTuple)
		if !ok || !isTuple {
			return "", nil, "", false
		}
		values := []string{}
		for _, e := range tuple {
			v, isNull, ok := literal(e)
			if !ok {
				return "", nil, "", false
			}
			if !isNull && !slices.Contains(values, v) {
				values = append(values, v)
			}
		}
		return name, values, "IN list", true
	}
	return "", nil, "", false
}

// dynamicBinding reads `param = other.column` (either side), where other is
// another table of this statement, and `param IN (subquery)`.
func (ref *tableRef) dynamicBinding(cond sqlparser.Expr, paramOf func(sqlparser.Expr) (string, bool)) (string, *source, bool) {
	cmp, ok := unparen(cond).(*sqlparser.ComparisonExpr)
	if !ok {
		return "", nil, false
	}
	switch cmp.Operator {
	case sqlparser.EqualStr:
		for _, side := range [][2]sqlparser.Expr{{cmp.Left, cmp.Right}, {cmp.Right, cmp.Left}} {
			name, ok := paramOf(side[0])
			col, isCol := side[1].(*sqlparser.ColName)
			if !ok || !isCol {
				continue
			}
			if other := ref.resolve(col); other != nil && other != ref {
				return name, &source{from: other, col: col}, true
			}
		}
	case sqlparser.InStr:
		name, ok := paramOf(cmp.Left)
		sub, isSub := cmp.Right.(*sqlparser.Subquery)
		if ok && isSub {
			return name, &source{sub: sub}, true
		}
	}
	return "", nil, false
}

// literal reads a constant. NULL is a constant no parameter value equals.
func literal(e sqlparser.Expr) (value string, isNull, ok bool) {
	switch v := e.(type) {
	case *sqlparser.SQLVal:
		switch v.Type {
		case sqlparser.StrVal, sqlparser.IntVal, sqlparser.FloatVal:
			return string(v.Val), false, true
		}
	case sqlparser.BoolVal:
		if v {
			return "true", false, true
		}
		return "false", false, true
	case *sqlparser.NullVal:
		return "", true, true
	case *sqlparser.UnaryExpr:
		if v.Operator == sqlparser.UMinusStr {
			if inner, ok := v.Expr.(*sqlparser.SQLVal); ok && (inner.Type == sqlparser.IntVal || inner.Type == sqlparser.FloatVal) {
				return "-" + string(inner.Val), false, true
			}
		}
	case *sqlparser.ParenExpr:
		return literal(v.Expr)
	}
	return "", false, false
}

// noteMisuse records why parameters used in a condition gave no values.
func noteMisuse(cond sqlparser.Expr, paramOf func(sqlparser.Expr) (string, bool), misused map[string]string) {
	reason := "in the condition " + sqlparser.String(cond)
	switch c := unparen(cond).(type) {
	case *sqlparser.OrExpr:
		reason = "under OR, in " + sqlparser.String(cond)
	case *sqlparser.NotExpr:
		reason = "under NOT, in " + sqlparser.String(cond)
	case *sqlparser.ComparisonExpr:
		_, leftCol := c.Left.(*sqlparser.ColName)
		_, rightCol := c.Right.(*sqlparser.ColName)
		_, rightSub := c.Right.(*sqlparser.Subquery)
		switch {
		case c.Operator == sqlparser.EqualStr && leftCol && rightCol:
			reason = "compared with a column, in " + sqlparser.String(cond)
		case c.Operator == sqlparser.InStr && rightSub:
			reason = "compared with a subquery, in " + sqlparser.String(cond)
		case c.Operator != sqlparser.EqualStr && c.Operator != sqlparser.InStr:
			reason = "compared with " + c.Operator + ", in " + sqlparser.String(cond)
		}
	}
	_ = sqlparser.Walk(func(node sqlparser.SQLNode) (bool, error) {
		if _, ok := node.(*sqlparser.Subquery); ok {
			return false, nil
		}
		if col, ok := node.(*sqlparser.ColName); ok {
			if name, ok := paramOf(col); ok {
				if _, seen := misused[strings.ToLower(name)]; !seen {
					misused[strings.ToLower(name)] = reason
				}
			}
		}
		return true, nil
	}, cond)
}

// choice is the method chosen for a table and the bindings it is called with.
type choice struct {
	method   *mapping.Method
	bindings []*Binding
}

func (c *choice) dynamic() bool {
	for _, b := range c.bindings {
		if b.src != nil {
			return true
		}
	}
	return false
}

// chooseMethod picks the first method for verb, most specific first, whose
// required parameters the conditions supply as literals.
func chooseMethod(ref *tableRef, verb string) (*mapping.Method, []*Binding, error) {
	res := ref.resource
	methods := res.MethodsFor(verb)
	if len(methods) == 0 {
		return nil, nil, fmt.Errorf("table %s does not support %s; it supports %s", res.ID(), strings.ToUpper(verb), describeVerbs(res))
	}
	b := ref.bind(verb)
	if c, ok := choose(methods, b, nil); ok {
		return c.method, c.bindings, nil
	}
	return nil, nil, missingParamsError(ref, verb, methods, b)
}

// choose prefers a method the literals alone can call, most specific first,
// so that a table needs another only when it must; then, with ready, one
// whose missing parameters come from tables already planned.
func choose(methods []*mapping.Method, b *bindings, ready func(*source) bool) (*choice, bool) {
	for _, m := range methods {
		if len(missingParams(m, b)) == 0 && takesAll(m, b) {
			return &choice{method: m, bindings: methodBindings(m, b, nil)}, true
		}
	}
	if ready == nil {
		return nil, false
	}
	for _, m := range methods {
		if !takesAll(m, b) {
			continue
		}
		dyn := map[string]*source{}
		for _, p := range missingParams(m, b) {
			for _, src := range b.dynamic[strings.ToLower(p.Name)] {
				if ready(src) {
					dyn[strings.ToLower(p.Name)] = src
					break
				}
			}
		}
		if len(dyn) == len(missingParams(m, b)) {
			return &choice{method: m, bindings: methodBindings(m, b, dyn)}, true
		}
	}
	return nil, false
}

func missingParams(m *mapping.Method, b *bindings) []mapping.Param {
	var out []mapping.Param
	for _, p := range m.RequiredParams() {
		if _, ok := b.values[strings.ToLower(p.Name)]; !ok {
			out = append(out, p)
		}
	}
	return out
}

// takesAll reports whether m takes every parameter-only column the
// conditions give values for; rows of a call without one would carry NULL
// there and fail the user's condition.
func takesAll(m *mapping.Method, b *bindings) bool {
	for _, bind := range b.values {
		if _, isField := m.Resource.Column(bind.Param); isField {
			continue
		}
		if _, ok := m.Param(bind.Param); !ok {
			return false
		}
	}
	return true
}

func methodBindings(m *mapping.Method, b *bindings, dyn map[string]*source) []*Binding {
	var out []*Binding
	for _, p := range m.Params {
		key := strings.ToLower(p.Name)
		if bind, ok := b.values[key]; ok {
			out = append(out, &Binding{Param: p.Name, Values: bind.Values, Source: bind.Source})
		} else if src, ok := dyn[key]; ok {
			out = append(out, &Binding{Param: p.Name, Source: src.describe(), src: src})
		}
	}
	return out
}

// MissingParamError is a table whose method lacks required parameters.
type MissingParamError struct {
	Table   string
	Method  string
	Missing []string
	msg     string
}

func (e *MissingParamError) Error() string { return e.msg }

func missingParamsError(ref *tableRef, verb string, methods []*mapping.Method, b *bindings) error {
	res := ref.resource
	best := methods[len(methods)-1]
	bestMissing := missingParams(best, b)
	for i := len(methods) - 2; i >= 0; i-- {
		if miss := missingParams(methods[i], b); len(miss) < len(bestMissing) {
			best, bestMissing = methods[i], miss
		}
	}
	if len(bestMissing) == 0 {
		var given []string
		for _, bind := range b.values {
			given = append(given, bind.Param)
		}
		slices.Sort(given)
		return fmt.Errorf("table %s: no %s method takes all of the parameters given (%s); %s takes %s",
			res.ID(), verb, strings.Join(given, ", "), best.Name, paramList(best.Params))
	}
	var names, reasons []string
	for _, p := range bestMissing {
		names = append(names, p.Name)
		if why, ok := b.misused[strings.ToLower(p.Name)]; ok {
			reasons = append(reasons, fmt.Sprintf("%s is used %s, which gives no value to call with", p.Name, why))
		}
	}
	var msg strings.Builder
	fmt.Fprintf(&msg, "table %s: method %s needs %s, which the WHERE clause does not supply",
		res.ID(), best.Name, strings.Join(names, " and "))
	for _, r := range reasons {
		msg.WriteString("; " + r)
	}
	fmt.Fprintf(&msg, ".\nGive each as = 'value' or IN ('a', 'b'), joined to the other conditions with AND, for example:\n  %s",
		exampleStatement(ref, verb, best, b))
	return &MissingParamError{Table: res.ID(), Method: best.Name, Missing: names, msg: msg.String()}
}

func exampleStatement(ref *tableRef, verb string, m *mapping.Method, b *bindings) string {
	var conds []string
	for _, p := range m.RequiredParams() {
		v := exampleValue(p)
		if bind, ok := b.values[strings.ToLower(p.Name)]; ok && len(bind.Values) > 0 {
			v = bind.Values[0]
		}
		conds = append(conds, fmt.Sprintf("%s = %s", p.Name, quoteString(v)))
	}
	where := strings.Join(conds, " AND ")
	if verb == mapping.VerbDelete {
		return fmt.Sprintf("DELETE FROM %s WHERE %s", ref.resource.ID(), where)
	}
	return fmt.Sprintf("SELECT * FROM %s WHERE %s", ref.resource.ID(), where)
}

func exampleValue(p mapping.Param) string {
	switch {
	case p.Example != "":
		return p.Example
	case p.Default != "":
		return p.Default
	}
	return "..."
}

func paramList(params []mapping.Param) string {
	var names []string
	for _, p := range params {
		names = append(names, p.Name)
	}
	if len(names) == 0 {
		return "no parameters"
	}
	return strings.Join(names, ", ")
}
