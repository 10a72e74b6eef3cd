package fakeokta

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	maxUserLimit     = 200
	defaultQueryHits = 10 // Okta's default limit when q is given
)

func (o *Org) listUsers(c *call) {
	query := c.r.URL.Query()
	q, filter, search := query.Get("q"), query.Get("filter"), query.Get("search")
	limit := maxUserLimit
	if q != "" {
		limit = defaultQueryHits
	}
	if query.Has("limit") {
		n, err := strconv.Atoi(query.Get("limit"))
		if err != nil || n < 1 {
			writeError(c.w, http.StatusBadRequest, "E0000001", "Api validation failed: limit",
				"limit: must be a positive integer")
			return
		}
		limit = min(n, maxUserLimit)
	}

	var preds []predicate
	for _, p := range []struct {
		expr   string
		search bool
	}{{filter, false}, {search, true}} {
		if p.expr == "" {
			continue
		}
		pred, err := parseExpression(p.expr, p.search)
		if err != nil {
			writeError(c.w, http.StatusBadRequest, "E0000031", "Invalid search criteria.")
			return
		}
		preds = append(preds, pred)
	}
	if q != "" {
		preds = append(preds, quickSearch(strings.ToLower(q)))
	}
	// Okta hides deprovisioned users unless the caller filters or searches.
	if filter == "" && search == "" {
		preds = append(preds, func(u *User) bool { return u.Status != "DEPROVISIONED" })
	}

	o.mu.RLock()
	start := 0
	after := query.Get("after")
	if after != "" && q == "" { // q results are not paginated
		i, ok := o.userIndex[after]
		if !ok {
			o.mu.RUnlock()
			writeError(c.w, http.StatusBadRequest, "E0000001", "Api validation failed: after",
				"after: the cursor is not valid")
			return
		}
		start = i + 1
	}
	page := []User{}
	more := false
	for i := start; i < len(o.users); i++ {
		u := &o.users[i]
		if !matchesAll(preds, u) {
			continue
		}
		if len(page) == limit {
			more = true
			break
		}
		out := *u
		out.Links.Self.Href = c.base + u.Links.Self.Href
		page = append(page, out)
	}
	o.mu.RUnlock()

	links := url.Values{"limit": {strconv.Itoa(limit)}}
	for _, k := range []string{"q", "filter", "search"} {
		if v := query.Get(k); v != "" {
			links.Set(k, v)
		}
	}
	self := cloneValues(links)
	if after != "" && q == "" {
		self.Set("after", after)
	}
	c.w.Header().Add("Link", "<"+c.base+"/api/v1/users?"+self.Encode()+`>; rel="self"`)
	if more && q == "" {
		links.Set("after", page[len(page)-1].ID)
		c.w.Header().Add("Link", "<"+c.base+"/api/v1/users?"+links.Encode()+`>; rel="next"`)
	}
	writeJSON(c.w, http.StatusOK, page)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func (o *Org) getUser(c *call) {
	id := c.params["id"]
	o.mu.RLock()
	defer o.mu.RUnlock()
	i, ok := o.userIndex[id]
	if !ok {
		i, ok = o.loginIndex(id)
	}
	if !ok {
		userNotFound(c.w, id)
		return
	}
	u := o.users[i]
	u.Links.Self.Href = c.base + u.Links.Self.Href
	writeJSON(c.w, http.StatusOK, u)
}

// loginIndex finds a user by login; Okta compares logins case-insensitively.
func (o *Org) loginIndex(login string) (int, bool) {
	for i := range o.users {
		if strings.EqualFold(o.users[i].Profile.Login, login) {
			return i, true
		}
	}
	return 0, false
}

func (o *Org) listFactors(c *call) {
	userID := c.params["userId"]
	o.mu.RLock()
	defer o.mu.RUnlock()
	if _, ok := o.userIndex[userID]; !ok {
		userNotFound(c.w, userID)
		return
	}
	out := make([]factor, 0, len(o.factors[userID]))
	for _, f := range o.factors[userID] {
		f.Links.Self.Href = c.base + f.Links.Self.Href
		f.Links.User.Href = c.base + f.Links.User.Href
		out = append(out, f)
	}
	writeJSON(c.w, http.StatusOK, out)
}

func userNotFound(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+id+" (User)")
}

type predicate func(*User) bool

func matchesAll(preds []predicate, u *User) bool {
	for _, p := range preds {
		if !p(u) {
			return false
		}
	}
	return true
}

// quickSearch is the q parameter: a prefix match on first name, last name or
// email, ignoring case.
func quickSearch(prefix string) predicate {
	return func(u *User) bool {
		for _, v := range []string{u.Profile.FirstName, u.Profile.LastName, u.Profile.Email} {
			if strings.HasPrefix(strings.ToLower(v), prefix) {
				return true
			}
		}
		return false
	}
}

// userAttribute returns the value of a filter/search attribute; ok is false
// for attributes the fake does not know, null reports a null value.
func userAttribute(u *User, attr string) (value string, null, ok bool) {
	ptr := func(p *string) (string, bool, bool) {
		if p == nil {
			return "", true, true
		}
		return *p, false, true
	}
	switch attr {
	case "id":
		return u.ID, false, true
	case "status":
		return u.Status, false, true
	case "created":
		return u.Created, false, true
	case "activated":
		return ptr(u.Activated)
	case "statusChanged":
		return ptr(u.StatusChanged)
	case "lastLogin":
		return ptr(u.LastLogin)
	case "lastUpdated":
		return u.LastUpdated, false, true
	case "passwordChanged":
		return ptr(u.PasswordChanged)
	case "type.id":
		return u.Type.ID, false, true
	case "profile.firstName":
		return u.Profile.FirstName, false, true
	case "profile.lastName":
		return u.Profile.LastName, false, true
	case "profile.mobilePhone":
		return ptr(u.Profile.MobilePhone)
	case "profile.login":
		return u.Profile.Login, false, true
	case "profile.email":
		return u.Profile.Email, false, true
	case "profile.department":
		return u.Profile.Department, false, true
	case "profile.title":
		return u.Profile.Title, false, true
	case "profile.employeeNumber":
		return u.Profile.EmployeeNumber, false, true
	}
	return "", false, false
}

