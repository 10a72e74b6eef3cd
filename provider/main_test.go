package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/fakeokta"
)

// envProxy is the proxy the environment names while the package's tests
// run. net/http reads the proxy variables once per process, so they are set
// here, before any request: every test then also checks that calls to
// loopback hosts, *.localhost included, do not go through it.
var envProxy = &counter{}

func TestMain(m *testing.M) {
	envProxy.handle(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "the test proxy refuses everything", http.StatusBadGateway)
	})
	proxy := httptest.NewServer(envProxy)
	for _, k := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"} {
		if err := os.Setenv(k, proxy.URL); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	for _, k := range []string{"NO_PROXY", "no_proxy", "REQUEST_METHOD"} {
		_ = os.Unsetenv(k)
	}
	code := m.Run()
	proxy.Close()
	os.Exit(code)
}

func TestLoopbackHostsBypassTheProxy(t *testing.T) {
	before := len(envProxy.requests())
	org, c := fakeOrg(t, fakeokta.Config{Users: 5})
	r := run(t, c, method(t, users, "list_users"), demo, nil)
	require.NoError(t, r.err, "demo.localhost is dialled directly, not through HTTP_PROXY")
	assert.NotEmpty(t, r.rows)
	assert.Len(t, org.Requests(), 1)
	assert.Len(t, envProxy.requests(), before)
}

func TestOtherHostsUseTheProxy(t *testing.T) {
	before := len(envProxy.requests())
	c := New()
	c.Tokens = map[string]string{"okta": testToken}
	c.RetryBackoff = time.Millisecond
	r := run(t, c, method(t, users, "list_users"), map[string]string{"subdomain": "acme"}, nil)
	require.Error(t, r.err, "the test proxy refuses the tunnel")
	reqs := envProxy.requests()[before:]
	require.Len(t, reqs, 1+maxFailureRetries, "a GET that failed on the way is retried")
	for _, req := range reqs {
		assert.Equal(t, http.MethodConnect, req.Method)
		assert.Equal(t, "acme.okta.com:443", req.Host)
		assert.Empty(t, req.Header.Values("Authorization"), "the token travels inside the tunnel only")
	}
}
