// Package fakehr is a small HR system served over HTTP, the second provider
// of the join tests and benchmarks. Its employees are the users of the fake
// Okta org with the same seed, matched by email, so that "former employees
// who still hold an active key" has answers.
package fakehr

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/specsql/specsql/fakeokta"
)

// DemoAPIKey is the default key; it guards nothing real.
const DemoAPIKey = "hr-demo-key-not-secret"

const maxPage = 100

// Config describes the HR system to serve.
type Config struct {
	APIKey string          // default DemoAPIKey
	Okta   fakeokta.Config // the org whose users are the employees
}

// Employee is an employee in the API's wire format.
type Employee struct {
	ID              string  `json:"id"`
	Email           string  `json:"email"`
	FirstName       string  `json:"firstName"`
	LastName        string  `json:"lastName"`
	Department      string  `json:"department"`
	Title           string  `json:"title"`
	Status          string  `json:"status"`
	HireDate        string  `json:"hireDate"`
	TerminationDate *string `json:"terminationDate"`
}

// Server serves the HR API.
type Server struct {
	key       string
	employees []Employee

	mu       sync.Mutex
	requests int
}

// New builds the employee roster from the Okta org's users. Okta's
// deprovisioned users have left; suspended ones are on leave; and every
// sixth active user has left too but was never deprovisioned in Okta, which
// is what an audit should find.
func New(cfg Config) *Server {
	s := &Server{key: cfg.APIKey}
	if s.key == "" {
		s.key = DemoAPIKey
	}
	for i, u := range fakeokta.New(cfg.Okta).Users() {
		e := Employee{
			ID:         fmt.Sprintf("E%05d", i+1),
			Email:      u.Profile.Email,
			FirstName:  u.Profile.FirstName,
			LastName:   u.Profile.LastName,
			Department: u.Profile.Department,
			Title:      u.Profile.Title,
			Status:     "active",
			HireDate:   u.Created[:10],
		}
		switch {
		case u.Status == "DEPROVISIONED" || (u.Status == "ACTIVE" && i%6 == 3):
			e.Status = "terminated"
			last := u.LastUpdated[:10]
			e.TerminationDate = &last
		case u.Status == "SUSPENDED":
			e.Status = "on_leave"
		}
		s.employees = append(s.employees, e)
	}
	return s
}

// Employees returns the roster.
func (s *Server) Employees() []Employee { return append([]Employee(nil), s.employees...) }

// Requests counts the requests served.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("X-API-Key") != s.key {
		writeError(w, http.StatusUnauthorized, "unauthorized", "missing or wrong X-API-Key")
		return
	}
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "only GET is served")
		return
	}
	switch {
	case r.URL.Path == "/api/v1/employees":
		s.list(w, r)
	case strings.HasPrefix(r.URL.Path, "/api/v1/employees/"):
		id := strings.TrimPrefix(r.URL.Path, "/api/v1/employees/")
		for _, e := range s.employees {
			if e.ID == id {
				json.NewEncoder(w).Encode(e) //nolint:errcheck // the client sees a short body
				return
			}
		}
		writeError(w, http.StatusNotFound, "not_found", "no employee "+id)
	default:
		writeError(w, http.StatusNotFound, "not_found", "no such path")
	}
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := maxPage
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "bad_limit", "limit must be a positive integer")
			return
		}
		limit = min(n, maxPage)
	}
	status := q.Get("status")
	start := 0
	if c := q.Get("cursor"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 || n > len(s.employees) {
			writeError(w, http.StatusBadRequest, "bad_cursor", "unknown cursor")
			return
		}
		start = n
	}
	page := []Employee{}
	next := -1
	for i := start; i < len(s.employees); i++ {
		e := s.employees[i]
		if status != "" && e.Status != status {
			continue
		}
		if len(page) == limit {
			next = i
			break
		}
		page = append(page, e)
	}
	if next >= 0 {
		nq := r.URL.Query()
		nq.Set("cursor", strconv.Itoa(next))
		w.Header().Add("Link", fmt.Sprintf(`<http://%s/api/v1/employees?%s>; rel="next"`, r.Host, nq.Encode()))
	}
	json.NewEncoder(w).Encode(page) //nolint:errcheck // the client sees a short body
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}}) //nolint:errcheck // best effort
}
