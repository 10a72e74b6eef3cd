// Package pgwire serves specsql over the PostgreSQL wire protocol, so that
// psql, drivers such as psycopg2, notebooks and BI tools can query it.
// Statements are the same as the command line's; quoting follows
// PostgreSQL (double quotes name identifiers, backslashes are plain).
package pgwire

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"

	wire "github.com/jeroenrinzema/psql-wire"

	"github.com/specsql/specsql/engine"
	"github.com/specsql/specsql/planner"
)

// Server answers PostgreSQL clients.
type Server struct {
	Planner *planner.Planner
	Engine  *engine.Engine
	// Password, when set, is asked of every client (any user name).
	Password string
	TLS      *tls.Config
	Logger   *slog.Logger
}

// sessionKey holds a connection's own state.
type sessionKey struct{}

// session is one client connection's state: its template variables, set
// with SET var.name = 'value'.
type session struct {
	mu   sync.Mutex
	vars map[string]string
	// cancel stops the running statement, if any.
	cancel context.CancelFunc
}

func sessionOf(ctx context.Context) *session {
	if s, ok := ctx.Value(sessionKey{}).(*session); ok {
		return s
	}
	return &session{vars: map[string]string{}}
}

func (s *session) varsCopy() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.vars))
	for k, v := range s.vars {
		out[k] = v
	}
	return out
}

// Serve serves clients on ln until ctx ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	c := &cancels{byID: map[int32]*backend{}, byAddr: map[string]*backend{}}
	opts := []wire.OptionFn{
		wire.SessionMiddleware(func(ctx context.Context) (context.Context, error) {
			sess := &session{vars: map[string]string{}}
			c.attach(ctx, sess)
			return context.WithValue(ctx, sessionKey{}, sess), nil
		}),
		wire.BackendKeyData(c.keyData),
		wire.CancelRequest(c.cancel),
		wire.CloseConn(c.forget),
		wire.GlobalParameters(wire.Parameters{
			"standard_conforming_strings": "on",
			"client_encoding":             "UTF8",
			"DateStyle":                   "ISO, MDY",
			"TimeZone":                    "UTC",
			"integer_datetimes":           "on",
		}),
		wire.Version("15.0 (specsql)"),
	}
	logger := s.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	opts = append(opts, wire.Logger(logger))
	if s.Password != "" {
		opts = append(opts, wire.SessionAuthStrategy(wire.ClearTextPassword(func(ctx context.Context, _, _, password string) (context.Context, bool, error) {
			return ctx, subtle.ConstantTimeCompare([]byte(password), []byte(s.Password)) == 1, nil
		})))
	}
	if s.TLS != nil {
		opts = append(opts, wire.TLSConfig(s.TLS))
	}
	srv, err := wire.NewServer(s.parse, opts...)
	if err != nil {
		return err
	}
	go func() {
		<-ctx.Done()
		srv.Close() //nolint:errcheck // closing on the way out
	}()
	err = srv.Serve(ln)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// parse answers one query: a statement for the engine, or one of the
// commands clients send around their queries (BEGIN, SET, SHOW setting).
func (s *Server) parse(ctx context.Context, q wire.Query) (wire.PreparedStatements, error) {
	if stmt, ok := s.control(ctx, q.Query); ok {
		return wire.Prepared(stmt), nil
	}
	if q.SimpleQuery {
		return s.simple(ctx, q.Query)
	}
	return s.extended(ctx, q.Query)
}

var (
	transaction = regexp.MustCompile(`(?is)^\s*(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT)\b[^;]*;?\s*$`)
	setting     = regexp.MustCompile(`(?is)^\s*SET\s+(?:SESSION\s+|LOCAL\s+)?([\w.]+)\s*(?:=|\bTO\b)\s*(.*?)\s*;?\s*$`)
	reset       = regexp.MustCompile(`(?is)^\s*(RESET|DISCARD)\b[^;]*;?\s*$`)
	showSetting = regexp.MustCompile(`(?is)^\s*SHOW\s+([\w.]+(?:\s+[\w.]+)*)\s*;?\s*$`)
)

// settings answers SHOW for the settings drivers ask about.
var settings = map[string]string{
	"standard_conforming_strings": "on",
	"transaction_isolation":       "read committed",
	"transaction isolation level": "read committed",
	"server_version":              "15.0 (specsql)",
	"client_encoding":             "UTF8",
	"datestyle":                   "ISO, MDY",
	"timezone":                    "UTC",
	"integer_datetimes":           "on",
	"search_path":                 "public",
}

func (s *Server) control(ctx context.Context, query string) (*wire.PreparedStatement, bool) {
	complete := func(tag string) *wire.PreparedStatement {
		return wire.NewStatement(func(ctx context.Context, w wire.DataWriter, _ []wire.Parameter) error {
			return w.Complete(tag)
		})
	}
	if m := transaction.FindStringSubmatch(query); m != nil {
		// specsql has no transactions; drivers open one around every query.
		tag := strings.ToUpper(strings.Fields(m[1])[0])
		switch tag {
		case "START":
			tag = "BEGIN"
		case "END":
			tag = "COMMIT"
		case "ABORT":
			tag = "ROLLBACK"
		}
		return complete(tag), true
	}
	if m := setting.FindStringSubmatch(query); m != nil {
		if name, ok := strings.CutPrefix(strings.ToLower(m[1]), "var."); ok {
			sess := sessionOf(ctx)
			sess.mu.Lock()
			sess.vars[name] = unquote(m[2])
			sess.mu.Unlock()
		}
		return complete("SET"), true
	}
	if m := reset.FindStringSubmatch(query); m != nil {
		return complete(strings.ToUpper(m[1])), true
	}
	if m := showSetting.FindStringSubmatch(query); m != nil {
		name := strings.ToLower(strings.Join(strings.Fields(m[1]), " "))
		if v, ok := settings[name]; ok {
			return wire.NewStatement(func(ctx context.Context, w wire.DataWriter, _ []wire.Parameter) error {
				if err := w.Row([]any{v}); err != nil {
					return err
				}
				return w.Complete("SHOW")
			}, wire.WithColumns(wire.Columns{{Name: strings.ReplaceAll(name, " ", "_"), Oid: oidText}})), true
		}
	}
	return nil, false
}

