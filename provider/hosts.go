package provider

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/specsql/specsql/mapping"
)

// dnsLabel is one label of a host name: letters, digits and inner hyphens.
var dnsLabel = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

// HostError is a server variable value that may not name a host.
type HostError struct {
	Variable string
	Value    string
	Rule     string
}

func (e *HostError) Error() string {
	return fmt.Sprintf("%s = %q is refused: %s", e.Variable, e.Value, e.Rule)
}

// hostValue checks a value for a server variable that becomes (part of) a
// host name, before any call, so that no value can send the token to a host
// that is not the org's. A single label goes into the URL template. A full
// host is accepted only within the provider's own domains or a custom domain
// configured for it; the returned host then replaces the template's host.
func (c *Client) hostValue(p *mapping.Provider, variable, value string) (string, error) {
	fail := func(rule string) (string, error) {
		return "", &HostError{Variable: variable, Value: value, Rule: rule}
	}
	if value == "" {
		return fail("it is empty; give the org's subdomain, e.g. 'acme'")
	}
	if bad := firstNonHostRune(value); bad != "" {
		return fail(fmt.Sprintf("%s is not allowed in a host name; use the org's subdomain alone, e.g. 'acme' for acme.okta.com, or a full host such as 'acme.oktapreview.com'", bad))
	}
	host := strings.ToLower(value)
	labels := strings.Split(host, ".")
	for _, l := range labels {
		if !dnsLabel.MatchString(l) {
			return fail("it is not a DNS name: each dot-separated part is 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen")
		}
	}
	if len(host) > 253 {
		return fail("a host name has at most 253 characters")
	}
	for _, suffix := range p.Hosts.RefusedLabelSuffixes {
		if strings.HasSuffix(labels[0], suffix) {
			return fail(fmt.Sprintf("%q names the Admin Console, not the org; API calls go to the org's own host (%s)", labels[0], strings.TrimSuffix(labels[0], suffix)))
		}
	}
	if len(labels) == 1 {
		return "", nil
	}
	for _, d := range c.CustomDomains[p.Name] {
		if host == strings.ToLower(d) {
			return host, nil
		}
	}
	for _, d := range p.Hosts.Domains {
		if strings.HasSuffix(host, "."+d) && len(labels) > strings.Count(d, ".")+1 {
			return host, nil
		}
	}
	if len(p.Hosts.Domains) == 0 && len(c.CustomDomains[p.Name]) == 0 {
		return fail("give a single label, without dots")
	}
	return fail(fmt.Sprintf("a full host must be within %s or a custom domain configured for %s (--custom-domain %s=HOST, or customDomains in the config file)",
		domainList(p.Hosts.Domains), p.Name, p.Name))
}

func firstNonHostRune(s string) string {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			continue
		case r == ' ':
			return "a space"
		case r == utf8.RuneError:
			return "an invalid byte"
		case r < ' ' || r == 0x7f:
			return fmt.Sprintf("the control character %U", r)
		}
		return fmt.Sprintf("%q", string(r))
	}
	return ""
}

func domainList(domains []string) string {
	if len(domains) == 0 {
		return "no official domain"
	}
	return "the official domains (" + strings.Join(domains, ", ") + ")"
}
