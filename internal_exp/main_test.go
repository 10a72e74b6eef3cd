package exp

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"
	"bytes"
	"encoding/gob"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/specsql/specsql/openapi"
)

func children(s *openapi3.Schema, f func(**openapi3.SchemaRef)) {
	for i := range s.OneOf { f(&s.OneOf[i]) }
	for i := range s.AnyOf { f(&s.AnyOf[i]) }
	for i := range s.AllOf { f(&s.AllOf[i]) }
	f(&s.Not); f(&s.Items)
	for k := range s.Properties { r := s.Properties[k]; f(&r); s.Properties[k] = r }
	f(&s.AdditionalProperties.Schema)
}

func TestFlat(t *testing.T) {
	doc, err := openapi.LoadFile("/work/shared/reference/okta-openapi/management-minimal.yaml")
	if err != nil { t.Fatal(err) }
	ids := map[*openapi3.Schema]int{}
	var list []*openapi3.Schema
	var visit func(*openapi3.Schema)
	visit = func(s *openapi3.Schema) {
		if s == nil { return }
		if _, ok := ids[s]; ok { return }
		ids[s] = len(list); list = append(list, s)
		c := *s
		children(&c, func(r **openapi3.SchemaRef) { if *r != nil { visit((*r).Value) } })
	}
	for _, op := range doc.Operations() {
		visit(op.RequestBody); visit(op.Response)
		for _, p := range op.Parameters { visit(p.Schema) }
	}
	t.Logf("schemas %d", len(list))
	blobs := make([][]byte, len(list))
	var shallow []*openapi3.Schema
	for i, s := range list {
		c := *s
		c.Properties = nil
		if s.Properties != nil { c.Properties = openapi3.Schemas{}; for k, v := range s.Properties { c.Properties[k] = v } }
		c.OneOf = append(openapi3.SchemaRefs(nil), s.OneOf...)
		c.AnyOf = append(openapi3.SchemaRefs(nil), s.AnyOf...)
		c.AllOf = append(openapi3.SchemaRefs(nil), s.AllOf...)
		children(&c, func(r **openapi3.SchemaRef) { if *r != nil { *r = &openapi3.SchemaRef{Ref: "#" + strconv.Itoa(ids[(*r).Value]) + " " + (*r).Ref} } })
		b, err := json.Marshal(&c)
		if err != nil { t.Fatal(err) }
		blobs[i] = b
		shallow = append(shallow, &c)
	}
	gob.Register(map[string]any{}); gob.Register([]any{})
	var gb bytes.Buffer
	if err := gob.NewEncoder(&gb).Encode(shallow); err != nil { t.Fatal(err) }
	t.Logf("gob schemas bytes %d", gb.Len())
	st0 := time.Now()
	var sback []*openapi3.Schema
	if err := gob.NewDecoder(bytes.NewReader(gb.Bytes())).Decode(&sback); err != nil { t.Fatal(err) }
	t.Logf("gob schema decode %s %d", time.Since(st0), len(sback))
	a, _ := json.Marshal(shallow); b, _ := json.Marshal(sback)
	t.Logf("equal %v", bytes.Equal(a, b))
	n := 0
	for i := range shallow { x, _ := json.Marshal(shallow[i]); y, _ := json.Marshal(sback[i]); if !bytes.Equal(x, y) && n < 5 { n++; t.Logf("A %s\nB %s", x, y) } }
	var buf bytes.Buffer
	gob.NewEncoder(&buf).Encode(blobs)
	t.Logf("bytes %d", buf.Len())
	st := time.Now()
	var back [][]byte
	gob.NewDecoder(bytes.NewReader(buf.Bytes())).Decode(&back)
	t.Logf("gob %s", time.Since(st))
	out := make([]*openapi3.Schema, len(back))
	for i, b := range back {
		out[i] = &openapi3.Schema{}
		if err := json.Unmarshal(b, out[i]); err != nil { t.Fatal(err) }
	}
	t.Logf("decode %s", time.Since(st))
}
