package planner

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/xwb1989/sqlparser"

	"github.com/specsql/specsql/mapping"
)

func (p *Planner) planDelete(s *Statement) (*Plan, error) {
	d := s.Delete
	if len(d.Targets) > 0 || len(d.TableExprs) != 1 {
		return nil, fmt.Errorf("DELETE works on one table at a time: DELETE FROM provider.service.resource WHERE ...")
	}
	ate, ok := d.TableExprs[0].(*sqlparser.AliasedTableExpr)
	if !ok {
		return nil, fmt.Errorf("DELETE works on one table at a time: DELETE FROM provider.service.resource WHERE ...")
	}
	name, ok := ate.Expr.(sqlparser.TableName)
	if !ok {
		return nil, fmt.Errorf("DELETE needs a table name, not a subquery")
	}
	res, err := p.resolveTable(name)
	if err != nil {
		return nil, err
	}
	if len(d.OrderBy) > 0 || d.Limit != nil {
		return nil, fmt.Errorf("DELETE FROM %s: ORDER BY and LIMIT are not supported; name the rows to delete by their parameters", res.ID())
	}
	q := ate.As.String()
	if q == "" {
		q = name.Name.String()
	}
	ref := &tableRef{expr: ate, qualifier: q, resource: res, conds: conjuncts(whereExpr(d.Where))}
	ref.peers = []*tableRef{ref}
	method, bindings, err := chooseMethod(ref, mapping.VerbDelete)
	if err != nil {
		return nil, err
	}
	if rest := ref.bind(mapping.VerbDelete).rest; len(rest) > 0 {
		return nil, fmt.Errorf("DELETE FROM %s can filter only on the parameters of %s (%s) with = or IN; %q is not such a condition. To delete rows chosen by other columns, SELECT their ids first, then DELETE by id",
			res.ID(), method.Name, paramList(method.Params), sqlparser.String(rest[0]))
	}
	return &Plan{Statement: s, Calls: expandCalls(method, bindings)}, nil
}

func (p *Planner) planExec(s *Statement) (*Plan, error) {
	e := s.Exec
	res, err := p.Registry.Lookup(e.Table)
	if err != nil {
		return nil, err
	}
	m := res.Method(e.Method)
	if m == nil {
		var names []string
		for _, m := range res.Methods {
			names = append(names, m.Name)
		}
		return nil, fmt.Errorf("table %s has no method %s; its methods: %s", res.ID(), e.Method, strings.Join(names, ", "))
	}
	call := &Call{Method: m, Params: map[string]string{}}
	for _, arg := range e.Args {
		param, ok := m.Param(arg.Name)
		if !ok {
			return nil, fmt.Errorf("%s.%s takes no parameter @%s; its parameters: %s. Request body fields go in @@json='{...}'",
				res.ID(), m.Name, arg.Name, atList(m.Params))
		}
		if arg.Null {
			continue
		}
		call.Params[param.Name] = arg.Value
	}
	var missing []string
	for _, param := range m.RequiredParams() {
		if _, ok := call.Params[param.Name]; !ok {
			missing = append(missing, "@"+param.Name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s.%s needs %s, for example:\n  %s",
			res.ID(), m.Name, strings.Join(missing, " and "), exampleExec(m, call.Params))
	}
	if e.JSON != nil {
		if m.Body == nil {
			return nil, fmt.Errorf("%s.%s takes no request body: remove @@json", res.ID(), m.Name)
		}
		body := bytes.TrimSpace([]byte(*e.JSON))
		if err := validateBody(res.ID()+"."+m.Name, m.Body, body); err != nil {
			return nil, err
		}
		call.Body = body
	} else if m.Operation.RequestBodyRequired {
		return nil, fmt.Errorf("%s.%s needs a request body: add @@json='{...}'", res.ID(), m.Name)
	}
	return &Plan{Statement: s, Calls: []*Call{call}}, nil
}

func atList(params []mapping.Param) string {
	var names []string
	for _, p := range params {
		names = append(names, "@"+p.Name)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

func exampleExec(m *mapping.Method, given map[string]string) string {
	var args []string
	for _, p := range m.RequiredParams() {
		v, ok := given[p.Name]
		if !ok {
			v = exampleValue(p)
		}
		args = append(args, fmt.Sprintf("@%s=%s", p.Name, quoteString(v)))
	}
	out := fmt.Sprintf("EXEC %s.%s %s", m.Resource.ID(), m.Name, strings.Join(args, ", "))
	if m.Body != nil {
		out += " @@json='{...}'"
	}
	return out
}
