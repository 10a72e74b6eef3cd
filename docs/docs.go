// Package docs writes a Markdown reference page per table from the
// mapping, in the shape of StackQL's provider documentation: overview,
// fields, methods, parameters, and SELECT, DELETE and EXEC examples.
// Unlike pages generated from the spec's operations alone, it lists every
// parameter a method requires, path-item parameters included.
package docs

import (
	"fmt"
	"sort"
	"strings"

	"github.com/specsql/specsql/mapping"
	"github.com/specsql/specsql/openapi"
)

// Page renders the reference page of a resource.
func Page(r *mapping.Resource) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("# %s\n\n%s\n\n", r.Name, overview(r))
	w("## Overview\n\n| Name | %s |\n|---|---|\n| Type | Resource |\n| Id | %s |\n\n", r.Name, r.ID())

	w("## Fields\n\nThe following fields are returned by SELECT queries:\n\n| Name | Datatype | Description |\n|---|---|---|\n")
	for _, c := range r.Columns {
		w("| %s | %s | %s |\n", c.Name, datatype(c.Type, c.Format), cell(withExample(c.Description, c.Example)))
	}

	w("\n## Methods\n\nThe following methods are available for this resource:\n\n| Name | Accessible by | Required Params | Optional Params | Description |\n|---|---|---|---|---|\n")
	for _, m := range r.Methods {
		req, opt := m.ParamNames()
		w("| %s | %s | %s | %s | %s |\n", m.Name, m.Verb, strings.Join(req, ", "), strings.Join(opt, ", "), cell(description(m)))
	}

	w("\n## Parameters\n\nParameters can be passed in the WHERE clause of a query. Check the Methods section to see which parameters are required or optional for each operation.\n\n| Name | Datatype | Description |\n|---|---|---|\n")
	for _, p := range allParams(r) {
		desc := p.Description
		if p.Default != "" {
			desc = strings.TrimSpace(desc + fmt.Sprintf(" (default: %s)", p.Default))
		}
		w("| %s | %s | %s |\n", p.Name, datatype(p.Type, p.Format), cell(desc))
	}

	if ms := r.MethodsFor(mapping.VerbSelect); len(ms) > 0 {
		w("\n## SELECT examples\n")
		for _, m := range ms {
			w("\n%s\n\n```sql\nSELECT\n%s\nFROM %s\n%s\n```\n", description(m), fieldList(r), r.ID(), where(m))
		}
	}
	if ms := r.MethodsFor(mapping.VerbDelete); len(ms) > 0 {
		w("\n## DELETE examples\n")
		for _, m := range ms {
			w("\n%s\n\n```sql\nDELETE FROM %s\n%s\n```\n", description(m), r.ID(), where(m))
		}
	}
	if ms := r.MethodsFor(mapping.VerbExec); len(ms) > 0 {
		w("\n## Lifecycle Methods\n")
		for _, m := range ms {
			w("\n%s\n\n```sql\n%s\n```\n", description(m), execExample(m))
		}
	}
	return b.String()
}

// FileName is the page's file name: the table's id.
func FileName(r *mapping.Resource) string { return r.ID() + ".md" }

func overview(r *mapping.Resource) string {
	words := map[string]string{
		mapping.VerbSelect: "gets or lists",
		mapping.VerbInsert: "creates",
		mapping.VerbUpdate: "updates",
		mapping.VerbDelete: "deletes",
		mapping.VerbExec:   "runs lifecycle methods on",
	}
	var parts []string
	for _, v := range r.Verbs() {
		parts = append(parts, words[v])
	}
	if len(parts) == 0 {
		return "A resource with no methods."
	}
	list := parts[0]
	if len(parts) > 1 {
		list = strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
	}
	return strings.ToUpper(list[:1]) + list[1:] + " " + article(r.Name) + " " + r.Name + " resource."
}

func article(name string) string {
	if name != "" && strings.ContainsRune("aeiouAEIOU", rune(name[0])) {
		return "an"
	}
	return "a"
}

func datatype(typ, format string) string {
	if format != "" {
		return typ + " (" + format + ")"
	}
	return typ
}

func withExample(desc, example string) string {
	if example == "" {
		return desc
	}
	return strings.TrimSpace(desc + " (example: " + example + ")")
}

// cell makes text fit one Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "|", `\|`)
}

func description(m *mapping.Method) string {
	if m.Description != "" {
		return strings.Join(strings.Fields(m.Description), " ")
	}
	return strings.Join(strings.Fields(m.Summary), " ")
}

// allParams lists every parameter of the resource's methods once, in the
// order the methods declare them.
func allParams(r *mapping.Resource) []mapping.Param {
	seen := map[string]bool{}
	var out []mapping.Param
	for _, m := range r.Methods {
		for _, p := range m.Params {
			if !seen[p.Name] {
				seen[p.Name] = true
				out = append(out, p)
			}
		}
	}
	return out
}

func fieldList(r *mapping.Resource) string {
	names := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		names[i] = c.Name
	}
	return strings.Join(names, ",\n")
}

// where writes a WHERE clause with every required parameter as a template
// variable, in the documentation's style: the last "-- required" comment
// holds the statement's ';'.
func where(m *mapping.Method) string {
	req, _ := m.ParamNames()
	if len(req) == 0 {
		return ";"
	}
	lines := make([]string, len(req))
	for i, p := range req {
		kw := "AND"
		if i == 0 {
			kw = "WHERE"
		}
		lines[i] = fmt.Sprintf("%s %s = '{{ %s }}' -- required", kw, p, p)
	}
	lines[len(lines)-1] += ";"
	return strings.Join(lines, "\n")
}

func execExample(m *mapping.Method) string {
	var b strings.Builder
	fmt.Fprintf(&b, "EXEC %s.%s", m.Resource.ID(), m.Name)
	req, _ := m.ParamNames()
	for _, p := range req {
		fmt.Fprintf(&b, "\n@%s='{{ %s }}' --required", p, p)
	}
	if m.Body != nil {
		props := openapi.Properties(m.Body)
		names := make([]string, 0, len(props))
		for n := range props {
			names = append(names, n)
		}
		sort.Strings(names)
		fields := make([]string, len(names))
		for i, n := range names {
			fields[i] = fmt.Sprintf("\"%s\": \"{{ %s }}\"", n, n)
		}
		fmt.Fprintf(&b, "\n@@json=\n'{\n%s\n}'", strings.Join(fields, ",\n"))
	}
	b.WriteString(";")
	return b.String()
}
