package cli

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/specsql/specsql/fakehr"
)

func newFakeHRCommand() *cobra.Command {
	var (
		listen string
		cfg    fakehr.Config
	)
	cmd := &cobra.Command{
		Use:   "fake-hr --listen 127.0.0.1:PORT",
		Short: "Serve a fake HR system whose employees are the demo Okta org's users",
		Long: `Serves the HR API of testdata/hr/hr.yaml: employees, their work email and employment status.
Its employees are the users of the fake Okta org with the same seed, so the two can be joined on email.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ln, err := (&net.ListenConfig{}).Listen(cmd.Context(), "tcp", listen)
			if err != nil {
				return usageError{fmt.Errorf("--listen %s: %w", listen, err)}
			}
			srv := &http.Server{Handler: fakehr.New(cfg), ReadHeaderTimeout: 10 * time.Second}
			key := cfg.APIKey
			if key == "" {
				key = fakehr.DemoAPIKey
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "fake HR system listening on %s\nquery it with:\n  HR_API_KEY=%s specsql exec --provider hr=testdata/hr/hr.yaml --server hr=http://%s/ \"SELECT id, email, status FROM hr.employees.employees\"\n",
				ln.Addr(), key, ln.Addr())
			return serve(cmd.Context(), ln, srv)
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:8708", "address to listen on")
	f.StringVar(&cfg.APIKey, "api-key", fakehr.DemoAPIKey, "the API key the server accepts (X-API-Key)")
	f.IntVar(&cfg.Okta.Users, "users", 300, "number of employees: the users of the fake Okta org with these settings")
	f.Uint64Var(&cfg.Okta.Seed, "seed", 1, "data seed, the same as the fake Okta org's")
	return cmd
}
