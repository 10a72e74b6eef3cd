package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/specsql/specsql/mapping"
)

// Show is a discovery statement: SHOW PROVIDERS, SHOW SERVICES IN p,
// SHOW RESOURCES IN p.s, SHOW METHODS IN p.s.r, DESCRIBE p.s.r.
type Show struct {
	What string // providers, services, resources, methods, describe
	In   string
}

// Result is a result set the planner knows without any call.
type Result struct {
	Columns []string
	Rows    [][]string
}

// parseShow reads a discovery statement; ok is false when text is not one.
func parseShow(text string) (*Show, bool, error) {
	toks, err := lex(text, true)
	if err != nil {
		return nil, false, err
	}
	var words []token
	for _, t := range toks {
		if t.kind != tokSpace && t.kind != tokComment {
			words = append(words, t)
		}
	}
	if len(words) == 0 || words[0].kind != tokWord {
		return nil, false, nil
	}
	first := strings.ToLower(words[0].text)
	usage := fmt.Errorf("write SHOW PROVIDERS, SHOW SERVICES IN provider, SHOW RESOURCES IN provider.service, SHOW METHODS IN provider.service.resource or DESCRIBE provider.service.resource")
	rest := words[1:]
	switch first {
	case "describe", "desc":
		if len(rest) > 0 && strings.EqualFold(rest[0].text, "table") {
			rest = rest[1:]
		}
		name, ok := joinName(rest)
		if !ok || strings.Count(name, ".") != 2 {
			return nil, true, usage
		}
		return &Show{What: "describe", In: name}, true, nil
	case "show":
		if len(rest) == 0 {
			return nil, true, usage
		}
		what := strings.ToLower(rest[0].text)
		parts := map[string]int{"providers": 0, "services": 1, "resources": 2, "tables": 2, "methods": 3}
		n, known := parts[what]
		if !known {
			return nil, true, usage
		}
		if what == "tables" {
			what = "resources"
		}
		if n == 0 {
			if len(rest) != 1 {
				return nil, true, usage
			}
			return &Show{What: what}, true, nil
		}
		if len(rest) < 3 || !(strings.EqualFold(rest[1].text, "in") || strings.EqualFold(rest[1].text, "from")) {
			return nil, true, usage
		}
		name, ok := joinName(rest[2:])
		if !ok || strings.Count(name, ".") != n-1 {
			return nil, true, usage
		}
		return &Show{What: what, In: name}, true, nil
	}
	return nil, false, nil
}

// joinName reads a dotted name made of all the tokens given.
func joinName(toks []token) (string, bool) {
	var b strings.Builder
	for i, t := range toks {
		switch {
		case i%2 == 1 && t.kind == tokPunct && t.text == ".":
			b.WriteString(".")
		case i%2 == 0 && t.kind == tokWord:
			b.WriteString(t.text)
		case i%2 == 0 && t.kind == tokQuotedIdent:
			b.WriteString(t.value)
		default:
			return "", false
		}
	}
	return b.String(), len(toks)%2 == 1
}

// planShow answers a discovery statement from the mapping.
func (p *Planner) planShow(s *Statement) (*Plan, error) {
	sh := s.Show
	r := &Result{}
	switch sh.What {
	case "providers":
		r.Columns = []string{"name", "services", "resources", "source"}
		for _, pr := range p.Registry.Providers {
			resources := 0
			for _, svc := range pr.Services {
				resources += len(svc.Resources)
			}
			r.Rows = append(r.Rows, []string{pr.Name, strconv.Itoa(len(pr.Services)), strconv.Itoa(resources), pr.Source})
		}
	case "services":
		pr := p.Registry.Provider(sh.In)
		if pr == nil {
			return nil, fmt.Errorf("unknown provider %q; loaded providers: %s", sh.In, p.providerNames())
		}
		r.Columns = []string{"name", "resources"}
		for _, svc := range pr.Services {
			r.Rows = append(r.Rows, []string{svc.Name, strconv.Itoa(len(svc.Resources))})
		}
	case "resources":
		prName, svcName, _ := strings.Cut(sh.In, ".")
		pr := p.Registry.Provider(prName)
		if pr == nil {
			return nil, fmt.Errorf("unknown provider %q; loaded providers: %s", prName, p.providerNames())
		}
		svc := pr.Service(svcName)
		if svc == nil {
			var names []string
			for _, s := range pr.Services {
				names = append(names, s.Name)
			}
			return nil, fmt.Errorf("provider %s has no service %q; its services: %s", pr.Name, svcName, strings.Join(names, ", "))
		}
		r.Columns = []string{"name", "id", "supports"}
		for _, res := range svc.Resources {
			r.Rows = append(r.Rows, []string{res.Name, res.ID(), describeVerbs(res)})
		}
	case "methods":
		res, err := p.Registry.Lookup(sh.In)
		if err != nil {
			return nil, err
		}
		r.Columns = []string{"name", "verb", "required", "optional", "call", "description"}
		for _, m := range res.Methods {
			req, opt := m.ParamNames()
			r.Rows = append(r.Rows, []string{m.Name, m.Verb, strings.Join(req, ", "), strings.Join(opt, ", "),
				m.Operation.Method + " " + m.Operation.Path, firstSentence(m.Summary, m.Description)})
		}
	case "describe":
		res, err := p.Registry.Lookup(sh.In)
		if err != nil {
			return nil, err
		}
		r.Columns = []string{"name", "type", "kind", "description"}
		for _, c := range res.Columns {
			r.Rows = append(r.Rows, []string{c.Name, typeName(c), "field", oneLine(c.Description)})
		}
		for _, c := range res.ParamColumns() {
			r.Rows = append(r.Rows, []string{c.Name, typeName(c), "parameter", oneLine(c.Description)})
		}
	}
	return &Plan{Statement: s, Result: r}, nil
}

func typeName(c mapping.Column) string {
	if c.Format != "" {
		return c.Type + " (" + c.Format + ")"
	}
	return c.Type
}

// firstSentence is a method's summary, or else the first sentence of its
// description.
func firstSentence(summary, description string) string {
	if summary != "" {
		return oneLine(summary)
	}
	d := oneLine(description)
	if i := strings.Index(d, ". "); i >= 0 {
		return d[:i+1]
	}
	return d
}
