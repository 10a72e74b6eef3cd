// Package okta holds the built-in Okta provider: an OpenAPI document written
// for specsql, embedded in the binary.
package okta

import (
	_ "embed"

	"github.com/specsql/specsql/mapping"
	"github.com/specsql/specsql/openapi"
)

//go:embed okta.yaml
var spec []byte

// Spec returns the embedded OpenAPI document.
func Spec() []byte { return spec }

// Provider loads and maps the built-in Okta provider.
func Provider() (*mapping.Provider, error) {
	doc, err := openapi.Load(spec, "built-in okta.yaml")
	if err != nil {
		return nil, err
	}
	return mapping.FromDocument(doc, "")
}
