package planner

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/xwb1989/sqlparser"
)

// Kind is the kind of a statement.
type Kind string

// Statement kinds.
const (
	KindSelect Kind = "SELECT"
	KindDelete Kind = "DELETE"
	KindInsert Kind = "INSERT"
	KindUpdate Kind = "UPDATE"
	KindExec   Kind = "EXEC"
	KindShow   Kind = "SHOW"
	// KindRefresh, REFRESH alone, empties the result cache.
	KindRefresh Kind = "REFRESH"
)

// Statement is one parsed statement of the input.
type Statement struct {
	// Text is the statement as written, templates expanded.
	Text   string
	Kind   Kind
	Select sqlparser.SelectStatement
	Delete *sqlparser.Delete
	Insert *sqlparser.Insert
	Update *sqlparser.Update
	Exec   *Exec
	Show   *Show
	// Explain asks for the plan instead of the results; nothing is called.
	Explain bool
	// Refresh, REFRESH before a SELECT, reads fresh rows past the cache.
	Refresh bool
}

// Parse splits input into statements, expands {{ templates }} from vars and
// parses each statement. isProvider tells which first parts of dotted names
// are providers, so that provider.service.resource names can be read.
func Parse(input string, vars map[string]string, isProvider func(string) bool) ([]*Statement, error) {
	pieces, err := split(input)
	if err != nil {
		return nil, err
	}
	stmts := make([]*Statement, 0, len(pieces))
	// Unset variables are gathered over all statements, so that one error
	// names every --var the input needs.
	missing := map[string]bool{}
	for i, piece := range pieces {
		var stmt *Statement
		var err error
		if piece.refresh && !hasCode(mustLex(piece.text)) {
			stmt = &Statement{Text: "REFRESH", Kind: KindRefresh}
		} else {
			stmt, err = parseOne(piece.text, piece.exec, vars, isProvider)
		}
		if err == nil {
			stmt.Explain = piece.explain
			stmt.Refresh = piece.refresh
			if stmt.Refresh && stmt.Kind != KindSelect && stmt.Kind != KindRefresh {
				err = fmt.Errorf("REFRESH applies to SELECT statements, or stands alone to empty the cache")
			}
		}
		var mv *MissingVarsError
		if errors.As(err, &mv) {
			for _, n := range mv.Names {
				missing[n] = true
			}
			continue
		}
		if err != nil {
			if len(pieces) > 1 {
				return nil, fmt.Errorf("statement %d: %w", i+1, err)
			}
			return nil, err
		}
		stmts = append(stmts, stmt)
	}
	if len(missing) > 0 {
		return nil, &MissingVarsError{Names: slices.Sorted(maps.Keys(missing))}
	}
	if len(stmts) == 0 {
		return nil, fmt.Errorf("no statement to run: the input holds only comments or blanks")
	}
	return stmts, nil
}

type piece struct {
	text    string
	exec    bool
	explain bool
	refresh bool
}

// split cuts input at each ';' outside strings and comments. EXEC statements
// are lexed without backslash escapes so their JSON bodies stay as written.
func split(input string) ([]piece, error) {
	var out []piece
	offset := 0
	for offset < len(input) {
		word, after := firstWord(input[offset:])
		explain, refresh := word == "explain", word == "refresh"
		if explain || refresh {
			word, _ = firstWord(input[offset+after:])
		}
		exec := word == "exec"
		toks, end, err := lexFrom(input, offset, !exec, true)
		if err != nil {
			return nil, err
		}
		text := input[offset:end]
		offset = end
		if hasCode(toks) {
			text = strings.TrimSuffix(strings.TrimSpace(text), ";")
			if explain || refresh {
				// EXPLAIN and REFRESH apply to the statement after them.
				_, after := firstWord(text)
				text = strings.TrimSpace(text[after:])
				if explain && !hasCode(mustLex(text)) {
					return nil, fmt.Errorf("EXPLAIN needs a statement to explain, e.g. EXPLAIN SELECT ...")
				}
			}
			out = append(out, piece{text: text, exec: exec, explain: explain, refresh: refresh})
		}
	}
	return out, nil
}

