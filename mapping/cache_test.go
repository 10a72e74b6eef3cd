package mapping

import (
	"encoding/gob"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCachedProviderIsTheSame loads each kind of source cold, then from
// the cache, and compares everything the provider holds, its schema graphs
// included: numbering both providers' schemas must give the same table.
func TestCachedProviderIsTheSame(t *testing.T) {
	sources := []struct {
		name, path string
		ref        string // what must exist in ../shared, if anything
	}{
		{"hr", filepath.Join("..", "testdata", "hr", "hr.yaml"), ""},
		{"stackql", "", "stackql-okta"},
		{"okta", "", "okta-openapi/management-minimal.yaml"},
	}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			path := src.path
			switch src.name {
			case "stackql":
				path = SharedReference(t, src.ref)
			case "okta":
				path = OfficialOverlay(t)
			}
			dir := t.TempDir()
			cold, coldWarnings, err := Load(src.name, path, LoadOptions{CacheDir: dir})
			require.NoError(t, err)
			cached, cachedWarnings, ok := readCache(dir, src.name, path)
			require.True(t, ok, "the first load writes the entry")
			assert.Nil(t, cached.Doc, "a cached provider has no document")

			want, err := newCacheBody(cold, coldWarnings)
			require.NoError(t, err)
			got, err := newCacheBody(cached, cachedWarnings)
			require.NoError(t, err)
			require.Equal(t, len(want.Schemas), len(got.Schemas))
			for i := range want.Schemas {
				require.Equal(t, want.Schemas[i], got.Schemas[i], "schema %d", i)
			}
			require.Equal(t, want.Provider, got.Provider)
			assert.Equal(t, cold.Name, cached.Name)
			for _, s := range cached.Services {
				for _, r := range s.Resources {
					assert.Equal(t, Describe(cold.Service(s.Name).Resource(r.Name)), Describe(r))
					for _, m := range r.Methods {
						require.Same(t, r, m.Resource)
					}
				}
			}
		})
	}
}

// writeFiles writes files under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	}
}

const cacheSpec = `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://api.example.com/"}]
paths:
  /things:
    get:
      operationId: listThings
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: 'schemas.yaml#/Thing'}}
`

