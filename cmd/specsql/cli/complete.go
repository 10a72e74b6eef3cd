package cli

import (
	"regexp"
	"sort"
	"strings"

	"github.com/specsql/specsql/mapping"
)

// completer completes provider, service, resource, method and column names
// in the shell, and the SQL keywords people type most.
type completer struct {
	registry *mapping.Registry
	// pending returns the lines of the statement typed so far.
	pending func() string
}

var keywords = []string{"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "JOIN", "LEFT", "ON", "GROUP", "BY",
	"ORDER", "LIMIT", "DELETE", "EXEC", "EXPLAIN", "SHOW", "DESCRIBE", "REFRESH", "PROVIDERS", "SERVICES",
	"RESOURCES", "METHODS", "DISTINCT", "COUNT", "AS", "IS", "NULL", "LIKE", "HAVING"}

var tableName = regexp.MustCompile(`\b([A-Za-z_][\w$]*)\.([A-Za-z_][\w$]*)\.([A-Za-z_][\w$]*)\b`)

// Do returns the endings of the names that extend the word before pos.
func (c *completer) Do(line []rune, pos int) ([][]rune, int) {
	start := pos
	for start > 0 && isNameRune(line[start-1]) {
		start--
	}
	word := string(line[start:pos])
	parts := strings.Split(word, ".")
	prefix := parts[len(parts)-1]
	var candidates []string
	switch len(parts) {
	case 1:
		for _, p := range c.registry.Providers {
			candidates = append(candidates, p.Name)
		}
		candidates = append(candidates, c.columns(string(line))...)
		// Keywords in the case the user types them.
		lower := prefix != "" && prefix == strings.ToLower(prefix)
		for _, k := range keywords {
			if lower {
				k = strings.ToLower(k)
			}
			candidates = append(candidates, k)
		}
	case 2:
		if p := c.registry.Provider(parts[0]); p != nil {
			for _, s := range p.Services {
				candidates = append(candidates, s.Name)
			}
		}
		// alias.column: any column of the statement's tables.
		candidates = append(candidates, c.columns(string(line))...)
	case 3:
		if p := c.registry.Provider(parts[0]); p != nil {
			if s := p.Service(parts[1]); s != nil {
				for _, r := range s.Resources {
					candidates = append(candidates, r.Name)
				}
			}
		}
	case 4:
		if r, err := c.registry.Lookup(strings.Join(parts[:3], ".")); err == nil {
			for _, m := range r.Methods {
				candidates = append(candidates, m.Name)
			}
			for _, col := range r.Columns {
				candidates = append(candidates, col.Name)
			}
		}
	}
	seen := map[string]bool{}
	var out [][]rune
	sort.Strings(candidates)
	for _, cand := range candidates {
		if seen[cand] || !strings.HasPrefix(cand, prefix) {
			continue
		}
		seen[cand] = true
		out = append(out, []rune(cand[len(prefix):]))
	}
	return out, len([]rune(prefix))
}

// columns lists the columns, parameters included, of the tables the
// statement names so far.
func (c *completer) columns(line string) []string {
	var out []string
	for _, m := range tableName.FindAllStringSubmatch(c.pending()+line, -1) {
		r, err := c.registry.Lookup(m[0])
		if err != nil {
			continue
		}
		for _, col := range r.Columns {
			out = append(out, col.Name)
		}
		for _, col := range r.ParamColumns() {
			out = append(out, col.Name)
		}
	}
	return out
}

func isNameRune(r rune) bool {
	return r == '_' || r == '.' || r == '$' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}
