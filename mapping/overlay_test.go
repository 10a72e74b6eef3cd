package mapping_test

import (
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/mapping"
)

// tableIDs lists a provider's tables with their methods' names and verbs.
func tableIDs(p *mapping.Provider) map[string][]string {
	out := map[string][]string{}
	for _, s := range p.Services {
		for _, r := range s.Resources {
			var methods []string
			for _, m := range r.Methods {
				methods = append(methods, m.Name+" "+m.Verb)
			}
			sort.Strings(methods)
			out[s.Name+"."+r.Name] = methods
		}
	}
	return out
}

func TestOverlay(t *testing.T) {
	tests := []struct {
		name    string
		overlay string
		want    map[string][]string
		wantErr string
	}{
		{
			name:    "rename a table, drop one, move an operation",
			overlay: "resources: {widgets.bins_parts: widgets.bin_parts, tags.tags: null}\noperations: {activateWidget: widgets.lifecycle}\n",
			want: map[string][]string{
				"widgets.widgets": {"create_widget insert", "delete_widget delete", "get_widget select", "list_widgets select",
					"patch_widget update", "replace_widget update", "revoke_widget_sessions exec", "update_widget exec"},
				"widgets.lifecycle":       {"activate_widget exec"},
				"widgets.parts":           {"list_widget_parts select"},
				"widgets.bin_parts":       {"list_bin_parts select"},
				"pages.pages":             {"get_page select", "list_pages select"},
				"reports_api.reports":     {"list_reports select", "post_reports_api_run exec"},
				"misc_things.misc_things": {"get_anything select"},
			},
		},
		{
			name:    "merge tables, rename a method and change its verb",
			overlay: "resources: {widgets.bins_parts: widgets.parts, pages.pages: widgets.parts}\noperations: {updateWidget: {method: modify_widget, verb: update}}\n",
			want: map[string][]string{
				"widgets.widgets": {"activate_widget exec", "create_widget insert", "delete_widget delete", "get_widget select", "list_widgets select",
					"modify_widget update", "patch_widget update", "replace_widget update", "revoke_widget_sessions exec"},
				"widgets.parts":           {"get_page select", "list_bin_parts select", "list_pages select", "list_widget_parts select"},
				"tags.tags":               {"list_tags select"},
				"reports_api.reports":     {"list_reports select", "post_reports_api_run exec"},
				"misc_things.misc_things": {"get_anything select"},
			},
		},
		{name: "an unknown table", overlay: "resources: {widgets.gizmos: widgets.things}\n",
			wantErr: `resources: table "shop.widgets.gizmos": service shop.widgets has no resource "gizmos"; its resources: bins_parts, parts, widgets`},
		{name: "an unknown operation", overlay: "operations: {frobWidget: widgets.widgets}\n",
			wantErr: "operations: no mapped operation has operationId frobWidget"},
		{name: "a bad new name", overlay: "resources: {tags.tags: labels}\n",
			wantErr: `resources: tags.tags: write the new name as service.resource, not "labels"`},
		{name: "a method name taken", overlay: "operations: {getPage: {resource: widgets.widgets, method: get_widget}}\n",
			wantErr: "operations: getPage: resource shop.widgets.widgets has two methods named get_widget"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, map[string]string{"spec/shop.yaml": inferSpec, "shop.overlay.yaml": "spec: spec/shop.yaml\n" + tt.overlay})
			p, _, err := mapping.Load("shop", filepath.Join(dir, "shop.overlay.yaml"), mapping.LoadOptions{})
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, tableIDs(p))
			assert.Equal(t, filepath.Join(dir, "shop.overlay.yaml"), p.Source)
		})
	}
}

// TestOverlayProviderSettings: an overlay sets what a spec cannot say, and
// its servers replace the spec's, so their variables become the
// parameters.
func TestOverlayProviderSettings(t *testing.T) {
	dir := writeTree(t, map[string]string{"shop.yaml": inferSpec, "o.yaml": `spec: shop.yaml
provider:
  auth: {type: api_key, header: Authorization, valuePrefix: 'Token ', credentialsEnvVar: SHOP_TOKEN}
  hosts: {domains: [shop.example.com]}
  pagination: {type: token, tokenPath: $.next, tokenParam: cursor, pageSizeParam: limit, maxPageSize: 50}
servers:
  - url: https://{tenant}.{zone}.example.com/
    variables:
      zone: {default: eu}
      tenant: {description: Your tenant}
`})
	p, _, err := mapping.Load("shop", filepath.Join(dir, "o.yaml"), mapping.LoadOptions{})
	require.NoError(t, err)
	assert.Equal(t, mapping.Auth{Type: "api_key", Header: "Authorization", ValuePrefix: "Token ", CredentialsEnvVar: "SHOP_TOKEN"}, p.Auth)
	assert.Equal(t, mapping.Hosts{Domains: []string{"shop.example.com"}}, p.Hosts)
	assert.Equal(t, mapping.Pagination{Type: mapping.PageToken, TokenPath: []string{"next"}, TokenParam: "cursor", PageSizeParam: "limit", MaxPageSize: 50}, p.Pagination)
	m := lookup(t, p, "shop.widgets.widgets").Method("get_widget")
	assert.Equal(t, "https://{tenant}.{zone}.example.com/", m.Operation.Servers[0].URL)
	var names []string
	for _, prm := range m.RequiredParams() {
		names = append(names, prm.Name+":"+prm.In)
	}
	assert.Equal(t, []string{"tenant:server", "zone:server", "widgetId:path"}, names, "server variables in URL order, then the path's")

	bad := writeTree(t, map[string]string{"shop.yaml": inferSpec, "o.yaml": "spec: shop.yaml\nprovider: {pagination: {type: token}}\n"})
	_, _, err = mapping.Load("shop", filepath.Join(bad, "o.yaml"), mapping.LoadOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "provider.pagination type token needs tokenParam, and tokenHeader or tokenPath")
}