// firstWord returns the first word after blanks and comments, and the
// offset after it. It reads no further, so a string it cannot lex yet does
// not matter.
func firstWord(src string) (string, int) {
	i := 0
	for i < len(src) {
		switch {
		case strings.IndexByte(" \t\n\r\f\v", src[i]) >= 0:
			i++
		case src[i] == '#' || strings.HasPrefix(src[i:], "--"):
			end := strings.IndexByte(src[i:], '\n')
			if end < 0 {
				return "", len(src)
			}
			i += end
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return "", len(src)
			}
			i += 2 + end + 2
		default:
			j := i
			for j < len(src) && isWordByte(src[j]) {
				j++
			}
			return strings.ToLower(src[i:j]), j
		}
	}
	return "", len(src)
}

// mustLex lexes text already lexed once as part of a larger input.
func mustLex(text string) []token {
	toks, _ := lex(text, false)
	return toks
}

func hasCode(toks []token) bool {
	for _, t := range toks {
		if t.kind != tokSpace && t.kind != tokComment && !(t.kind == tokPunct && t.text == ";") {
			return true
		}
	}
	return false
}

func parseOne(text string, exec bool, vars map[string]string, isProvider func(string) bool) (*Statement, error) {
	expanded, err := expandTemplates(text, vars, exec)
	if err != nil {
		return nil, err
	}
	if exec {
		e, err := parseExec(expanded)
		if err != nil {
			return nil, err
		}
		return &Statement{Text: expanded, Kind: KindExec, Exec: e}, nil
	}
	if show, ok, err := parseShow(expanded); ok || err != nil {
		if err != nil {
			return nil, err
		}
		return &Statement{Text: expanded, Kind: KindShow, Show: show}, nil
	}
	rewritten, err := quoteTableNames(expanded, isProvider)
	if err != nil {
		return nil, err
	}
	ast, err := sqlparser.Parse(rewritten)
	if err != nil {
		return nil, syntaxError(expanded, err)
	}
	stmt := &Statement{Text: expanded}
	switch n := ast.(type) {
	case sqlparser.SelectStatement:
		stmt.Kind, stmt.Select = KindSelect, n
	case *sqlparser.Delete:
		stmt.Kind, stmt.Delete = KindDelete, n
	case *sqlparser.Insert:
		stmt.Kind, stmt.Insert = KindInsert, n
	case *sqlparser.Update:
		stmt.Kind, stmt.Update = KindUpdate, n
	default:
		return nil, fmt.Errorf("%q: only SELECT, DELETE, EXEC, INSERT and UPDATE are understood here", firstWords(expanded))
	}
	return stmt, nil
}

// quoteTableNames turns provider.service.resource into one quoted identifier,
// which the MySQL grammar can read as a table name. A three-part name right
// after FROM, JOIN, INTO or UPDATE is quoted whatever its first part, so that
// a mistyped provider is reported as an unknown table, not a syntax error.
func quoteTableNames(stmt string, isProvider func(string) bool) (string, error) {
	toks, err := lex(stmt, true)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i := 0; i < len(toks); i++ {
		if parts, ok := dottedName(toks, i, 3); ok && (isProvider(parts[0]) || followsTableKeyword(toks, i)) && !precededByDot(toks, i) {
			b.WriteString("`" + strings.Join(parts, ".") + "`")
			i += 4
			continue
		}
		b.WriteString(toks[i].text)
	}
	return b.String(), nil
}

// dottedName reads n identifiers joined by dots starting at toks[i].
func dottedName(toks []token, i, n int) ([]string, bool) {
	var parts []string
	for k := 0; k < n; k++ {
		j := i + 2*k
		if j >= len(toks) {
			return nil, false
		}
		if k > 0 && !(toks[j-1].kind == tokPunct && toks[j-1].text == ".") {
			return nil, false
		}
		switch toks[j].kind {
		case tokWord:
			parts = append(parts, toks[j].text)
		case tokQuotedIdent:
			parts = append(parts, toks[j].value)
		default:
			return nil, false
		}
	}
	return parts, true
}

