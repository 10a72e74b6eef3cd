package provider

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/specsql/specsql/mapping"
)

var serverVariablePattern = regexp.MustCompile(`\{([^{}]+)\}`)

// URL builds the request URL of a call: the server template (or its
// --server override) with server variables substituted, the path with path
// parameters escaped, and the query parameters given.
func (c *Client) URL(m *mapping.Method, params map[string]string) (*url.URL, error) {
	p := m.Resource.Service.Provider
	name := m.Resource.ID() + "." + m.Name
	template, ok := c.Servers[p.Name]
	if !ok {
		if len(m.Operation.Servers) == 0 {
			return nil, fmt.Errorf("%s: the provider's spec names no server; pass --server %s=URL", name, p.Name)
		}
		template = m.Operation.Servers[0].URL
	}
	// Every server variable is checked as a host part: in a template it
	// sits in the host, and an override template must not let a value
	// escape into another host either.
	var (
		subErr   error
		fullHost string
	)
	base := serverVariablePattern.ReplaceAllStringFunc(template, func(m string) string {
		variable := m[1 : len(m)-1]
		v, ok := params[variable]
		if !ok {
			if subErr == nil {
				subErr = fmt.Errorf("%s: the server URL %s needs a value for {%s}; give it in the WHERE clause", name, template, variable)
			}
			return m
		}
		host, err := c.hostValue(p, variable, v)
		if err != nil {
			if subErr == nil {
				subErr = fmt.Errorf("%s: %w", name, err)
			}
			return m
		}
		if host != "" {
			fullHost = host
			return "placeholder"
		}
		return v
	})
	if subErr != nil {
		return nil, subErr
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%s: server URL %q is not an absolute URL", name, base)
	}
	if fullHost != "" {
		// A full host, such as acme.oktapreview.com, is the whole host.
		u.Scheme, u.Host = "https", fullHost
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return nil, fmt.Errorf("%s: server URL %s: only https is allowed, or http to a loopback host (127.0.0.1, localhost)", name, u.Redacted())
	}
	if u.User != nil {
		return nil, fmt.Errorf("%s: server URL must not hold credentials", name)
	}
	path := m.Operation.Path
	for _, param := range m.Params {
		if param.In != mapping.InPath {
			continue
		}
		v, ok := params[param.Name]
		if !ok {
			return nil, fmt.Errorf("%s: path parameter %s has no value", name, param.Name)
		}
		if v == "" || v == "." || v == ".." {
			return nil, fmt.Errorf("%s: %s = %q is not a usable path segment", name, param.Name, v)
		}
		path = strings.ReplaceAll(path, "{"+param.Name+"}", url.PathEscape(v))
	}
	escaped := strings.TrimSuffix(u.EscapedPath(), "/") + path
	unescaped, err := url.PathUnescape(escaped)
	if err != nil {
		return nil, fmt.Errorf("%s: bad path %s: %w", name, escaped, err)
	}
	u.Path, u.RawPath = unescaped, escaped
	q := u.Query()
	for _, param := range m.Params {
		if v, ok := params[param.Name]; ok && param.In == mapping.InQuery {
			q.Set(param.Name, v)
		}
	}
	u.RawQuery = q.Encode()
	return u, nil
}

// credential is how calls to a provider are authenticated: a header whose
// value is a prefix and a secret.
type credential struct {
	header, prefix, secret string
}

// set adds the credential to a request's headers.
func (a credential) set(h http.Header) {
	if a.header != "" {
		h.Set(a.header, a.prefix+a.secret)
	}
}

// shown is the credential's header value as traces show it.
func (a credential) shown() string { return a.prefix + "****" }

// redact hides the secret wherever it appears in a text: the token is
// shown as "SSWS ****" and nowhere in full.
func (a credential) redact(text string) string {
	if a.secret == "" {
		return text
	}
	return strings.ReplaceAll(text, a.secret, "****")
}

// authorization returns the credential for calls to p; a provider without
// auth has the zero credential.
func (c *Client) authorization(p *mapping.Provider) (credential, error) {
	if p.Auth.Type == "" {
		return credential{}, nil
	}
	if p.Auth.Type != "api_key" {
		return credential{}, fmt.Errorf("provider %s: auth type %q is not supported; use api_key", p.Name, p.Auth.Type)
	}
	token, ok := c.Tokens[p.Name]
	if !ok {
		getenv := c.Getenv
		if getenv == nil {
			getenv = os.Getenv
		}
		token = strings.TrimSpace(getenv(p.Auth.CredentialsEnvVar))
	}
	if token == "" {
		return credential{}, &CredentialsError{Provider: p.Name, EnvVar: p.Auth.CredentialsEnvVar}
	}
	header := p.Auth.Header
	if header == "" {
		header = "Authorization"
	}
	return credential{header: header, prefix: p.Auth.ValuePrefix, secret: token}, nil
}

// CredentialID names the credential calls to p use, without showing it: a
// hash of the token, for keys that must tell tokens apart.
func (c *Client) CredentialID(p *mapping.Provider) string {
	auth, err := c.authorization(p)
	if err != nil || auth.secret == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(auth.header + "\x00" + auth.prefix + auth.secret))
	return hex.EncodeToString(sum[:8])
}

// CheckCredentials reports whether calls to p can be authenticated.
func (c *Client) CheckCredentials(p *mapping.Provider) error {
	_, err := c.authorization(p)
	return err
}

// CredentialsError is a provider whose credentials are not set.
type CredentialsError struct {
	Provider string
	EnvVar   string
}

func (e *CredentialsError) Error() string {
	if e.EnvVar == "" {
		return fmt.Sprintf("provider %s: no credentials are configured", e.Provider)
	}
	msg := fmt.Sprintf("provider %s: no API token: set %s", e.Provider, e.EnvVar)
	if e.Provider == "okta" {
		msg += " to an Okta API token (Admin Console > Security > API > Tokens; it is sent as 'Authorization: SSWS <token>'), or add --demo to query the built-in sandbox org"
	}
	return msg
}

func (c *Client) maxPages() int {
	if c.MaxPages > 0 {
		return c.MaxPages
	}
	return DefaultMaxPages
}

func (c *Client) maxBodyBytes() int64 {
	if c.MaxBodyBytes > 0 {
		return c.MaxBodyBytes
	}
	return DefaultMaxBodyBytes
}

func (c *Client) retryBackoff() time.Duration {
	if c.RetryBackoff > 0 {
		return c.RetryBackoff
	}
	return DefaultRetryBackoff
}

func (c *Client) requestTimeout() time.Duration {
	if c.RequestTimeout > 0 {
		return c.RequestTimeout
	}
	return DefaultRequestTimeout
}

// unwrapURLError drops url.Error's repetition of the method and URL, which
// the caller's message already has.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
