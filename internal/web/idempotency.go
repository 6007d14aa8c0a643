package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"sync"

	"github.com/steward-fleet/steward/internal/steward"
)

// maxIdempotencyKeyLen bounds the Idempotency-Key header.
const maxIdempotencyKeyLen = 255

// objectPaths is where each kind of created object lives, for the Location header.
var objectPaths = map[string]string{
	steward.ObjectCustomer: "/api/v1/customers/",
	steward.ObjectContact:  "/api/v1/contacts/",
	steward.ObjectLocation: "/api/v1/locations/",
	steward.ObjectAsset:    "/api/v1/assets/",
	steward.ObjectAPIKey:   "/api/v1/api-keys/",
	steward.ObjectAccount:  "/api/v1/accounts/",
	steward.ObjectUser:     "/api/v1/users/",
	steward.ObjectGroup:    "/api/v1/groups/",
	steward.ObjectWebhook:  "/api/v1/webhooks/",
}

// creation is the outcome of one create.
type creation struct {
	obj     any    // the response body
	id      string // the new object's id, for Location
	version int64  // its version, for ETag
}

// creator describes one kind of create for Server.create.
type creator struct {
	objectType string
	// order is where each member stood in the body, for listing field errors in that order.
	order fieldOrder
	// create makes the object; its ctx carries the Idempotency-Key, if any, which the store
	// claims and records in the create's own transaction.
	create func(ctx context.Context) (creation, error)
	// redact returns what a replay answers in place of the created object, when that must
	// differ from the first response (no secrets); nil: the object as first answered.
	redact func(obj any) any
}

// idempotencyKey reads the Idempotency-Key header; ok is false when there is none.
func idempotencyKey(h http.Header) (key string, ok bool, err error) {
	vals := h.Values("Idempotency-Key")
	if len(vals) == 0 {
		return "", false, nil
	}
	if len(vals) > 1 {
		return "", false, steward.Invalid("Idempotency-Key", "must be given once")
	}
	key = vals[0]
	if key == "" || len(key) > maxIdempotencyKeyLen {
		return "", false, steward.Invalid("Idempotency-Key", "must be 1 to %d characters", maxIdempotencyKeyLen)
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			return "", false, steward.Invalid("Idempotency-Key", "must be printable ASCII")
		}
	}
	return key, true, nil
}

// requestHash identifies a create request: the same key with another hash is another request.
func requestHash(method, path string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method))
	h.Write([]byte{0})
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// create runs a create under the request's Idempotency-Key, if it has one, and answers 201.
//
// The store claims the key, makes the object and records the response rendered here, in one
// transaction (see steward.Idempotency): a failed create leaves the key free for a corrected
// retry, and a key used before is answered by replay. A retry arriving while a create under the
// same key runs in this process is answered at once (409, or 422 for another request) rather
// than queued behind it.
func (s *Server) create(w http.ResponseWriter, r *http.Request, body []byte, c creator) error {
	key, ok, err := idempotencyKey(r.Header)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if !ok {
		res, err := c.create(ctx)
		if err != nil {
			return c.order.sort(err)
		}
		return s.writeCreated(w, c.objectType, res, nil)
	}
	hash := requestHash(r.Method, r.URL.Path, body)
	claim := &steward.Idempotency{Scope: actorOf(r).ID, Key: key, RequestHash: hash, Status: http.StatusCreated}
	done, other, running := s.flights.start(claim)
	if running {
		if other != hash {
			return keyReused()
		}
		w.Header().Set("Retry-After", "1")
		return &steward.Error{Code: steward.ECONFLICT, Kind: kindIdempotencyInFlight,
			Message: "a request with this Idempotency-Key is still in progress"}
	}
	defer done()
	var recorded []byte
	claim.Render = func(obj any) ([]byte, error) {
		if c.redact != nil {
			obj = c.redact(obj)
		}
		b, err := marshal(obj)
		recorded = b
		return b, err
	}
	res, err := c.create(steward.NewContextWithIdempotency(ctx, claim))
	if replay, ok := errors.AsType[*steward.IdempotentReplay](err); ok {
		return s.replay(w, r, c, &replay.Prior, hash)
	}
	if err != nil {
		return c.order.sort(err)
	}
	if recorded == nil {
		// The store ignored the key: the object exists, but a retry would create another.
		s.log.ErrorContext(ctx, "create did not record its Idempotency-Key", "request_id", infoOf(ctx).id,
			"object_type", c.objectType)
	}
	if c.redact != nil {
		recorded = nil // the first response holds what the record leaves out
	}
	return s.writeCreated(w, c.objectType, res, recorded)
}

// flights tracks the Idempotency-Keys whose creates are running in this process.
type flights struct {
	mu sync.Mutex
	m  map[flightKey]string // the request hash of each running create
}

type flightKey struct{ scope, key string }

// start registers a create under i and returns done, which ends the registration; or, when a
// create under the same key is running, the request hash of that one and running true.
func (f *flights) start(i *steward.Idempotency) (done func(), otherHash string, running bool) {
	k := flightKey{i.Scope, i.Key}
	f.mu.Lock()
	defer f.mu.Unlock()
	if h, ok := f.m[k]; ok {
		return nil, h, true
	}
	if f.m == nil {
		f.m = map[flightKey]string{}
	}
	f.m[k] = i.RequestHash
	return func() {
		f.mu.Lock()
		delete(f.m, k)
		f.mu.Unlock()
	}, "", false
}

// keyReused is the answer to another request under a used Idempotency-Key.
func keyReused() error {
	e := steward.Invalid("Idempotency-Key", "was already used with a different request")
	e.Message = "this Idempotency-Key was already used with a different request"
	e.Kind = kindIdempotencyKeyReused
	return e
}

// replay answers a request whose Idempotency-Key was used before: another request under the key
// is 422; the same request gets the first response again (status, body, Location, ETag) with
// Idempotent-Replayed: true, whatever happened to the object since.
func (s *Server) replay(w http.ResponseWriter, r *http.Request, c creator, prev *steward.IdempotentResult, hash string) error {
	if prev.RequestHash != hash {
		return keyReused()
	}
	objectType := prev.ObjectType
	if objectType == "" {
		objectType = c.objectType
	}
	if p, ok := objectPaths[objectType]; ok && prev.ObjectID != "" {
		w.Header().Set("Location", p+prev.ObjectID)
	}
	// A created object is at its first version: the first response's ETag.
	if prev.Status == http.StatusCreated && objectType != steward.ObjectAPIKey {
		w.Header().Set("ETag", etag(1))
	}
	w.Header().Set("Idempotent-Replayed", "true")
	writeBody(w, prev.Status, prev.Body)
	return nil
}

// setCreatedHeaders names the new object's URL and version.
func setCreatedHeaders(w http.ResponseWriter, objectType string, res creation) {
	if p, ok := objectPaths[objectType]; ok && res.id != "" {
		w.Header().Set("Location", p+res.id)
	}
	if res.version > 0 {
		w.Header().Set("ETag", etag(res.version))
	}
}

// writeCreated answers 201 with a created object: body, when given, is its encoding.
func (s *Server) writeCreated(w http.ResponseWriter, objectType string, res creation, body []byte) error {
	if body == nil {
		var err error
		if body, err = marshal(res.obj); err != nil {
			return err
		}
	}
	setCreatedHeaders(w, objectType, res)
	writeBody(w, http.StatusCreated, body)
	return nil
}