// followsTableKeyword reports whether the code before toks[i] ends with a
// keyword that a table name follows.
func followsTableKeyword(toks []token, i int) bool {
	for j := i - 1; j >= 0; j-- {
		switch toks[j].kind {
		case tokSpace, tokComment:
			continue
		case tokWord:
			switch strings.ToUpper(toks[j].text) {
			case "FROM", "JOIN", "INTO", "UPDATE":
				return true
			}
		}
		return false
	}
	return false
}

func precededByDot(toks []token, i int) bool {
	return i > 0 && toks[i-1].kind == tokPunct && toks[i-1].text == "."
}

func syntaxError(stmt string, err error) error {
	msg := err.Error()
	// The parser's positions count the quotes added around table names; the
	// text near the error is what the user can find in the statement.
	if i := strings.Index(msg, " near '"); i >= 0 {
		return fmt.Errorf("syntax error near '%s in: %s", strings.TrimPrefix(msg[i:], " near '"), oneLine(stmt))
	}
	return fmt.Errorf("%s in: %s", msg, oneLine(stmt))
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func firstWords(s string) string {
	f := strings.Fields(s)
	if len(f) > 2 {
		f = f[:2]
	}
	return strings.Join(f, " ")
}

// Complete reports whether text ends with a finished statement: its last
// code is a ';' outside strings and comments. Text with an unclosed string
// or comment is not finished. The shell reads lines until this holds.
func Complete(text string) bool {
	ended := false
	offset := 0
	for offset < len(text) {
		word, after := firstWord(text[offset:])
		if word == "explain" || word == "refresh" {
			word, _ = firstWord(text[offset+after:])
		}
		toks, end, err := lexFrom(text, offset, word != "exec", true)
		if err != nil {
			return false
		}
		if hasCode(toks) {
			last := toks[len(toks)-1]
			ended = last.kind == tokPunct && last.text == ";"
		}
		offset = end
	}
	return ended
}

// FromPostgres rewrites statement text written for PostgreSQL clients into
// this front end's dialect: "double quotes" name identifiers there, and a
// backslash in a string is a plain character. EXEC statements pass as they
// are, since their own grammar already reads strings without escapes.
func FromPostgres(text string) (string, error) {
	pieces, err := split(text)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, p := range pieces {
		if b.Len() > 0 {
			b.WriteString(";\n")
		}
		body := p.text
		if !p.exec {
			toks, err := lex(body, false)
			if err != nil {
				return "", err
			}
			var out strings.Builder
			for _, t := range toks {
				switch {
				case t.kind == tokString && t.text[0] == '"':
					out.WriteString("`" + strings.ReplaceAll(t.value, "`", "``") + "`")
				case t.kind == tokString:
					out.WriteString("'" + strings.NewReplacer(`\`, `\\`, "'", "''").Replace(t.value) + "'")
				default:
					out.WriteString(t.text)
				}
			}
			body = out.String()
		}
		switch {
		case p.explain:
			body = "EXPLAIN " + body
		case p.refresh:
			body = "REFRESH " + body
		}
		b.WriteString(body)
	}
	return b.String(), nil
}

// ReplacePlaceholders replaces each $n outside strings and comments with
// what value(n) returns; a $n it does not know is an error.
func ReplacePlaceholders(text string, value func(n int) (string, bool)) (string, error) {
	toks, err := lex(text, false)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, t := range toks {
		if t.kind == tokWord && len(t.text) > 1 && t.text[0] == '$' {
			if n, err := strconv.Atoi(t.text[1:]); err == nil {
				v, ok := value(n)
				if !ok {
					return "", fmt.Errorf("parameter %s has no value", t.text)
				}
				b.WriteString(v)
				continue
			}
		}
		b.WriteString(t.text)
	}
	return b.String(), nil
}
