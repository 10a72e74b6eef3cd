package planner

import (
	"fmt"
	"strings"
)

// tokenKind classifies the pieces of statement text. The front end needs only
// this much lexing: to find templates, statement ends, three-part names and
// EXEC arguments without looking inside strings or comments.
type tokenKind int

const (
	tokSpace   tokenKind = iota
	tokComment           // -- …, # …, /* … */
	tokWord              // identifiers and keywords
	tokNumber
	tokString      // '…' or "…"
	tokQuotedIdent // `…`
	tokPunct       // any other single character
)

type token struct {
	kind  tokenKind
	text  string // the source text, quotes included
	value string // strings and quoted identifiers: the decoded content
	pos   int    // byte offset in the source
}

// lex splits src into tokens covering it entirely. With backslashEscapes,
// strings follow MySQL (\' and \\ are escapes); without, only a doubled
// quote escapes it, which keeps JSON in EXEC bodies intact.
func lex(src string, backslashEscapes bool) ([]token, error) {
	toks, _, err := lexFrom(src, 0, backslashEscapes, false)
	return toks, err
}

// lexFrom lexes src from offset from. With stopAtSemicolon it stops after
// the first ';' outside strings and comments and returns the offset after it.
func lexFrom(src string, from int, backslashEscapes, stopAtSemicolon bool) ([]token, int, error) {
	var toks []token
	i := from
	for i < len(src) {
		start := i
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			for i < len(src) && strings.IndexByte(" \t\n\r\f\v", src[i]) >= 0 {
				i++
			}
			toks = append(toks, token{kind: tokSpace, text: src[start:i], pos: start})
		case c == '#' || (c == '-' && i+1 < len(src) && src[i+1] == '-'):
			for i < len(src) && src[i] != '\n' {
				i++
			}
			toks = append(toks, token{kind: tokComment, text: src[start:i], pos: start})
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, 0, fmt.Errorf("%s: a /* comment is not closed", position(src, start))
			}
			i += 2 + end + 2
			toks = append(toks, token{kind: tokComment, text: src[start:i], pos: start})
		case c == '\'' || c == '"' || c == '`':
			value, end, err := scanQuoted(src, i, backslashEscapes && c != '`')
			if err != nil {
				return nil, 0, err
			}
			i = end
			kind := tokString
			if c == '`' {
				kind = tokQuotedIdent
			}
			toks = append(toks, token{kind: kind, text: src[start:i], value: value, pos: start})
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			for i < len(src) && (isWordByte(src[i]) || src[i] == '.') {
				i++
			}
			toks = append(toks, token{kind: tokNumber, text: src[start:i], pos: start})
		case isWordByte(c) || c >= 0x80:
			for i < len(src) && (isWordByte(src[i]) || src[i] >= 0x80) {
				i++
			}
			toks = append(toks, token{kind: tokWord, text: src[start:i], pos: start})
		default:
			i++
			toks = append(toks, token{kind: tokPunct, text: src[start:i], pos: start})
			if c == ';' && stopAtSemicolon {
				return toks, i, nil
			}
		}
	}
	return toks, i, nil
}

func scanQuoted(src string, start int, backslashEscapes bool) (string, int, error) {
	q := src[start]
	var b strings.Builder
	i := start + 1
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\\' && backslashEscapes && i+1 < len(src):
			b.WriteByte(unescapeByte(src[i+1]))
			i += 2
		case c == q && i+1 < len(src) && src[i+1] == q:
			b.WriteByte(q)
			i += 2
		case c == q:
			return b.String(), i + 1, nil
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", 0, fmt.Errorf("%s: the string starting here is not closed: add the closing %c", position(src, start), q)
}

// unescapeByte follows MySQL: \n, \t, \0 and friends; any other escaped byte
// stands for itself.
func unescapeByte(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 't':
		return '\t'
	case 'r':
		return '\r'
	case '0':
		return 0
	case 'b':
		return '\b'
	case 'Z':
		return 26
	}
	return c
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// position renders a byte offset as line:column for error messages.
func position(src string, offset int) string {
	line := 1 + strings.Count(src[:offset], "\n")
	col := offset - strings.LastIndexByte(src[:offset], '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}
