package engine

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"regexp"
	"sync"
	"time"
	"unicode/utf8"

	"modernc.org/sqlite"
)

var registerOnce sync.Once

// registerFunctions adds the MySQL functions users write that SQLite lacks.
// SQLite's REGEXP operator calls regexp(pattern, text).
func registerFunctions() {
	registerOnce.Do(func() {
		var cache sync.Map
		sqlite.MustRegisterDeterministicScalarFunction("regexp", 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			if args[0] == nil || args[1] == nil {
				return nil, nil
			}
			pattern := fmt.Sprint(text(args[0]))
			re, ok := cache.Load(pattern)
			if !ok {
				compiled, err := regexp.Compile(pattern)
				if err != nil {
					return nil, fmt.Errorf("REGEXP %q: %w", pattern, err)
				}
				re, _ = cache.LoadOrStore(pattern, compiled)
			}
			return re.(*regexp.Regexp).MatchString(fmt.Sprint(text(args[1]))), nil
		})
		sqlite.MustRegisterDeterministicScalarFunction("left", 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			return cut(args, func(s []rune, n int) []rune { return s[:n] })
		})
		sqlite.MustRegisterDeterministicScalarFunction("right", 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			return cut(args, func(s []rune, n int) []rune { return s[len(s)-n:] })
		})
		sqlite.MustRegisterDeterministicScalarFunction("json_unquote", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			s, ok := text(args[0]).(string)
			if !ok {
				return args[0], nil
			}
			var out string
			if len(s) >= 2 && s[0] == '"' && json.Unmarshal([]byte(s), &out) == nil {
				return out, nil
			}
			return s, nil
		})
		sqlite.MustRegisterScalarFunction("unix_timestamp", -1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			switch len(args) {
			case 0:
				return time.Now().Unix(), nil
			case 1:
				s, ok := text(args[0]).(string)
				if !ok {
					return nil, nil
				}
				for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02"} {
					if t, err := time.Parse(layout, s); err == nil {
						return t.Unix(), nil
					}
				}
				return nil, nil
			}
			return nil, fmt.Errorf("unix_timestamp takes at most one argument")
		})
		sqlite.MustRegisterDeterministicScalarFunction("from_unixtime", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			var secs int64
			switch v := args[0].(type) {
			case int64:
				secs = v
			case float64:
				secs = int64(v)
			default:
				return nil, nil
			}
			return time.Unix(secs, 0).UTC().Format("2006-01-02 15:04:05"), nil
		})
	})
}

func text(v driver.Value) driver.Value {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}

// cut applies LEFT/RIGHT semantics: n characters, all of them when n
// exceeds the length, none when n <= 0, NULL for NULL.
func cut(args []driver.Value, take func([]rune, int) []rune) (driver.Value, error) {
	if args[0] == nil || args[1] == nil {
		return nil, nil
	}
	s := fmt.Sprint(text(args[0]))
	var n int
	switch v := args[1].(type) {
	case int64:
		n = int(v)
	case float64:
		n = int(v)
	default:
		return nil, fmt.Errorf("LEFT/RIGHT: the length must be a number")
	}
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("LEFT/RIGHT: the text is not UTF-8")
	}
	r := []rune(s)
	n = max(0, min(n, len(r)))
	return string(take(r, n)), nil
}
