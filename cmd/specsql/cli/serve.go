package cli

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/specsql/specsql/pgwire"
	"github.com/specsql/specsql/planner"
)

func newServeCommand() *cobra.Command {
	var (
		conn            connection
		listen          string
		tlsCert, tlsKey string
		allowNoPassword bool
	)
	cmd := &cobra.Command{
		Use:   "serve --listen 127.0.0.1:5466",
		Short: "Serve SQL over the PostgreSQL wire protocol, for psql, drivers, notebooks and BI tools",
		Long: `Serves specsql to PostgreSQL clients: psql, psycopg2, pandas.read_sql, Jupyter, BI tools.
Statements are the same as exec's; quoting follows PostgreSQL: "double quotes" name identifiers.
A password (SPECSQL_PASSWORD) is asked of every client when set; it is required to listen beyond loopback.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			password := os.Getenv("SPECSQL_PASSWORD")
			host, _, err := net.SplitHostPort(listen)
			if err != nil {
				return usageError{fmt.Errorf("--listen %s: %w", listen, err)}
			}
			if ip := net.ParseIP(host); (ip == nil || !ip.IsLoopback()) && host != "localhost" && password == "" && !allowNoPassword {
				return usageError{fmt.Errorf("--listen %s is reachable from other machines: set SPECSQL_PASSWORD (and --tls-cert/--tls-key), or pass --no-password to serve it open", listen)}
			}
			var tlsConfig *tls.Config
			if tlsCert != "" || tlsKey != "" {
				cert, err := tls.LoadX509KeyPair(tlsCert, tlsKey)
				if err != nil {
					return usageError{fmt.Errorf("--tls-cert/--tls-key: %w", err)}
				}
				tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
			}
			ctx := cmd.Context()
			reg, eng, stop, err := conn.open(ctx, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer stop()
			ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", listen)
			if err != nil {
				return usageError{fmt.Errorf("--listen %s: %w", listen, err)}
			}
			sslmode := "disable"
			if tlsConfig != nil {
				sslmode = "require"
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "specsql serving PostgreSQL clients on %s\n  psql \"host=%s port=%d user=specsql dbname=specsql sslmode=%s\"\n",
				ln.Addr(), host, ln.Addr().(*net.TCPAddr).Port, sslmode)
			srv := &pgwire.Server{
				Planner:  &planner.Planner{Registry: reg},
				Engine:   eng,
				Password: password,
				TLS:      tlsConfig,
				Logger:   slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn})),
			}
			return srv.Serve(ctx, ln)
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:5466", "address to listen on")
	f.StringVar(&tlsCert, "tls-cert", "", "serve TLS with this certificate (PEM)")
	f.StringVar(&tlsKey, "tls-key", "", "the TLS certificate's private key (PEM)")
	f.BoolVar(&allowNoPassword, "no-password", false, "allow listening beyond loopback without a password")
	conn.register(cmd)
	conn.registerCache(cmd, 5*time.Minute, "")
	return cmd
}
