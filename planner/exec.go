package planner

import (
	"fmt"
	"strings"
)

// Exec is a parsed EXEC statement:
//
//	EXEC provider.service.resource.method @name='value', ... @@json='{...}'
//
// Arguments may be separated by commas or by line breaks, and comments may
// sit between them, as in the documentation's examples.
type Exec struct {
	Table  string // provider.service.resource
	Method string
	Args   []ExecArg
	// JSON is the request body given with @@json, or nil.
	JSON *string
}

// ExecArg is one @name=value argument.
type ExecArg struct {
	Name  string
	Value string
	// Null is set for @name=null, which gives no value; @name='null' is
	// the string.
	Null bool
}

func parseExec(stmt string) (*Exec, error) {
	all, err := lex(stmt, false)
	if err != nil {
		return nil, err
	}
	var toks []token
	for _, t := range all {
		if t.kind != tokSpace && t.kind != tokComment {
			toks = append(toks, t)
		}
	}
	p := &execParser{src: stmt, toks: toks}
	p.next() // EXEC
	parts, ok := p.dotted()
	if !ok || len(parts) != 4 {
		return nil, p.errorf("EXEC needs provider.service.resource.method, e.g. EXEC okta.webauthn_registration.enrollments.send_pin @subdomain='my-org' @@json='{...}'")
	}
	e := &Exec{Table: strings.Join(parts[:3], "."), Method: parts[3]}
	seen := map[string]bool{}
	for !p.done() {
		if p.peekPunct(",") {
			p.next()
			continue
		}
		if !p.peekPunct("@") {
			return nil, p.errorf("expected an argument such as @subdomain='my-org' or @@json='{...}'")
		}
		p.next()
		body := false
		if p.peekPunct("@") {
			p.next()
			body = true
		}
		name, ok := p.ident()
		if !ok {
			return nil, p.errorf("expected a name after @")
		}
		if !p.peekPunct("=") {
			return nil, p.errorf("expected = after @%s", name)
		}
		p.next()
		isNull := p.peekWord("null")
		value, ok := p.value()
		if !ok {
			return nil, p.errorf("expected a value for @%s: a quoted string, a number, true, false or null", name)
		}
		if body {
			if !strings.EqualFold(name, "json") {
				return nil, fmt.Errorf("EXEC: unknown @@%s; the request body is given with @@json='{...}'", name)
			}
			if e.JSON != nil {
				return nil, fmt.Errorf("EXEC: @@json is given twice")
			}
			e.JSON = &value
			continue
		}
		if seen[strings.ToLower(name)] {
			return nil, fmt.Errorf("EXEC: @%s is given twice", name)
		}
		seen[strings.ToLower(name)] = true
		e.Args = append(e.Args, ExecArg{Name: name, Value: value, Null: isNull})
	}
	return e, nil
}

type execParser struct {
	src  string
	toks []token
	i    int
}

func (p *execParser) done() bool { return p.i >= len(p.toks) }

func (p *execParser) next() { p.i++ }

func (p *execParser) peekPunct(s string) bool {
	return !p.done() && p.toks[p.i].kind == tokPunct && p.toks[p.i].text == s
}

func (p *execParser) peekWord(w string) bool {
	return !p.done() && p.toks[p.i].kind == tokWord && strings.EqualFold(p.toks[p.i].text, w)
}

func (p *execParser) ident() (string, bool) {
	if p.done() {
		return "", false
	}
	t := p.toks[p.i]
	switch t.kind {
	case tokWord:
		p.i++
		return t.text, true
	case tokQuotedIdent:
		p.i++
		return t.value, true
	}
	return "", false
}

func (p *execParser) dotted() ([]string, bool) {
	first, ok := p.ident()
	if !ok {
		return nil, false
	}
	parts := []string{first}
	for p.peekPunct(".") {
		p.next()
		part, ok := p.ident()
		if !ok {
			return nil, false
		}
		parts = append(parts, part)
	}
	return parts, true
}

func (p *execParser) value() (string, bool) {
	if p.done() {
		return "", false
	}
	t := p.toks[p.i]
	switch {
	case t.kind == tokString:
		p.i++
		return t.value, true
	case t.kind == tokNumber:
		p.i++
		return t.text, true
	case t.kind == tokPunct && t.text == "-" && p.i+1 < len(p.toks) && p.toks[p.i+1].kind == tokNumber:
		p.i += 2
		return "-" + p.toks[p.i-1].text, true
	case t.kind == tokWord && (strings.EqualFold(t.text, "true") || strings.EqualFold(t.text, "false") || strings.EqualFold(t.text, "null")):
		p.i++
		return strings.ToLower(t.text), true
	}
	return "", false
}

func (p *execParser) errorf(format string, args ...any) error {
	where := "at the end"
	if !p.done() {
		where = fmt.Sprintf("at %s near %q", position(p.src, p.toks[p.i].pos), p.toks[p.i].text)
	}
	return fmt.Errorf("EXEC syntax error %s: %s", where, fmt.Sprintf(format, args...))
}