// TestCacheIsInvalidated changes what a cached provider was made from and
// checks the next load sees the change.
func TestCacheIsInvalidated(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string
		path   string
		change func(t *testing.T, dir, entry string)
		want   string // a column of the reloaded table
	}{
		{
			name:  "the spec changes",
			files: map[string]string{"spec.yaml": cacheSpec, "schemas.yaml": "Thing: {type: object, properties: {id: {type: string}}}\n"},
			path:  "spec.yaml",
			change: func(t *testing.T, dir, _ string) {
				writeFiles(t, dir, map[string]string{"spec.yaml": strings.Replace(cacheSpec, "listThings", "listAllThings", 1),
					"schemas.yaml": "Thing: {type: object, properties: {id: {type: string}, colour: {type: string}}}\n"})
			},
			want: "colour",
		},
		{
			name:  "a file the spec refers to changes",
			files: map[string]string{"spec.yaml": cacheSpec, "schemas.yaml": "Thing: {type: object, properties: {id: {type: string}}}\n"},
			path:  "spec.yaml",
			change: func(t *testing.T, dir, _ string) {
				writeFiles(t, dir, map[string]string{"schemas.yaml": "Thing: {type: object, properties: {id: {type: string}, colour: {type: string}}}\n"})
			},
			want: "colour",
		},
		{
			name:  "the overlay changes",
			files: map[string]string{"spec.yaml": cacheSpec, "schemas.yaml": "Thing: {type: object, properties: {id: {type: string}}}\n", "o.yaml": "spec: spec.yaml\n"},
			path:  "o.yaml",
			change: func(t *testing.T, dir, _ string) {
				writeFiles(t, dir, map[string]string{"o.yaml": "spec: spec.yaml\nresources: {things.things: things.items}\n"})
			},
			want: "items",
		},
		{
			name: "a StackQL service that was absent appears",
			files: map[string]string{
				"p/provider.yaml":        stackQLManifestText("things", "gadgets"),
				"p/services/things.yaml": stackQLServiceText("things", "/things"),
			},
			path: "p",
			change: func(t *testing.T, dir, _ string) {
				writeFiles(t, dir, map[string]string{"p/services/gadgets.yaml": stackQLServiceText("gadgets", "/gadgets")})
			},
			want: "gadgets",
		},
		{
			name:  "the entry is corrupt",
			files: map[string]string{"spec.yaml": cacheSpec, "schemas.yaml": "Thing: {type: object, properties: {id: {type: string}}}\n"},
			path:  "spec.yaml",
			change: func(t *testing.T, _, entry string) {
				data, err := os.ReadFile(entry)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(entry, data[:len(data)/2], 0o600))
			},
			want: "things",
		},
		{
			name:  "the entry has another format",
			files: map[string]string{"spec.yaml": cacheSpec, "schemas.yaml": "Thing: {type: object, properties: {id: {type: string}}}\n"},
			path:  "spec.yaml",
			change: func(t *testing.T, _, entry string) {
				f, err := os.Create(entry)
				require.NoError(t, err)
				require.NoError(t, gob.NewEncoder(f).Encode(cacheHeader{Format: cacheFormat + 1, Types: cacheTypes(), Name: "p"}))
				require.NoError(t, f.Close())
			},
			want: "things",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, cache := t.TempDir(), t.TempDir()
			writeFiles(t, dir, tt.files)
			path := filepath.Join(dir, tt.path)
			_, _, err := Load("p", path, LoadOptions{CacheDir: cache})
			require.NoError(t, err)
			entry, _, err := cachePath(cache, "p", path)
			require.NoError(t, err)
			_, _, ok := readCache(cache, "p", path)
			require.True(t, ok)

			tt.change(t, dir, entry)
			p, _, err := Load("p", path, LoadOptions{CacheDir: cache})
			require.NoError(t, err)
			assert.Contains(t, everything(p), tt.want)
			cached, _, ok := readCache(cache, "p", path)
			require.True(t, ok, "the entry is rewritten")
			assert.Equal(t, everything(p), everything(cached))
		})
	}
}

// everything names a provider's tables, methods and columns.
func everything(p *Provider) string {
	var b strings.Builder
	for _, s := range p.Services {
		for _, r := range s.Resources {
			b.WriteString(Describe(r))
		}
	}
	return b.String()
}

func stackQLManifestText(services ...string) string {
	text := "id: p\nname: p\nproviderServices:\n"
	for _, s := range services {
		text += "  " + s + ":\n    service:\n      $ref: p/v1/services/" + s + ".yaml\n"
	}
	return text
}

func stackQLServiceText(service, path string) string {
	return `openapi: 3.0.3
info: {title: ` + service + `, version: "1"}
servers: [{url: "https://api.example.com/"}]
paths:
  ` + path + `:
    get:
      operationId: list
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {type: object, properties: {id: {type: string}}}}
components:
  x-stackQL-resources:
    ` + service + `:
      id: p.` + service + `.` + service + `
      methods:
        list:
          operation: {$ref: '#/paths/~1` + strings.TrimPrefix(path, "/") + `/get'}
          response: {mediaType: application/json, openAPIDocKey: '200'}
      sqlVerbs:
        select: [{$ref: '#/components/x-stackQL-resources/` + service + `/methods/list'}]
`
}

// BenchmarkLoadOktaSpec loads Okta's official management spec (3.5 MB,
// 485 paths) with its overlay: cold, parsing and mapping it, and from the
// cache of parsed specs.
func BenchmarkLoadOktaSpec(b *testing.B) {
	path := OfficialOverlay(b)
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := Load("okta", path, LoadOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		dir := b.TempDir()
		if _, _, err := Load("okta", path, LoadOptions{CacheDir: dir}); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, _, ok := readCache(dir, "okta", path); !ok {
				b.Fatal("no cache entry")
			}
		}
	})
}
