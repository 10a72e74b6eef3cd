package engine

import (
	"encoding/json"
	"strings"
	"sync"
	"time"
)

// Cache keeps the rows of select calls for a while, so that running a
// notebook cell or a shell statement again does not call the API again.
// Entries are keyed by the full request URL and the identity of the
// credential that made it: rows are never shared across orgs or tokens.
type Cache struct {
	TTL time.Duration

	mu      sync.Mutex
	entries map[string]cacheEntry
}

type cacheEntry struct {
	rows    []json.RawMessage
	expires time.Time
}

// NewCache returns a cache whose entries live for ttl.
func NewCache(ttl time.Duration) *Cache {
	return &Cache{TTL: ttl, entries: map[string]cacheEntry{}}
}

func (c *Cache) get(key string) ([]json.RawMessage, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || time.Now().After(e.expires) {
		delete(c.entries, key)
		return nil, false
	}
	return e.rows, true
}

func (c *Cache) put(key string, rows []json.RawMessage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = cacheEntry{rows: rows, expires: time.Now().Add(c.TTL)}
}

// Clear empties the cache: after a change made through the API (DELETE,
// EXEC) or when the user asks for fresh rows (REFRESH).
func (c *Cache) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}

// Len is the number of live entries.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, e := range c.entries {
		if time.Now().Before(e.expires) {
			n++
		}
	}
	return n
}

func cacheKey(credential, method, url string) string {
	return strings.Join([]string{credential, method, url}, "\x00")
}
