package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/specsql/specsql/engine"
	"github.com/specsql/specsql/fakeokta"
	"github.com/specsql/specsql/mapping"
	"github.com/specsql/specsql/provider"
	"github.com/specsql/specsql/provider/okta"
)

// connection holds the flags shared by commands that reach providers.
type connection struct {
	providerSources
	concurrency   int
	servers       []string
	customDomains []string
	demo          bool
	maxPages      int
	maxBody       int64
	timeout       time.Duration
	debug         bool
	cacheTTL      time.Duration
	noCache       bool
}

func (c *connection) register(cmd *cobra.Command) {
	f := cmd.Flags()
	c.providerSources.register(cmd)
	f.StringArrayVar(&c.customDomains, "custom-domain", nil, "allow a full host as a provider's subdomain, e.g. okta=login.example.com (repeatable)")
	f.IntVar(&c.concurrency, "concurrency", engine.DefaultConcurrency, "how many API calls a statement makes at once")
	f.StringArrayVar(&c.servers, "server", nil, "override a provider's server URL template, e.g. okta=https://{subdomain}.oktapreview.com/ (http only to loopback hosts)")
	f.BoolVar(&c.demo, "demo", false, "query the built-in sandbox Okta org (subdomain 'demo'); no token needed")
	f.IntVar(&c.maxPages, "max-pages", provider.DefaultMaxPages, "the most pages one call may read; reaching it is an error")
	f.Int64Var(&c.maxBody, "max-body-bytes", provider.DefaultMaxBodyBytes, "the largest response body accepted")
	f.BoolVar(&c.debug, "debug", false, "trace every HTTP request and response on stderr, credentials redacted")
	f.DurationVar(&c.timeout, "timeout", provider.DefaultRequestTimeout, "how long one HTTP request may take; GET and DELETE are retried after it")
}

// registerCache adds the cache flags, with the command's default TTL.
func (c *connection) registerCache(cmd *cobra.Command, ttl time.Duration, about string) {
	cmd.Flags().DurationVar(&c.cacheTTL, "cache-ttl", ttl, "serve identical API calls from memory for this long"+about)
	cmd.Flags().BoolVar(&c.noCache, "no-cache", false, "call the API for every statement")
}

// open loads the providers and builds the engine that calls them. The
// returned stop function shuts down the demo org, if one was started.
func (c *connection) open(ctx context.Context, stderr io.Writer) (*mapping.Registry, *engine.Engine, func(), error) {
	reg, cfg, err := c.providerSources.load(stderr)
	if err != nil {
		return nil, nil, nil, err
	}
	client := provider.New()
	if c.concurrency < 1 {
		return nil, nil, nil, usageError{fmt.Errorf("--concurrency %d: give at least 1", c.concurrency)}
	}
	if c.timeout <= 0 {
		return nil, nil, nil, usageError{fmt.Errorf("--timeout %s: give a positive duration, e.g. 30s", c.timeout)}
	}
	client.RequestTimeout = c.timeout
	if c.debug {
		client.Debug = stderr
	}
	client.MaxPages = c.maxPages
	client.MaxBodyBytes = c.maxBody
	client.Servers = map[string]string{}
	client.Tokens = map[string]string{}
	client.CustomDomains = cfg.CustomDomains
	if client.CustomDomains == nil {
		client.CustomDomains = map[string][]string{}
	}
	for _, d := range c.customDomains {
		name, host, ok := strings.Cut(d, "=")
		if !ok || name == "" || host == "" {
			return nil, nil, nil, usageError{fmt.Errorf("--custom-domain %q: write PROVIDER=HOST, e.g. okta=login.example.com", d)}
		}
		client.CustomDomains[name] = append(client.CustomDomains[name], host)
	}
	servers := []string{}
	for _, name := range slices.Sorted(maps.Keys(cfg.Servers)) {
		servers = append(servers, name+"="+cfg.Servers[name])
	}
	for _, s := range append(servers, c.servers...) {
		name, template, ok := strings.Cut(s, "=")
		if !ok || name == "" || template == "" {
			return nil, nil, nil, usageError{fmt.Errorf("--server %q: write PROVIDER=URL_TEMPLATE, e.g. okta=https://{subdomain}.oktapreview.com/", s)}
		}
		if reg.Provider(name) == nil {
			return nil, nil, nil, usageError{fmt.Errorf("--server %s: no provider named %s is loaded", s, name)}
		}
		client.Servers[name] = template
	}
	stop := func() {}
	if c.demo {
		for _, s := range c.servers {
			if strings.HasPrefix(s, "okta=") {
				return nil, nil, nil, usageError{fmt.Errorf("--demo and --server okta=... both say where Okta is: use one")}
			}
		}
		url, shutdown, err := startDemo(ctx)
		if err != nil {
			return nil, nil, nil, err
		}
		client.Servers["okta"] = url
		client.Tokens["okta"] = fakeokta.DemoToken
		stop = shutdown
	}
	// Whatever reaches stderr, the credentials in use do not.
	if r, ok := stderr.(*redactor); ok {
		for _, p := range reg.Providers {
			if token, ok := client.Tokens[p.Name]; ok {
				r.add(token)
			} else if p.Auth.CredentialsEnvVar != "" {
				r.add(os.Getenv(p.Auth.CredentialsEnvVar))
			}
		}
	}
	eng := &engine.Engine{Client: client, Concurrency: c.concurrency}
	if c.cacheTTL > 0 && !c.noCache {
		eng.Cache = engine.NewCache(c.cacheTTL)
	}
	return reg, eng, stop, nil
}

