package pgwire

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/specsql/specsql/engine"
	"github.com/specsql/specsql/fakeokta"
	"github.com/specsql/specsql/mapping"
	"github.com/specsql/specsql/planner"
	"github.com/specsql/specsql/provider"
	"github.com/specsql/specsql/provider/okta"
)

// serve starts a server over a fake org and returns its address.
func serve(t *testing.T, password string) (string, *fakeokta.Org) {
	t.Helper()
	org := fakeokta.New(fakeokta.Config{RateLimit: -1})
	addr := startServer(t, org, func(s *Server) {
		s.Password = password
		s.Engine.Cache = engine.NewCache(time.Minute)
	})
	return addr, org
}

// startServer serves api as the Okta org behind a server set up by
// configure, and returns the server's address.
func startServer(t *testing.T, api http.Handler, configure func(*Server)) string {
	t.Helper()
	apiSrv := httptest.NewServer(api)
	t.Cleanup(apiSrv.Close)
	p, err := okta.Provider()
	require.NoError(t, err)
	reg := &mapping.Registry{}
	require.NoError(t, reg.Add(p))
	client := provider.New()
	client.Servers = map[string]string{"okta": "http://{subdomain}.localhost:" + apiSrv.URL[strings.LastIndex(apiSrv.URL, ":")+1:] + "/"}
	client.Tokens = map[string]string{"okta": fakeokta.DemoToken}
	srv := &Server{Planner: &planner.Planner{Registry: reg}, Engine: &engine.Engine{Client: client}}
	configure(srv)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return ln.Addr().String()
}

func connect(t *testing.T, addr, password string, simple bool) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig("postgres://specsql:" + password + "@" + addr + "/specsql?sslmode=disable")
	require.NoError(t, err)
	if simple {
		cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	}
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

const user = "00uZCVxgsmCjPIPh4ZKa"

