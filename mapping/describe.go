package mapping

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// Describe renders a resource as text: its fields, parameter columns,
// methods and parameters. Tests keep it as a golden file per table, so a
// change to the mapping shows up as a readable diff.
func Describe(r *Resource) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", r.ID())
	section := func(title string, header []string, rows [][]string) {
		fmt.Fprintf(&b, "%s:\n", title)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  %s\n", strings.Join(header, "\t"))
		for _, row := range rows {
			fmt.Fprintf(tw, "  %s\n", strings.Join(row, "\t"))
		}
		tw.Flush()
		b.WriteString("\n")
	}
	var fields [][]string
	for _, c := range r.Columns {
		fields = append(fields, []string{c.Name, columnTypeName(c), oneLine(c.Description)})
	}
	section("Fields", []string{"name", "type", "description"}, fields)

	var paramCols [][]string
	for _, c := range r.ParamColumns() {
		paramCols = append(paramCols, []string{c.Name, columnTypeName(c)})
	}
	section("Parameter columns", []string{"name", "type"}, paramCols)

	var methods [][]string
	for _, m := range r.Methods {
		req, opt := m.ParamNames()
		methods = append(methods, []string{m.Name, m.Verb, orDash(strings.Join(req, ", ")), orDash(strings.Join(opt, ", ")),
			m.Operation.Method + " " + m.Operation.Path})
	}
	section("Methods", []string{"name", "verb", "required", "optional", "call"}, methods)

	seen := map[string]bool{}
	var params [][]string
	for _, m := range r.Methods {
		for _, p := range m.Params {
			key := p.In + ":" + p.Name
			if seen[key] {
				continue
			}
			seen[key] = true
			params = append(params, []string{p.Name, p.In, columnTypeName(Column{Type: p.Type, Format: p.Format}), oneLine(p.Description)})
		}
	}
	section("Parameters", []string{"name", "in", "type", "description"}, params)
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func columnTypeName(c Column) string {
	if c.Format != "" {
		return c.Type + " (" + c.Format + ")"
	}
	return c.Type
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
