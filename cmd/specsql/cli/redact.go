package cli

import (
	"io"
	"strings"
	"sync"
)

// redactor writes to w with every registered secret replaced by ****: a
// last line of defence, so that no message, trace or error printed on
// stderr shows a token, whatever code path produced it.
type redactor struct {
	w       io.Writer
	mu      sync.Mutex
	secrets []string
}

// minSecret is the shortest value treated as a secret: shorter ones would
// redact ordinary words.
const minSecret = 8

func (r *redactor) add(secret string) {
	secret = strings.TrimSpace(secret)
	if len(secret) < minSecret {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, secret)
}

func (r *redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	secrets := r.secrets
	r.mu.Unlock()
	text := string(p)
	for _, s := range secrets {
		text = strings.ReplaceAll(text, s, "****")
	}
	if _, err := io.WriteString(r.w, text); err != nil {
		return 0, err
	}
	return len(p), nil
}
