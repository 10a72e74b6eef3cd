package provider

import (
	"strings"
	"testing"
)

// FuzzSubdomain checks that whatever value the subdomain takes, a URL built
// with it goes to an Okta host, or to the custom domain configured, and
// nowhere else.
func FuzzSubdomain(f *testing.F) {
	for _, v := range []string{"acme", "acme.oktapreview.com", "evil.com", "acme-admin", "a@b", "a/b", "login.acme.com", "acme.okta.com.evil.com", "x.okta.com:443", "[::1]", "127.0.0.1", "a..b", "ACME.OKTA.COM"} {
		f.Add(v)
	}
	m := method(f, enrollments, "list_web_authn_preregistration_factors")
	allowed := []string{".okta.com", ".oktapreview.com", ".okta-emea.com", ".okta-gov.com", ".okta.mil"}
	f.Fuzz(func(t *testing.T, value string) {
		c := New()
		c.CustomDomains = map[string][]string{"okta": {"login.acme.com"}}
		u, err := c.URL(m, map[string]string{"subdomain": value, "userId": "00u1"})
		if err != nil {
			return
		}
		host := strings.ToLower(u.Host)
		if u.Scheme != "https" || u.User != nil || u.Port() != "" {
			t.Fatalf("subdomain %q gave %s", value, u)
		}
		if host == "login.acme.com" {
			return
		}
		for _, d := range allowed {
			label := strings.TrimSuffix(host, d)
			if label != host && label != "" && !strings.HasSuffix(label, "-admin") && !strings.Contains(host, "-admin.") {
				return
			}
		}
		t.Fatalf("subdomain %q sends the token to %s", value, host)
	})
}