func TestQueriesOverBothProtocols(t *testing.T) {
	addr, org := serve(t, "")
	want := org.Enrollments(user)
	for _, simple := range []bool{true, false} {
		name := map[bool]string{true: "simple", false: "extended"}[simple]
		t.Run(name, func(t *testing.T) {
			conn := connect(t, addr, "", simple)
			ctx := context.Background()
			rows, err := conn.Query(ctx, `SELECT id, "profile", created, status, userId FROM okta.webauthn_registration.enrollments
				WHERE subdomain = 'demo' AND userId = $1 ORDER BY id`, user)
			require.NoError(t, err)
			var got []string
			for rows.Next() {
				var (
					id, status, uid string
					profile         map[string]any
					created         time.Time
				)
				require.NoError(t, rows.Scan(&id, &profile, &created, &status, &uid))
				require.Equal(t, user, uid)
				require.False(t, created.IsZero(), "timestamps arrive as timestamptz")
				require.Contains(t, profile, "presetPinAvailable", "objects arrive as jsonb")
				got = append(got, id)
			}
			require.NoError(t, rows.Err())
			require.Equal(t, "SELECT "+itoa(len(want)), rows.CommandTag().String())
			var ids []string
			for _, e := range want {
				ids = append(ids, e.ID)
			}
			require.ElementsMatch(t, ids, got)

			fields := rows.FieldDescriptions()
			require.Equal(t, []uint32{25, 3802, 1184, 25, 25}, []uint32{fields[0].DataTypeOID, fields[1].DataTypeOID, fields[2].DataTypeOID, fields[3].DataTypeOID, fields[4].DataTypeOID})

			var n int64
			require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM okta.webauthn_registration.enrollments WHERE subdomain = 'demo' AND userId = $1", user).Scan(&n))
			require.Equal(t, int64(len(want)), n)
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestErrorsAreErrorResponses(t *testing.T) {
	addr, _ := serve(t, "")
	conn := connect(t, addr, "", true)
	_, err := conn.Exec(context.Background(), "SELECT id FROM okta.webauthn_registration.enrollments WHERE subdomain = 'demo'")
	require.Error(t, err)
	require.Contains(t, err.Error(), "list_web_authn_preregistration_factors needs userId")
	// The connection stays usable.
	var one int64
	require.NoError(t, conn.QueryRow(context.Background(), "SELECT 1").Scan(&one))
	require.Equal(t, int64(1), one)
}

func TestSessionsAreConcurrentWithTheirOwnState(t *testing.T) {
	addr, _ := serve(t, "")
	var wg sync.WaitGroup
	for i, sub := range []string{"demo", "other"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn := connect(t, addr, "", true)
			ctx := context.Background()
			_, err := conn.Exec(ctx, "BEGIN")
			require.NoError(t, err)
			_, err = conn.Exec(ctx, "SET var.org = '"+sub+"'")
			require.NoError(t, err)
			var got string
			require.NoError(t, conn.QueryRow(ctx, "SELECT '{{ org }}'").Scan(&got))
			require.Equal(t, sub, got, "session %d sees its own variable", i)
			_, err = conn.Exec(ctx, "COMMIT")
			require.NoError(t, err)
		}()
	}
	wg.Wait()
}

func TestPassword(t *testing.T) {
	addr, _ := serve(t, "s3cret-pass")
	_, err := pgx.Connect(context.Background(), "postgres://specsql:wrong@"+addr+"/specsql?sslmode=disable")
	require.Error(t, err)
	conn := connect(t, addr, "s3cret-pass", true)
	var one int64
	require.NoError(t, conn.QueryRow(context.Background(), "SELECT 1").Scan(&one))
}

func TestPsql(t *testing.T) {
	psql, err := exec.LookPath("psql")
	require.NoError(t, err, "psql (postgresql-client) is needed; .ci/run installs it")
	addr, _ := serve(t, "")
	host, port, _ := net.SplitHostPort(addr)
	out, err := exec.Command(psql, "-X", "-A", "-F", ",", "-h", host, "-p", port, "-U", "specsql", "-d", "specsql",
		"-c", `SELECT status, count(*) AS n FROM okta.webauthn_registration.enrollments WHERE subdomain = 'demo' AND userId IN ('`+user+`', '00uTCzrt0njgq8tVxtzw') GROUP BY status ORDER BY status`,
		"-c", "SHOW RESOURCES IN okta.users").CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), "status,n\n")
	require.Contains(t, string(out), "name,id,supports\nusers,okta.users.users,SELECT\n")
}

func TestTLS(t *testing.T) {
	cert := selfSigned(t)
	addr := startServer(t, fakeokta.New(fakeokta.Config{RateLimit: -1}), func(s *Server) {
		s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	})

	conn, err := pgx.Connect(context.Background(), "postgres://specsql@"+addr+"/specsql?sslmode=require")
	require.NoError(t, err)
	defer conn.Close(context.Background())
	require.True(t, conn.PgConn().Conn() != nil)
	_, isTLS := conn.PgConn().Conn().(*tls.Conn)
	require.True(t, isTLS, "the connection is encrypted")
	var one int64
	require.NoError(t, conn.QueryRow(context.Background(), "SELECT 1").Scan(&one))
}

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestColumnTypes(t *testing.T) {
	rs := &resultSet{
		cols: []engine.Column{
			{Name: "flag", Type: engine.TypeBoolean},
			{Name: "n"},
			{Name: "mixed"},
			{Name: "x"},
			{Name: "obj"},
			{Name: "when", Type: engine.TypeTimestamp},
			{Name: "odd", Type: engine.TypeTimestamp},
		},
		rows: [][]any{
			{true, int64(1), int64(1), 1.5, json.RawMessage(`{}`), "2024-01-02T03:04:05.000Z", "yesterday"},
			{nil, nil, "two", int64(2), nil, nil, nil},
		},
	}
	var oids []uint32
	for _, c := range rs.pgColumns() {
		oids = append(oids, c.Oid)
	}
	require.Equal(t, []uint32{oidBool, oidInt8, oidText, oidFloat8, oidJSONB, oidTimestamptz, oidText}, oids,
		"declared types where values fit them, else the values' own, else text")
	row, err := encodeRow(rs.pgColumns(), rs.rows[1])
	require.NoError(t, err)
	require.Equal(t, []any{nil, nil, "two", 2.0, nil, nil, nil}, row)
}

func TestCancelRequestStopsTheStatement(t *testing.T) {
	org := fakeokta.New(fakeokta.Config{RateLimit: -1})
	var (
		mu      sync.Mutex
		started int
		aborted int
	)
	// Enrollment calls hang until their request ends: only a cancelled
	// statement ends them.
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.URL.Path, "/enrollments") {
			org.ServeHTTP(w, r)
			return
		}
		mu.Lock()
		started++
		mu.Unlock()
		<-r.Context().Done()
		mu.Lock()
		aborted++
		mu.Unlock()
	})
	addr := startServer(t, api, func(*Server) {})
	conn := connect(t, addr, "", true)
	qctx, qcancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer qcancel()
	_, err := conn.Exec(qctx, `SELECT count(*) FROM okta.users.users u JOIN okta.webauthn_registration.enrollments e
		ON e.userId = u.id AND e.subdomain = 'demo' WHERE u.subdomain = 'demo'`)
	require.Error(t, err)
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return started > 0 && aborted == started
	}, 5*time.Second, 20*time.Millisecond, "the cancel request ended the statement's calls")
}
