package planner

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// BodyError lists every way an EXEC body breaks its operation's request
// schema, each by JSON path.
type BodyError struct {
	Method   string
	Problems []string
}

func (e *BodyError) Error() string {
	return fmt.Sprintf("%s: @@json does not match the request schema, so nothing was sent:\n  %s", e.Method, strings.Join(e.Problems, "\n  "))
}

// validateBody checks a request body against the operation's schema before
// it is sent: a wrong type or an unknown enum value would otherwise reach
// the API, or worse, be read differently than meant.
func validateBody(method string, schema *openapi3.Schema, body []byte) error {
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return fmt.Errorf("%s: @@json is not valid JSON: %v", method, err)
	}
	err := schema.VisitJSON(value, openapi3.MultiErrors(), openapi3.VisitAsRequest())
	if err == nil {
		return nil
	}
	problems := map[string]bool{}
	var collect func(error)
	collect = func(err error) {
		var multi openapi3.MultiError
		if errors.As(err, &multi) {
			for _, e := range multi {
				collect(e)
			}
			return
		}
		var se *openapi3.SchemaError
		if errors.As(err, &se) {
			var inner openapi3.MultiError
			if errors.As(se.Origin, &inner) {
				collect(inner)
				return
			}
			problems["/"+strings.Join(se.JSONPointer(), "/")+": "+se.Reason] = true
			return
		}
		problems[err.Error()] = true
	}
	collect(err)
	list := make([]string, 0, len(problems))
	for p := range problems {
		list = append(list, p)
	}
	sort.Strings(list)
	return &BodyError{Method: method, Problems: list}
}