// providerSources are the flags that say which providers to load.
type providerSources struct {
	configPath string
	providers  []string
}

func (p *providerSources) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&p.configPath, "config", "", "read settings from this YAML file (default "+defaultConfigPath()+", if present)")
	f.StringArrayVar(&p.providers, "provider", nil, "load a provider NAME from an OpenAPI document, a StackQL provider directory or an overlay file: --provider hr=path/to/openapi.yaml (repeatable)")
}

// load reads the config file and loads the built-in provider and those
// the config file and flags name.
func (p *providerSources) load(stderr io.Writer) (*mapping.Registry, *config, error) {
	reg := &mapping.Registry{}
	builtIn, err := okta.Provider()
	if err != nil {
		return nil, nil, fmt.Errorf("loading the built-in Okta provider: %w", err)
	}
	if err := reg.Add(builtIn); err != nil {
		return nil, nil, err
	}
	path, explicit := p.configPath, p.configPath != ""
	if !explicit {
		path = defaultConfigPath()
	}
	cfg, err := loadConfig(path, explicit)
	if err != nil {
		return nil, nil, err
	}
	var specs []string
	for _, name := range slices.Sorted(maps.Keys(cfg.Providers)) {
		specs = append(specs, name+"="+cfg.Providers[name])
	}
	specs = append(specs, p.providers...)
	for _, spec := range specs {
		name, path, ok := strings.Cut(spec, "=")
		if !ok || name == "" || path == "" {
			return nil, nil, usageError{fmt.Errorf("--provider %q: write NAME=PATH, e.g. hr=testdata/hr/hr.yaml", spec)}
		}
		prov, warnings, err := mapping.Load(name, path, mapping.LoadOptions{CacheDir: mapping.DefaultCacheDir()})
		if err != nil {
			return nil, nil, fmt.Errorf("--provider %s: %w", spec, err)
		}
		for _, w := range warnings {
			fmt.Fprintf(stderr, "specsql: warning: --provider %s: %s\n", name, w)
		}
		if err := reg.Add(prov); err != nil {
			return nil, nil, usageError{fmt.Errorf("--provider %s: %w", spec, err)}
		}
	}
	return reg, cfg, nil
}

// startDemo serves the fake org on a loopback port and returns its server
// URL template.
func startDemo(ctx context.Context) (string, func(), error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("starting the demo org: %w", err)
	}
	srv := &http.Server{Handler: fakeokta.New(fakeokta.Config{})}
	go srv.Serve(ln) //nolint:errcheck // Serve returns when Close is called
	port := ln.Addr().(*net.TCPAddr).Port
	return fmt.Sprintf("http://{subdomain}.localhost:%d/", port), func() { srv.Close() }, nil
}

func newExecCommand() *cobra.Command {
	var (
		flags  sessionFlags
		file   string
		dryRun bool
	)
	cmd := &cobra.Command{
		Use:   `exec [flags] ("SQL; SQL" | -f FILE)`,
		Short: "Run SQL statements and print their results",
		Example: `  specsql exec --demo "SELECT status, count(*) FROM okta.webauthn_registration.enrollments WHERE subdomain = 'demo' AND userId IN ('00u...') GROUP BY status"
  OKTA_API_TOKEN=... specsql exec -o json --var subdomain=acme -f audit.sql`,
		RunE: func(cmd *cobra.Command, args []string) error {
			input, err := readInput(cmd.InOrStdin(), args, file)
			if err != nil {
				return err
			}
			sess, stop, err := flags.open(cmd)
			if err != nil {
				return err
			}
			defer stop()
			sess.dryRun = dryRun
			return sess.run(cmd.Context(), input)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "read statements from FILE (- for standard input)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the HTTP requests DELETE and EXEC would send, token redacted, and send nothing")
	flags.register(cmd, 0, " within this run (off by default)")
	return cmd
}

func readInput(stdin io.Reader, args []string, file string) (string, error) {
	switch {
	case file != "" && len(args) > 0:
		return "", usageError{fmt.Errorf("give the SQL either as an argument or with -f, not both")}
	case file == "-":
		data, err := io.ReadAll(stdin)
		return string(data), err
	case file != "":
		data, err := os.ReadFile(file)
		if err != nil {
			return "", usageError{err}
		}
		return string(data), nil
	case len(args) == 1:
		return args[0], nil
	case len(args) > 1:
		return "", usageError{fmt.Errorf("got %d arguments: quote the SQL as one argument, separating statements with ;", len(args))}
	}
	return "", usageError{fmt.Errorf("no SQL given: pass it as an argument or with -f FILE")}
}

func parseVars(vars []string) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range vars {
		name, value, ok := strings.Cut(v, "=")
		if !ok || name == "" {
			return nil, usageError{fmt.Errorf("--var %q: write --var name=value", v)}
		}
		out[name] = value
	}
	return out, nil
}
