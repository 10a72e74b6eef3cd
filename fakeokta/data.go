package fakeokta

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// User is an Okta user in the wire format of GET /api/v1/users. Nullable
// timestamps are pointers so that they marshal as null, like Okta's.
// In snapshots from Org.Users, Links.Self.Href is the path only; responses
// carry it absolute, built from the request's host.
type User struct {
	ID              string          `json:"id"`
	Status          string          `json:"status"`
	Created         string          `json:"created"`
	Activated       *string         `json:"activated"`
	StatusChanged   *string         `json:"statusChanged"`
	LastLogin       *string         `json:"lastLogin"`
	LastUpdated     string          `json:"lastUpdated"`
	PasswordChanged *string         `json:"passwordChanged"`
	Type            UserType        `json:"type"`
	Profile         UserProfile     `json:"profile"`
	Credentials     UserCredentials `json:"credentials"`
	Links           SelfLinks       `json:"_links"`
}

// UserType references the user's type (one default type per org).
type UserType struct {
	ID string `json:"id"`
}

// UserProfile holds the profile attributes the fake generates.
type UserProfile struct {
	FirstName      string  `json:"firstName"`
	LastName       string  `json:"lastName"`
	MobilePhone    *string `json:"mobilePhone"`
	Login          string  `json:"login"`
	Email          string  `json:"email"`
	Department     string  `json:"department"`
	Title          string  `json:"title"`
	EmployeeNumber string  `json:"employeeNumber"`
}

// UserCredentials mirrors Okta's credentials object; the password is never
// revealed, so it is always an empty object.
type UserCredentials struct {
	Password struct{}     `json:"password"`
	Provider AuthProvider `json:"provider"`
}

// AuthProvider is the credentials provider of a user.
type AuthProvider struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

// SelfLinks is a HAL _links object with only the self relation.
type SelfLinks struct {
	Self Link `json:"self"`
}

// Link is a HAL link.
type Link struct {
	Href  string `json:"href"`
	Hints *Hints `json:"hints,omitempty"`
}

// Hints lists the methods a link allows.
type Hints struct {
	Allow []string `json:"allow"`
}

// Enrollment is a WebAuthn preregistration factor in the wire format of
// GET /webauthn-registration/api/v1/users/{userId}/enrollments. As with User,
// snapshot hrefs are paths and response hrefs are absolute.
type Enrollment struct {
	ID                  string            `json:"id"`
	FactorType          string            `json:"factorType"`
	Provider            string            `json:"provider"`
	VendorName          string            `json:"vendorName"`
	FulfillmentProvider string            `json:"fulfillmentProvider"`
	Status              string            `json:"status"`
	Created             string            `json:"created"`
	LastUpdated         string            `json:"lastUpdated"`
	Profile             EnrollmentProfile `json:"profile"`
	Links               SelfLinks         `json:"_links"`
}

// EnrollmentProfile is the profile of a preregistered factor. A factor still
// pending activation has no credential yet, so credentialId is omitted.
type EnrollmentProfile struct {
	CredentialID       string `json:"credentialId,omitempty"`
	AuthenticatorName  string `json:"authenticatorName,omitempty"`
	PresetPinAvailable bool   `json:"presetPinAvailable"`
}

// factor is an item of GET /api/v1/users/{userId}/factors.
type factor struct {
	ID          string        `json:"id"`
	FactorType  string        `json:"factorType"`
	Provider    string        `json:"provider"`
	VendorName  string        `json:"vendorName"`
	Status      string        `json:"status"`
	Created     string        `json:"created"`
	LastUpdated string        `json:"lastUpdated"`
	Profile     factorProfile `json:"profile"`
	Links       factorLinks   `json:"_links"`
}

type factorProfile struct {
	AuthenticatorName string `json:"authenticatorName,omitempty"`
	CredentialID      string `json:"credentialId,omitempty"`
	DeviceType        string `json:"deviceType,omitempty"`
	Name              string `json:"name,omitempty"`
	Platform          string `json:"platform,omitempty"`
	Version           string `json:"version,omitempty"`
	PhoneNumber       string `json:"phoneNumber,omitempty"`
}

type factorLinks struct {
	Self Link `json:"self"`
	User Link `json:"user"`
}

// Users returns a copy of every user, DEPROVISIONED included, in list order.
func (o *Org) Users() []User {
	o.mu.RLock()
	defer o.mu.RUnlock()
	out := make([]User, len(o.users))
	for i, u := range o.users {
		out[i] = u.clone()
	}
	return out
}