var (
	timeAttributes = map[string]bool{
		"created": true, "activated": true, "statusChanged": true, "lastLogin": true,
		"lastUpdated": true, "passwordChanged": true,
	}
	// filter supports only these attributes, with eq (and ranges on lastUpdated).
	filterAttributes = map[string]bool{
		"status": true, "lastUpdated": true, "id": true, "profile.login": true,
		"profile.email": true, "profile.firstName": true, "profile.lastName": true,
	}
	// search allows co only on these.
	containsAttributes = map[string]bool{
		"profile.firstName": true, "profile.lastName": true, "profile.email": true, "profile.login": true,
	}
	rangeOperators = map[string]bool{"gt": true, "ge": true, "lt": true, "le": true}
)

var errCriteria = errors.New("invalid search criteria")

// parseExpression parses the SCIM subset Okta accepts in filter (search
// false) or search (search true):
//
//	expr    = and { "or" and }
//	and     = primary { "and" primary }
//	primary = "(" expr ")" | attribute operator "quoted value"
//
// Operators and keywords ignore case. Filter values match exactly; search
// values ignore case, as in Okta.
func parseExpression(s string, search bool) (predicate, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	p := &exprParser{toks: toks, search: search}
	pred, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, errCriteria
	}
	return pred, nil
}

type token struct {
	text   string
	quoted bool
}

func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		switch ch := s[i]; {
		case ch == ' ' || ch == '\t':
			i++
		case ch == '(' || ch == ')':
			toks = append(toks, token{text: s[i : i+1]})
			i++
		case ch == '"':
			var b strings.Builder
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
			if i == len(s) {
				return nil, errCriteria
			}
			i++
			toks = append(toks, token{text: b.String(), quoted: true})
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t()\"", rune(s[j])) {
				j++
			}
			toks = append(toks, token{text: s[i:j]})
			i = j
		}
	}
	return toks, nil
}

type exprParser struct {
	toks   []token
	pos    int
	search bool
}

func (p *exprParser) keyword(word string) bool {
	if p.pos < len(p.toks) && !p.toks[p.pos].quoted && strings.EqualFold(p.toks[p.pos].text, word) {
		p.pos++
		return true
	}
	return false
}

func (p *exprParser) or() (predicate, error) {
	return p.chain("or", p.and, func(a, b predicate) predicate {
		return func(u *User) bool { return a(u) || b(u) }
	})
}

func (p *exprParser) and() (predicate, error) {
	return p.chain("and", p.primary, func(a, b predicate) predicate {
		return func(u *User) bool { return a(u) && b(u) }
	})
}

func (p *exprParser) chain(word string, next func() (predicate, error), join func(a, b predicate) predicate) (predicate, error) {
	left, err := next()
	if err != nil {
		return nil, err
	}
	for p.keyword(word) {
		right, err := next()
		if err != nil {
			return nil, err
		}
		left = join(left, right)
	}
	return left, nil
}

func (p *exprParser) primary() (predicate, error) {
	if p.keyword("(") {
		pred, err := p.or()
		if err != nil || !p.keyword(")") {
			return nil, errCriteria
		}
		return pred, nil
	}
	if p.pos+3 > len(p.toks) {
		return nil, errCriteria
	}
	attr, op, val := p.toks[p.pos], p.toks[p.pos+1], p.toks[p.pos+2]
	p.pos += 3
	if attr.quoted || op.quoted || !val.quoted {
		return nil, errCriteria
	}
	return p.comparison(attr.text, strings.ToLower(op.text), val.text)
}

func (p *exprParser) comparison(attr, op, value string) (predicate, error) {
	if _, _, known := userAttribute(&User{}, attr); !known {
		return nil, errCriteria
	}
	isTime := timeAttributes[attr]
	switch {
	case !p.search && !filterAttributes[attr]:
		return nil, errCriteria
	case !p.search && op != "eq" && !(attr == "lastUpdated" && rangeOperators[op]):
		return nil, errCriteria
	case op == "co" && !containsAttributes[attr]:
		return nil, errCriteria
	case rangeOperators[op] && !isTime, op == "sw" && isTime:
		return nil, errCriteria
	case op != "eq" && op != "sw" && op != "co" && !rangeOperators[op]:
		return nil, errCriteria
	}

	if isTime {
		want, err := time.Parse(time.RFC3339Nano, value)
		if err != nil {
			return nil, errCriteria
		}
		return func(u *User) bool {
			v, null, _ := userAttribute(u, attr)
			if null {
				return false
			}
			got, err := time.Parse(timeLayout, v)
			if err != nil {
				return false
			}
			switch op {
			case "gt":
				return got.After(want)
			case "ge":
				return !got.Before(want)
			case "lt":
				return got.Before(want)
			case "le":
				return !got.After(want)
			}
			return got.Equal(want)
		}, nil
	}

	fold := p.search
	if fold {
		value = strings.ToLower(value)
	}
	return func(u *User) bool {
		v, null, _ := userAttribute(u, attr)
		if null {
			return false
		}
		if fold {
			v = strings.ToLower(v)
		}
		switch op {
		case "sw":
			return strings.HasPrefix(v, value)
		case "co":
			return strings.Contains(v, value)
		}
		return v == value
	}, nil
}