// unquote reads a SET value: 'quoted' with doubled quotes, or bare.
func unquote(v string) string {
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return strings.ReplaceAll(v[1:len(v)-1], "''", "'")
	}
	return v
}

// prepare plans statement text sent by a PostgreSQL client.
func (s *Server) prepare(ctx context.Context, text string) ([]*planner.Plan, error) {
	converted, err := planner.FromPostgres(text)
	if err != nil {
		return nil, err
	}
	plans, err := s.Planner.Prepare(converted, sessionOf(ctx).varsCopy())
	if err != nil {
		return nil, err
	}
	for i, p := range plans {
		if err := s.Engine.Check(p, true); err != nil {
			if len(plans) > 1 {
				return nil, fmt.Errorf("statement %d: %w", i+1, err)
			}
			return nil, err
		}
	}
	return plans, nil
}

// simple runs the statements of a simple query now, before their result
// columns are announced: that way a column's type comes from its values,
// so count(*) is a bigint and not text.
func (s *Server) simple(ctx context.Context, text string) (wire.PreparedStatements, error) {
	plans, err := s.prepare(ctx, text)
	if err != nil {
		return nil, err
	}
	ctx, done := sessionOf(ctx).running(ctx)
	defer done()
	var stmts wire.PreparedStatements
	for _, plan := range plans {
		rs := &resultSet{}
		status, err := s.Engine.Run(ctx, plan, rs)
		if err != nil {
			return nil, err
		}
		cols := rs.pgColumns()
		tag := commandTag(plan, status, len(rs.rows))
		stmts = append(stmts, wire.NewStatement(func(ctx context.Context, w wire.DataWriter, _ []wire.Parameter) error {
			for _, row := range rs.rows {
				values, err := encodeRow(cols, row)
				if err != nil {
					return err
				}
				if err := w.Row(values); err != nil {
					return err
				}
			}
			return w.Complete(tag)
		}, wire.WithColumns(cols)))
	}
	return stmts, nil
}

var placeholder = regexp.MustCompile(`\$([1-9][0-9]*)`)

// extended prepares one statement of the extended protocol: its columns
// are described now, from a plan over empty tables, and it runs when
// executed, with its $n parameters bound as literals.
func (s *Server) extended(ctx context.Context, text string) (wire.PreparedStatements, error) {
	n := countParams(text)
	described, err := bindParams(text, make([]*string, n))
	if err != nil {
		return nil, err
	}
	plans, err := s.prepare(ctx, described)
	if err != nil {
		return nil, err
	}
	if len(plans) != 1 {
		return nil, errors.New("the extended query protocol takes one statement at a time")
	}
	engineCols, err := s.Engine.Describe(ctx, plans[0])
	if err != nil {
		return nil, err
	}
	cols := declaredColumns(engineCols)
	oids := make([]uint32, n)
	for i := range oids {
		oids[i] = oidText
	}
	return wire.Prepared(wire.NewStatement(func(ctx context.Context, w wire.DataWriter, params []wire.Parameter) error {
		values := make([]*string, n)
		for i, p := range params {
			if i >= n || p.Value() == nil {
				continue
			}
			v := string(p.Value())
			values[i] = &v
		}
		bound, err := bindParams(text, values)
		if err != nil {
			return err
		}
		plans, err := s.prepare(ctx, bound)
		if err != nil {
			return err
		}
		ctx, done := sessionOf(ctx).running(ctx)
		defer done()
		rs := &resultSet{}
		status, err := s.Engine.Run(ctx, plans[0], rs)
		if err != nil {
			return err
		}
		for _, row := range rs.project(cols) {
			values, err := encodeRow(cols, row)
			if err != nil {
				return err
			}
			if err := w.Row(values); err != nil {
				return err
			}
		}
		return w.Complete(commandTag(plans[0], status, len(rs.rows)))
	}, wire.WithColumns(cols), wire.WithParameters(oids))), nil
}

func countParams(text string) int {
	n := 0
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		if i, err := strconv.Atoi(m[1]); err == nil {
			n = max(n, i)
		}
	}
	return n
}

// bindParams puts parameter values into statement text as literals, $n
// by $n, outside strings and comments; a nil value is NULL.
func bindParams(text string, values []*string) (string, error) {
	if len(values) == 0 {
		return text, nil
	}
	return planner.ReplacePlaceholders(text, func(n int) (string, bool) {
		if n < 1 || n > len(values) {
			return "", false
		}
		if values[n-1] == nil {
			return "NULL", true
		}
		return "'" + strings.ReplaceAll(*values[n-1], "'", "''") + "'", true
	})
}

// commandTag is the tag PostgreSQL clients read a statement's outcome from.
func commandTag(plan *planner.Plan, status string, rows int) string {
	switch plan.Statement.Kind {
	case planner.KindSelect, planner.KindShow:
		return "SELECT " + strconv.Itoa(rows)
	case planner.KindDelete:
		return status
	}
	return string(plan.Statement.Kind)
}
