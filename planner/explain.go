package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/specsql/specsql/mapping"
)

// Explain renders the plan as lines of text: for a SELECT, each table in
// the order it is filled, the method chosen, where each parameter's values
// come from and how many calls that makes, then the SQL left for SQLite;
// for a DELETE or EXEC, the calls in order. It calls nothing.
func (p *Plan) Explain() []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	switch p.Statement.Kind {
	case KindSelect:
		step := map[*Table]int{}
		known, dynamic := 0, 0
		for i, t := range p.Tables {
			step[t] = i + 1
		}
		add("SELECT: %d %s, filled in this order", len(p.Tables), plural(len(p.Tables), "table", "tables"))
		for i, t := range p.Tables {
			head := fmt.Sprintf("%d. %s", i+1, t.Name)
			if len(t.Deps) > 0 {
				head += " (after " + depSteps(t, step) + ")"
			}
			add("%s", head)
			add("   method: %s: %s %s", t.Method.Name, t.Method.Operation.Method, t.Method.Operation.Path)
			for _, b := range t.Bindings {
				if b.From == nil {
					add("   %s: %s", b.Param, literalList(b))
				}
			}
			for _, vs := range t.Sources() {
				var params []string
				for _, b := range t.Bindings {
					if b.From == vs {
						params = append(params, b.Param)
					}
				}
				add("   %s: each distinct %s", strings.Join(params, ", "), vs.Describe)
			}
			switch {
			case t.Calls == nil:
				dynamic++
				add("   calls: one per distinct value, known after step %s", depSteps(t, step))
			default:
				known += len(t.Calls)
				add("   calls: %d", len(t.Calls))
			}
			if t.Method.Rows == mapping.RowsArray && t.Resource.Service.Provider.Pagination.Type != "" {
				add("   pages: every page, following the next link")
			}
			if t.RowLimit > 0 {
				line := fmt.Sprintf("   stops after %d %s (LIMIT)", t.RowLimit, plural(t.RowLimit, "row", "rows"))
				if t.PageSize != nil {
					line += fmt.Sprintf(", sending %s=%d", t.PageSize.Param, t.PageSize.Value)
				}
				add("%s", line)
			}
		}
		if dynamic > 0 {
			add("calls known up front: %d, plus one per value for %d %s", known, dynamic, plural(dynamic, "table", "tables"))
		} else {
			add("calls known up front: %d", known)
		}
		add("SQLite: %s", p.SQL)
	case KindDelete, KindExec:
		add("%s: %d %s, one at a time", p.Statement.Kind, len(p.Calls), plural(len(p.Calls), "call", "calls"))
		for i, c := range p.Calls {
			add("%d. %s.%s: %s %s", i+1, c.Method.Resource.ID(), c.Method.Name, c.Method.Operation.Method, c.Method.Operation.Path)
			names := make([]string, 0, len(c.Params))
			for n := range c.Params {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				add("   %s = %s", n, quoteString(c.Params[n]))
			}
			if c.Body != nil {
				add("   body: %s", oneLine(string(c.Body)))
			}
		}
	}
	return out
}

func literalList(b *Binding) string {
	if len(b.Values) == 0 {
		return "no value can match (" + b.Source + "), so no call"
	}
	quoted := make([]string, len(b.Values))
	for i, v := range b.Values {
		quoted[i] = quoteString(v)
	}
	if len(quoted) == 1 {
		return quoted[0] + " (" + b.Source + ")"
	}
	return strings.Join(quoted, ", ") + " (" + b.Source + ")"
}

func depSteps(t *Table, step map[*Table]int) string {
	var n []int
	for _, d := range t.Deps {
		n = append(n, step[d])
	}
	sort.Ints(n)
	s := make([]string, len(n))
	for i, v := range n {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
