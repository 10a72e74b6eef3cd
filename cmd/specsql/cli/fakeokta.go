package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/specsql/specsql/fakeokta"
)

func newFakeOktaCommand() *cobra.Command {
	var (
		listen string
		cfg    fakeokta.Config
	)
	cmd := &cobra.Command{
		Use:   "fake-okta --listen 127.0.0.1:PORT",
		Short: "Serve a fake Okta org for tests and demos",
		Long: `Serves a fake Okta org with deterministic users and WebAuthn preregistration enrollments.
It behaves like Okta: SSWS auth, Link pagination, rate-limit headers, 429s and Okta error objects.
Address it by subdomain through *.localhost, e.g. --server okta=http://{subdomain}.localhost:PORT/`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ln, err := (&net.ListenConfig{}).Listen(cmd.Context(), "tcp", listen)
			if err != nil {
				return usageError{fmt.Errorf("--listen %s: %w", listen, err)}
			}
			srv := &http.Server{Handler: fakeokta.New(cfg), ReadHeaderTimeout: 10 * time.Second}
			port := ln.Addr().(*net.TCPAddr).Port
			subdomain := cfg.Subdomain
			if subdomain == "" {
				subdomain = fakeokta.DemoSubdomain
			}
			token := cfg.Token
			if token == "" {
				token = fakeokta.DemoToken
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "fake Okta org %q listening on %s\nquery it with:\n  OKTA_API_TOKEN=%s specsql exec --server okta=http://{subdomain}.localhost:%d/ \"SELECT id, status FROM okta.users.users WHERE subdomain = '%s'\"\n",
				subdomain, ln.Addr(), token, port, subdomain)
			return serve(cmd.Context(), ln, srv)
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:8707", "address to listen on")
	f.StringVar(&cfg.Subdomain, "subdomain", fakeokta.DemoSubdomain, "the org's subdomain")
	f.StringVar(&cfg.Token, "token", fakeokta.DemoToken, "the API token the org accepts")
	f.IntVar(&cfg.Users, "users", 300, "number of users")
	f.Uint64Var(&cfg.Seed, "seed", 1, "data seed: the same seed gives the same org")
	f.DurationVar(&cfg.Latency, "latency", 0, "delay added to every response, e.g. 50ms")
	f.IntVar(&cfg.RateLimit, "rate-limit", 600, "requests per minute per endpoint; -1 for unlimited")
	return cmd
}

// serve runs srv on ln until ctx ends, then shuts it down.
func serve(ctx context.Context, ln net.Listener, srv *http.Server) error {
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdownCtx) //nolint:errcheck // best effort on the way out
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return ctx.Err()
}
