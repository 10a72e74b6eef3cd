package pgwire

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"sync"

	wire "github.com/jeroenrinzema/psql-wire"
)

// cancels lets a client cancel its running statement the PostgreSQL way:
// the connection gets a process id and a secret key, and a cancel request
// on another connection naming both stops that connection's statement
// (psql's Ctrl-C, a notebook's interrupt). The running statement's API
// calls end with it.
type cancels struct {
	mu     sync.Mutex
	nextID int32
	byID   map[int32]*backend
	byAddr map[string]*backend
}

type backend struct {
	secret  int32
	session *session
}

// keyData gives a new connection its process id and secret key.
func (c *cancels) keyData(ctx context.Context) (int32, int32) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	secret := int32(binary.BigEndian.Uint32(b[:]))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextID++
	be := &backend{secret: secret}
	c.byID[c.nextID] = be
	c.byAddr[wire.RemoteAddress(ctx).String()] = be
	return c.nextID, secret
}

// attach links a connection's session to its key, once the session exists.
func (c *cancels) attach(ctx context.Context, s *session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if be, ok := c.byAddr[wire.RemoteAddress(ctx).String()]; ok {
		be.session = s
	}
}

// cancel stops the statement of the connection the key names.
func (c *cancels) cancel(_ context.Context, id, secret int32) error {
	c.mu.Lock()
	be, ok := c.byID[id]
	c.mu.Unlock()
	if !ok || subtle.ConstantTimeEq(be.secret, secret) != 1 || be.session == nil {
		return nil
	}
	be.session.cancelRunning()
	return nil
}

// forget drops a closed connection's key.
func (c *cancels) forget(ctx context.Context) error {
	addr := wire.RemoteAddress(ctx).String()
	c.mu.Lock()
	defer c.mu.Unlock()
	if be, ok := c.byAddr[addr]; ok {
		delete(c.byAddr, addr)
		for id, other := range c.byID {
			if other == be {
				delete(c.byID, id)
			}
		}
	}
	return nil
}

// running makes ctx cancellable by a cancel request for the session; the
// returned function ends that.
func (s *session) running(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	s.cancel = cancel
	s.mu.Unlock()
	return ctx, func() {
		s.mu.Lock()
		s.cancel = nil
		s.mu.Unlock()
		cancel()
	}
}

func (s *session) cancelRunning() {
	s.mu.Lock()
	cancel := s.cancel
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}
