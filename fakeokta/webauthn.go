package fakeokta

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
)

const fulfillmentProvider = "yubico"

func (o *Org) listEnrollments(c *call) {
	userID := c.params["userId"]
	o.mu.RLock()
	defer o.mu.RUnlock()
	if _, ok := o.userIndex[userID]; !ok {
		userNotFound(c.w, userID)
		return
	}
	out := make([]Enrollment, 0, len(o.enrollments[userID]))
	for _, e := range o.enrollments[userID] {
		e.Links.Self.Href = c.base + e.Links.Self.Href
		out = append(out, e)
	}
	writeJSON(c.w, http.StatusOK, out)
}

func (o *Org) deleteEnrollment(c *call) {
	o.mu.Lock()
	defer o.mu.Unlock()
	userID, list, i, ok := o.findEnrollment(c, c.params["userId"], c.params["authenticatorEnrollmentId"])
	if !ok {
		return
	}
	o.enrollments[userID] = slices.Delete(list, i, i+1)
	c.w.WriteHeader(http.StatusNoContent)
}

func (o *Org) markError(c *call) {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, list, i, ok := o.findEnrollment(c, c.params["userId"], c.params["authenticatorEnrollmentId"])
	if !ok {
		return
	}
	list[i].Status = "FULFILLMENT_ERRORED"
	list[i].LastUpdated = formatTime(c.now)
	c.w.WriteHeader(http.StatusNoContent)
}

// findEnrollment looks up a user's enrollment and answers 404 itself when
// either is unknown. The caller holds o.mu.
func (o *Org) findEnrollment(c *call, userID, enrollmentID string) (string, []Enrollment, int, bool) {
	if _, ok := o.userIndex[userID]; !ok {
		userNotFound(c.w, userID)
		return "", nil, 0, false
	}
	list := o.enrollments[userID]
	for i := range list {
		if list[i].ID == enrollmentID {
			return userID, list, i, true
		}
	}
	writeError(c.w, http.StatusNotFound, "E0000007",
		"Not found: Resource not found: "+enrollmentID+" (WebAuthnPreregistrationFactor)")
	return "", nil, 0, false
}

// The request bodies declare every documented field, including those the fake
// does not act on, so that a value of the wrong JSON type is refused as Okta
// refuses it. Unknown fields are ignored, as Okta ignores them.
type (
	fulfillmentRequest struct {
		FulfillmentData []struct {
			CustomizationID    string `json:"customizationId"`
			InventoryProductID string `json:"inventoryProductId"`
			ProductID          string `json:"productId"`
		} `json:"fulfillmentData"`
		FulfillmentProvider string `json:"fulfillmentProvider"`
		UserID              string `json:"userId"`
	}
	enrollRequest struct {
		EnrollmentRpIDs       []string  `json:"enrollmentRpIds"`
		FulfillmentProvider   string    `json:"fulfillmentProvider"`
		UserID                string    `json:"userId"`
		YubicoTransportKeyJWK *ecKeyJWK `json:"yubicoTransportKeyJWK"`
	}
	activateRequest struct {
		CredResponses []struct {
			AuthenticatorEnrollmentID string `json:"authenticatorEnrollmentId"`
			CredResponseJwe           string `json:"credResponseJwe"`
		} `json:"credResponses"`
		FulfillmentProvider string     `json:"fulfillmentProvider"`
		PinResponseJwe      string     `json:"pinResponseJwe"`
		Serial              string     `json:"serial"`
		UserID              string     `json:"userId"`
		Version             string     `json:"version"`
		YubicoSigningJwks   []ecKeyJWK `json:"yubicoSigningJwks"`
	}
	pinRequest struct {
		AuthenticatorEnrollmentID string `json:"authenticatorEnrollmentId"`
		FulfillmentProvider       string `json:"fulfillmentProvider"`
		UserID                    string `json:"userId"`
	}
	ecKeyJWK struct {
		Crv string `json:"crv"`
		Kid string `json:"kid"`
		Kty string `json:"kty"`
		Use string `json:"use"`
		X   string `json:"x"`
		Y   string `json:"y"`
	}
	credRequest struct {
		AuthenticatorEnrollmentID string `json:"authenticatorEnrollmentId"`
		CredRequestJwe            string `json:"credRequestJwe"`
		KeyID                     string `json:"keyId"`
	}
	enrollResponse struct {
		CredRequests        []credRequest `json:"credRequests"`
		FulfillmentProvider string        `json:"fulfillmentProvider"`
		PinRequestJwe       string        `json:"pinRequestJwe"`
		UserID              string        `json:"userId"`
	}
	activateResponse struct {
		AuthenticatorEnrollmentIDs []string `json:"authenticatorEnrollmentIds"`
		FulfillmentProvider        string   `json:"fulfillmentProvider"`
		UserID                     string   `json:"userId"`
	}
)

// decodeBody decodes exactly one JSON value into v, answering 400 E0000003
// itself when the body is not that.
func decodeBody(c *call, v any) bool {
	dec := json.NewDecoder(bytes.NewReader(c.body))
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); !errors.Is(extra, io.EOF) {
			err = errors.New("trailing data")
		}
	}
	if err != nil {
		writeError(c.w, http.StatusBadRequest, "E0000003", "The request body was not well-formed.")
		return false
	}
	return true
}

type fieldError struct{ field, message string }

// validationFailed answers 400 E0000001 naming the first bad field and
// listing every problem as a cause.
func validationFailed(c *call, errs []fieldError) bool {
	if len(errs) == 0 {
		return false
	}
	causes := make([]string, len(errs))
	for i, e := range errs {
		causes[i] = e.field + ": " + e.message
	}
	writeError(c.w, http.StatusBadRequest, "E0000001", "Api validation failed: "+errs[0].field, causes...)
	return true
}

