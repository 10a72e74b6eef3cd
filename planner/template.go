package planner

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

var templatePattern = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}`)

// execStringTemplate finds, in one pass, templates standing for a whole JSON
// string, as the documentation's EXEC examples write body fields
// ("field": "{{ field }}", submatch 1), and other templates (submatch 2).
// One pass, so that a value holding {{ ... }} is not expanded again.
var execStringTemplate = regexp.MustCompile(`"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}"|\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}`)

// MissingVarsError names the template variables a statement uses that were
// not given.
type MissingVarsError struct{ Names []string }

func (e *MissingVarsError) Error() string {
	flags := make([]string, len(e.Names))
	for i, n := range e.Names {
		flags[i] = "--var " + n + "=VALUE"
	}
	plural := "variable"
	if len(e.Names) > 1 {
		plural = "variables"
	}
	return fmt.Sprintf("template %s %s not set: pass %s", plural, "{{ "+strings.Join(e.Names, " }}, {{ ")+" }}", strings.Join(flags, " "))
}

// expandTemplates substitutes {{ name }} in one statement. A value lands in
// a string literal escaped for it, so it cannot end the literal. In an EXEC
// statement, a template forming a whole JSON string is replaced by a JSON
// string holding the value, or by the value itself when that is a JSON object
// or array, so documented examples such as "credResponses": "{{ credResponses }}"
// take structured values. Templates in comments are left alone.
func expandTemplates(stmt string, vars map[string]string, exec bool) (string, error) {
	toks, err := lex(stmt, !exec)
	if err != nil {
		return "", err
	}
	missing := map[string]bool{}
	var badValue error
	lookup := func(name string) (string, bool) {
		v, ok := vars[name]
		if !ok {
			missing[name] = true
		}
		// SQL text and JSON bodies are UTF-8; other bytes would be
		// replaced, silently changing the value.
		if ok && !utf8.ValidString(v) && badValue == nil {
			badValue = fmt.Errorf("template variable %s is not valid UTF-8: pass its value as UTF-8 text", name)
		}
		return v, ok
	}
	var out, code strings.Builder
	flushCode := func() {
		out.WriteString(templatePattern.ReplaceAllStringFunc(code.String(), func(m string) string {
			v, ok := lookup(templatePattern.FindStringSubmatch(m)[1])
			if !ok {
				return m
			}
			return v
		}))
		code.Reset()
	}
	for _, t := range toks {
		switch t.kind {
		case tokComment:
			flushCode()
			out.WriteString(t.text)
		case tokString, tokQuotedIdent:
			flushCode()
			q := t.text[:1]
			body := t.text[1 : len(t.text)-1]
			escape := func(v string) string {
				if !exec && q != "`" {
					v = strings.ReplaceAll(v, `\`, `\\`)
				}
				return strings.ReplaceAll(v, q, q+q)
			}
			if exec {
				body = execStringTemplate.ReplaceAllStringFunc(body, func(m string) string {
					sub := execStringTemplate.FindStringSubmatch(m)
					if sub[1] != "" {
						v, ok := lookup(sub[1])
						if !ok {
							return m
						}
						return escape(jsonValue(v))
					}
					v, ok := lookup(sub[2])
					if !ok {
						return m
					}
					return escape(v)
				})
			} else {
				body = templatePattern.ReplaceAllStringFunc(body, func(m string) string {
					v, ok := lookup(templatePattern.FindStringSubmatch(m)[1])
					if !ok {
						return m
					}
					return escape(v)
				})
			}
			out.WriteString(q + body + q)
		default:
			code.WriteString(t.text)
		}
	}
	flushCode()
	if badValue != nil {
		return "", badValue
	}
	if len(missing) > 0 {
		names := make([]string, 0, len(missing))
		for n := range missing {
			names = append(names, n)
		}
		sort.Strings(names)
		return "", &MissingVarsError{Names: names}
	}
	return out.String(), nil
}

// jsonValue renders a variable for a JSON string position: objects and
// arrays go in as JSON, anything else as a JSON string.
func jsonValue(v string) string {
	trimmed := strings.TrimSpace(v)
	if (strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[")) && json.Valid([]byte(trimmed)) {
		return trimmed
	}
	b, _ := json.Marshal(v)
	return string(b)
}
