package mapping

import (
	"fmt"
	"strings"
)

// Warning is a problem met while loading a provider that did not stop it:
// the provider loads, but may lack what the warning names.
type Warning struct {
	Source  string // the file concerned
	Message string
}

func (w Warning) String() string { return w.Source + ": " + w.Message }

// warnings collects a load's warnings. Skipped items with the same reason
// are reported as one warning, so a large spec's problems stay readable.
type warnings struct {
	list  []Warning
	skips map[skipKey]*skipGroup
	order []skipKey
}

type skipKey struct{ source, reason string }

type skipGroup struct {
	one, many string // what an item is, and several
	items     []string
}

// examplesShown is how many skipped items a warning names.
const examplesShown = 3

func (w *warnings) add(source, format string, args ...any) {
	w.list = append(w.list, Warning{Source: source, Message: fmt.Sprintf(format, args...)})
}

// skip notes that item, one of several kinds of thing (one and many name
// the kind: "method", "methods"), was left out for reason.
func (w *warnings) skip(source, one, many, reason, item string) {
	if w.skips == nil {
		w.skips = map[skipKey]*skipGroup{}
	}
	k := skipKey{source, reason}
	g, ok := w.skips[k]
	if !ok {
		g = &skipGroup{one: one, many: many}
		w.skips[k] = g
		w.order = append(w.order, k)
	}
	g.items = append(g.items, item)
}

func (w *warnings) result() []Warning {
	out := append([]Warning(nil), w.list...)
	for _, k := range w.order {
		g := w.skips[k]
		shown := g.items[:min(len(g.items), examplesShown)]
		list := strings.Join(shown, ", ")
		if more := len(g.items) - len(shown); more > 0 {
			list += fmt.Sprintf(" and %d more", more)
		}
		what := g.many
		if len(g.items) == 1 {
			what = g.one
		}
		out = append(out, Warning{Source: k.source, Message: fmt.Sprintf("%d %s left out (%s): %s", len(g.items), what, k.reason, list)})
	}
	return out
}