func commonErrors(provider, userID string) []fieldError {
	var errs []fieldError
	if provider != fulfillmentProvider {
		errs = append(errs, fieldError{"fulfillmentProvider", "must be 'yubico'"})
	}
	if userID == "" {
		errs = append(errs, fieldError{"userId", "The field cannot be left blank"})
	}
	return errs
}

// knownUser answers 404 itself for an unknown user. The caller holds o.mu.
func (o *Org) knownUser(c *call, userID string) bool {
	if _, ok := o.userIndex[userID]; !ok {
		userNotFound(c.w, userID)
		return false
	}
	return true
}

func (o *Org) initiateFulfillment(c *call) {
	var req fulfillmentRequest
	if !decodeBody(c, &req) || validationFailed(c, commonErrors(req.FulfillmentProvider, req.UserID)) {
		return
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.knownUser(c, req.UserID) {
		c.w.WriteHeader(http.StatusNoContent)
	}
}

func (o *Org) enroll(c *call) {
	var req enrollRequest
	if !decodeBody(c, &req) || validationFailed(c, commonErrors(req.FulfillmentProvider, req.UserID)) {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.knownUser(c, req.UserID) {
		return
	}
	// Okta encrypts the PIN and credential requests to the transport key, so
	// without one it fails with the documented 400.
	if req.YubicoTransportKeyJWK == nil {
		writeError(c.w, http.StatusBadRequest, "E0000001",
			"Api validation failed: webAuthnPreregistrationPinRequest|webAuthnPreregistrationCredentialRequest",
			"There was an unexpected internal error. Please try again.")
		return
	}
	stamp := formatTime(c.now)
	e := Enrollment{
		ID: o.newID("fwf"), FactorType: "webauthn", Provider: "FIDO", VendorName: "FIDO",
		FulfillmentProvider: fulfillmentProvider, Status: "PENDING_ACTIVATION",
		Created: stamp, LastUpdated: stamp,
		Profile: EnrollmentProfile{PresetPinAvailable: true},
	}
	e.Links.Self = Link{Href: enrollmentPath(req.UserID, e.ID), Hints: &Hints{Allow: []string{"DELETE"}}}
	o.enrollments[req.UserID] = append(o.enrollments[req.UserID], e)
	kid := req.YubicoTransportKeyJWK.Kid
	writeJSON(c.w, http.StatusOK, enrollResponse{
		CredRequests: []credRequest{{
			AuthenticatorEnrollmentID: e.ID,
			CredRequestJwe:            o.fakeJWE(kid),
			KeyID:                     randomString(o.rng.IntN, lowerAlnum, 20), // like Okta's "h2r91gconqiai1vs0psg"
		}},
		FulfillmentProvider: fulfillmentProvider,
		PinRequestJwe:       o.fakeJWE(kid),
		UserID:              req.UserID,
	})
}

func (o *Org) activate(c *call) {
	var req activateRequest
	if !decodeBody(c, &req) || validationFailed(c, commonErrors(req.FulfillmentProvider, req.UserID)) {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.knownUser(c, req.UserID) {
		return
	}
	// Without a PIN response or credential responses Okta cannot decrypt
	// anything and answers its documented 400.
	if req.PinResponseJwe == "" || len(req.CredResponses) == 0 {
		writeError(c.w, http.StatusBadRequest, "E0000001", "Api validation failed: pinResponseJwe|webAuthnCredResponse",
			"There was an unexpected internal error. Please try again.")
		return
	}
	// Check every enrollment before changing any, so a 404 leaves no trace.
	indexes := make([]int, len(req.CredResponses))
	var list []Enrollment
	for k, cr := range req.CredResponses {
		var ok bool
		if _, list, indexes[k], ok = o.findEnrollment(c, req.UserID, cr.AuthenticatorEnrollmentID); !ok {
			return
		}
	}
	ids := make([]string, len(indexes))
	for k, i := range indexes {
		e := &list[i]
		e.Status = "ACTIVE"
		e.LastUpdated = formatTime(c.now)
		if e.Profile.CredentialID == "" {
			e.Profile.CredentialID = o.credentialID()
		}
		if e.Profile.AuthenticatorName == "" {
			e.Profile.AuthenticatorName = "YubiKey 5 Series"
		}
		ids[k] = e.ID
	}
	writeJSON(c.w, http.StatusOK, activateResponse{
		AuthenticatorEnrollmentIDs: ids, FulfillmentProvider: fulfillmentProvider, UserID: req.UserID,
	})
}

func (o *Org) sendPin(c *call) {
	var req pinRequest
	if !decodeBody(c, &req) {
		return
	}
	errs := commonErrors(req.FulfillmentProvider, req.UserID)
	if req.AuthenticatorEnrollmentID == "" {
		errs = append(errs, fieldError{"authenticatorEnrollmentId", "The field cannot be left blank"})
	}
	if validationFailed(c, errs) {
		return
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	if _, _, _, ok := o.findEnrollment(c, req.UserID, req.AuthenticatorEnrollmentID); ok {
		c.w.WriteHeader(http.StatusNoContent)
	}
}

// fakeJWE returns a compact JWE of random content whose header names the
// transport key, enough for clients that only pass it on.
func (o *Org) fakeJWE(kid string) string {
	header, _ := json.Marshal(map[string]string{"alg": "ECDH-ES+A256KW", "enc": "A256GCM", "kid": kid})
	enc := base64.RawURLEncoding.EncodeToString
	part := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(o.rng.IntN(256))
		}
		return enc(b)
	}
	return enc(header) + "." + part(40) + "." + part(12) + "." + part(96) + "." + part(16)
}