// Enrollments returns a copy of the user's WebAuthn preregistration factors
// (nil for an unknown user).
func (o *Org) Enrollments(userID string) []Enrollment {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if _, ok := o.userIndex[userID]; !ok {
		return nil
	}
	out := make([]Enrollment, 0, len(o.enrollments[userID]))
	for _, e := range o.enrollments[userID] {
		out = append(out, e.clone())
	}
	return out
}

func (u User) clone() User {
	u.Activated = clonePtr(u.Activated)
	u.StatusChanged = clonePtr(u.StatusChanged)
	u.LastLogin = clonePtr(u.LastLogin)
	u.PasswordChanged = clonePtr(u.PasswordChanged)
	u.Profile.MobilePhone = clonePtr(u.Profile.MobilePhone)
	u.Links.Self = u.Links.Self.clone()
	return u
}

func (e Enrollment) clone() Enrollment {
	e.Links.Self = e.Links.Self.clone()
	return e
}

func (l Link) clone() Link {
	if l.Hints != nil {
		l.Hints = &Hints{Allow: append([]string(nil), l.Hints.Allow...)}
	}
	return l
}

func clonePtr(p *string) *string {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// timeLayout is Okta's timestamp format: UTC with milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

var (
	dataStart   = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	createdEnd  = time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	activityEnd = time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	dataEnd     = time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
)

var (
	firstNames = []string{
		"Alice", "Bob", "Carol", "David", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy",
		"Karl", "Laura", "Mallory", "Niaj", "Olivia", "Peggy", "Quentin", "Rupert", "Sybil", "Trent",
		"Uma", "Victor", "Wendy", "Xavier", "Yvonne", "Zoe",
	}
	lastNames = []string{
		"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
		"Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
	}
	departments = []struct {
		name   string
		titles []string
	}{
		{"Engineering", []string{"Software Engineer", "Senior Software Engineer", "Staff Engineer", "Engineering Manager"}},
		{"Sales", []string{"Account Executive", "Sales Engineer", "Sales Manager"}},
		{"Marketing", []string{"Marketing Specialist", "Product Marketing Manager"}},
		{"Finance", []string{"Accountant", "Financial Analyst", "Controller"}},
		{"IT", []string{"IT Administrator", "Security Engineer", "Help Desk Technician"}},
		{"Human Resources", []string{"HR Generalist", "Recruiter"}},
		{"Support", []string{"Support Engineer", "Support Manager"}},
	}
	authenticatorNames = []string{"YubiKey 5C NFC", "YubiKey 5 NFC", "YubiKey Bio", "YubiKey 5Ci", "Security Key NFC"}
	phones             = []struct{ deviceType, name, platform, version string }{
		{"SmartPhone_IPhone", "iPhone 15", "IOS", "17.4.1"},
		{"SmartPhone_Android", "Pixel 8", "ANDROID", "14"},
	}
)

// Statuses are listed with their weights; generation also guarantees that each
// one occurs at least once when there is room, so tests can rely on them.
var (
	userStatuses = []weighted{
		{"ACTIVE", 70}, {"SUSPENDED", 6}, {"DEPROVISIONED", 8}, {"STAGED", 6}, {"PROVISIONED", 6}, {"LOCKED_OUT", 4},
	}
	enrollmentStatuses = []weighted{
		{"ACTIVE", 50}, {"PENDING_ACTIVATION", 15}, {"ENROLLED", 15}, {"INACTIVE", 10}, {"FULFILLMENT_ERRORED", 10},
	}
	enrollmentCounts = []int{25, 35, 25, 15} // weights of 0..3 enrollments per user
	factorCounts     = []int{20, 35, 30, 15} // weights of 0..3 factors per user
	factorKinds      = []string{"push", "sms", "token:software:totp", "webauthn"}
)

type weighted struct {
	value  string
	weight int
}

func pickWeight(rng *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

func pickWeighted(rng *rand.Rand, items []weighted) string {
	weights := make([]int, len(items))
	for i, it := range items {
		weights[i] = it.weight
	}
	return items[pickWeight(rng, weights)].value
}

// between returns a whole second in [a, b], or a when b is not after a.
func between(rng *rand.Rand, a, b time.Time) time.Time {
	secs := int64(b.Sub(a) / time.Second)
	if secs <= 0 {
		return a
	}
	return a.Add(time.Duration(rng.Int64N(secs+1)) * time.Second)
}

func (o *Org) newID(prefix string) string {
	for {
		id := prefix + randomString(o.rng.IntN, base62, 17)
		if !o.ids[id] {
			o.ids[id] = true
			return id
		}
	}
}

// credentialID imitates a WebAuthn credential id: 64 random bytes, base64url.
func (o *Org) credentialID() string { return randomString(o.rng.IntN, base64URL, 86) }

func userPath(id string) string { return "/api/v1/users/" + id }

func enrollmentPath(userID, id string) string {
	return "/webauthn-registration/api/v1/users/" + userID + "/enrollments/" + id
}

// generate fills the org with data drawn only from the seed, so the same
// Config always yields byte-identical data.
func (o *Org) generate() {
	o.rng = rand.New(rand.NewPCG(o.cfg.Seed, 0x6f6b7461)) // second word: "okta"
	o.ids = map[string]bool{}
	n := o.cfg.Users
	o.users = make([]User, n)
	o.userIndex = make(map[string]int, n)
	o.enrollments = make(map[string][]Enrollment, n)
	o.factors = make(map[string][]factor, n)

	statuses := make([]string, n)
	for i := range statuses {
		statuses[i] = pickWeighted(o.rng, userStatuses)
	}
	for k, i := range o.rng.Perm(n)[:min(n, len(userStatuses))] {
		statuses[i] = userStatuses[k].value
	}

	// Creation times rise along the list, as in a real org listed by id.
	typeID := o.newID("oty")
	// How many users share each first.last so far: the next one gets a
	// number, as in alice.smith2@example.com.
	namesakes := map[string]int{}
	created := make([]time.Time, n)
	slot := createdEnd.Sub(dataStart) / time.Duration(n)
	for i := range o.users {
		from := dataStart.Add(slot * time.Duration(i))
		created[i] = between(o.rng, from, from.Add(slot))
		u := o.newUser(statuses[i], created[i], typeID, namesakes)
		u.Profile.EmployeeNumber = fmt.Sprintf("%06d", 100001+i)
		o.users[i] = u
		o.userIndex[u.ID] = i
	}
	o.generateEnrollments(created)
	o.generateFactors(created)
}

func (o *Org) newUser(status string, created time.Time, typeID string, namesakes map[string]int) User {
	first := firstNames[o.rng.IntN(len(firstNames))]
	last := lastNames[o.rng.IntN(len(lastNames))]
	local := strings.ToLower(first + "." + last)
	login := local + "@example.com"
	if n := namesakes[local]; n > 0 {
		login = fmt.Sprintf("%s%d@example.com", local, n+1)
	}
	namesakes[local]++
	dept := departments[o.rng.IntN(len(departments))]
	u := User{
		ID:      o.newID("00u"),
		Status:  status,
		Created: formatTime(created),
		Type:    UserType{ID: typeID},
		Profile: UserProfile{
			FirstName: first, LastName: last, Login: login, Email: login,
			Department: dept.name, Title: dept.titles[o.rng.IntN(len(dept.titles))],
		},
		Credentials: UserCredentials{Provider: AuthProvider{Type: "OKTA", Name: "OKTA"}},
	}
	u.Links.Self.Href = userPath(u.ID)
	if o.rng.IntN(3) == 0 {
		phone := fmt.Sprintf("+1-555-01%02d", o.rng.IntN(100))
		u.Profile.MobilePhone = &phone
	}

	// Lifecycle timestamps follow the status: staged users were never
	// activated, provisioned ones never set a password or signed in, and
	// suspended/locked/deprovisioned ones changed status after signing in.
	latest := created
	stamp := func(t time.Time) *string {
		latest = t
		s := formatTime(t)
		return &s
	}
	if status != "STAGED" {
		activated := between(o.rng, created, created.Add(72*time.Hour))
		u.Activated = stamp(activated)
		u.StatusChanged = u.Activated
		if status != "PROVISIONED" {
			u.PasswordChanged = stamp(between(o.rng, activated, activated.Add(time.Hour)))
			if status != "ACTIVE" || o.rng.IntN(10) != 0 {
				u.LastLogin = stamp(between(o.rng, latest, activityEnd))
			}
			if status != "ACTIVE" {
				u.StatusChanged = stamp(between(o.rng, latest, activityEnd))
			}
		}
	}
	u.LastUpdated = formatTime(between(o.rng, latest, earlier(latest.Add(7*24*time.Hour), dataEnd)))
	return u
}

func (o *Org) generateEnrollments(userCreated []time.Time) {
	n := len(o.users)
	counts := make([]int, n)
	total := 0
	for i := range counts {
		counts[i] = pickWeight(o.rng, enrollmentCounts)
		total += counts[i]
	}
	// Guarantee a user without enrollments and enough enrollments for every
	// status; without room (tiny orgs) this is best effort.
	order := o.rng.Perm(n)
	if n >= 2 {
		total -= counts[order[0]]
		counts[order[0]] = 0
		order = order[1:]
	}
	for _, i := range order {
		for total < len(enrollmentStatuses) && counts[i] < 3 {
			counts[i]++
			total++
		}
	}

	var all []*Enrollment
	for i, c := range counts {
		u := o.users[i]
		list := make([]Enrollment, c)
		for j := range list {
			created := between(o.rng, userCreated[i], activityEnd)
			e := Enrollment{
				ID: o.newID("fwf"), FactorType: "webauthn", Provider: "FIDO", VendorName: "FIDO",
				FulfillmentProvider: "yubico",
				Status:              pickWeighted(o.rng, enrollmentStatuses),
				Created:             formatTime(created),
				LastUpdated:         formatTime(between(o.rng, created, earlier(created.Add(30*24*time.Hour), dataEnd))),
				Profile: EnrollmentProfile{
					CredentialID:       o.credentialID(),
					AuthenticatorName:  authenticatorNames[o.rng.IntN(len(authenticatorNames))],
					PresetPinAvailable: o.rng.IntN(10) < 7,
				},
			}
			e.Links.Self = Link{Href: enrollmentPath(u.ID, e.ID), Hints: &Hints{Allow: []string{"DELETE"}}}
			list[j] = e
		}
		o.enrollments[u.ID] = list
		for j := range list {
			all = append(all, &list[j])
		}
	}
	for k, i := range o.rng.Perm(len(all))[:min(len(all), len(enrollmentStatuses))] {
		all[i].Status = enrollmentStatuses[k].value
	}
	for _, e := range all {
		if e.Status == "PENDING_ACTIVATION" {
			e.Profile.CredentialID = "" // the key has not been written yet
		}
	}
}

func (o *Org) generateFactors(userCreated []time.Time) {
	for i, u := range o.users {
		kinds := o.rng.Perm(len(factorKinds))[:pickWeight(o.rng, factorCounts)]
		list := make([]factor, 0, len(kinds))
		for _, k := range kinds {
			created := between(o.rng, userCreated[i], activityEnd)
			f := factor{
				FactorType: factorKinds[k], Provider: "OKTA", VendorName: "OKTA", Status: "ACTIVE",
				Created:     formatTime(created),
				LastUpdated: formatTime(between(o.rng, created, earlier(created.Add(30*24*time.Hour), dataEnd))),
			}
			switch f.FactorType {
			case "push":
				f.ID = o.newID("mbl")
				p := phones[o.rng.IntN(len(phones))]
				f.Profile = factorProfile{CredentialID: u.Profile.Login, DeviceType: p.deviceType, Name: p.name, Platform: p.platform, Version: p.version}
			case "sms":
				f.ID = o.newID("sms")
				f.Profile.PhoneNumber = fmt.Sprintf("+1-555-01%02d", o.rng.IntN(100))
			case "token:software:totp":
				f.ID = o.newID("ost")
				f.Profile.CredentialID = u.Profile.Login
			case "webauthn":
				f.ID = o.newID("fwf")
				f.Provider, f.VendorName = "FIDO", "FIDO"
				f.Profile = factorProfile{AuthenticatorName: authenticatorNames[o.rng.IntN(len(authenticatorNames))], CredentialID: o.credentialID()}
			}
			if f.FactorType != "webauthn" && o.rng.IntN(7) == 0 {
				f.Status = "PENDING_ACTIVATION"
			}
			f.Links = factorLinks{
				Self: Link{Href: userPath(u.ID) + "/factors/" + f.ID, Hints: &Hints{Allow: []string{"GET", "DELETE"}}},
				User: Link{Href: userPath(u.ID), Hints: &Hints{Allow: []string{"GET"}}},
			}
			list = append(list, f)
		}
		o.factors[u.ID] = list
	}
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
