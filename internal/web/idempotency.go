package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"

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
}

// creation is the outcome of one create.
type creation struct {
	obj     any    // the response body
	stored  any    // what the idempotency record keeps when it must differ from obj (no secrets)
	id      string // the new object's id, for Location
	version int64  // its version, for ETag
}

// creator describes one kind of create for Server.create.
type creator struct {
	objectType string
	// order is where each member stood in the body, for listing field errors in that order.
	order fieldOrder
	// create makes the object; its ctx carries the idempotency claim, if any, for the store to
	// bind the object to inside the create's transaction.
	create func(ctx context.Context) (creation, error)
	// fetch reads an object created under a claim whose response was never recorded.
	fetch func(ctx context.Context, id string) (creation, error)
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
// The key is claimed first. A fresh claim travels to the store in the context, which binds the
// new object to it in the create's own transaction; the response is recorded afterwards (best
// effort: a claim bound to an object already answers retries). A failed create releases the
// claim, so the client can fix the request and retry with the same key. An existing claim is
// answered from the record: see replay.
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
		return s.writeCreated(w, c.objectType, res)
	}
	claim := steward.Idempotency{Scope: actorOf(r).ID, Key: key}
	hash := requestHash(r.Method, r.URL.Path, body)
	prev, err := s.svc.ClaimIdempotencyKey(ctx, claim, hash)
	if err != nil {
		return err
	}
	if prev != nil {
		return s.replay(w, r, c, prev, hash)
	}
	// Work that must survive the client hanging up runs without its cancellation.
	bg := context.WithoutCancel(ctx)
	settled := false
	defer func() { // also on panic
		if !settled {
			if err := s.svc.ReleaseIdempotencyKey(bg, claim); err != nil {
				s.log.ErrorContext(ctx, "releasing idempotency key", "request_id", infoOf(ctx).id, "error", err)
			}
		}
	}()
	res, err := c.create(steward.NewContextWithIdempotency(ctx, &claim))
	if err != nil {
		return c.order.sort(err)
	}
	respBody, err := marshal(res.obj)
	if err != nil {
		return err
	}
	stored := respBody
	if res.stored != nil {
		if stored, err = marshal(res.stored); err != nil {
			return err
		}
	}
	settled = true
	if err := s.svc.CompleteIdempotencyKey(bg, claim, http.StatusCreated, stored); err != nil {
		s.log.ErrorContext(ctx, "recording idempotent response", "request_id", infoOf(ctx).id, "error", err)
	}
	setCreatedHeaders(w, c.objectType, res)
	writeBody(w, http.StatusCreated, respBody)
	return nil
}

// replay answers a request whose Idempotency-Key was claimed before: a different request under
// the key is 422; a finished one is answered with its recorded response; one whose object exists
// but whose response was never recorded (a crash in between) is answered with the object as it
// is now; one still running is 409.
func (s *Server) replay(w http.ResponseWriter, r *http.Request, c creator, prev *steward.IdempotentResult, hash string) error {
	if prev.RequestHash != hash {
		e := steward.Invalid("Idempotency-Key", "was already used with a different request")
		e.Message = "this Idempotency-Key was already used with a different request"
		e.Kind = kindIdempotencyKeyReused
		return e
	}
	switch {
	case prev.State == steward.IdempotencyDone:
		objectType, id := prev.ObjectType, prev.ObjectID
		if objectType == "" {
			objectType = c.objectType
		}
		if id == "" {
			var v struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(prev.Body, &v)
			id = v.ID
		}
		if p, ok := objectPaths[objectType]; ok && id != "" {
			w.Header().Set("Location", p+id)
		}
		status := prev.Status
		if status == 0 {
			status = http.StatusCreated
		}
		// A created object is at its first version: the first response's ETag.
		if status == http.StatusCreated && objectType != steward.ObjectAPIKey {
			w.Header().Set("ETag", etag(1))
		}
		w.Header().Set("Idempotent-Replayed", "true")
		writeBody(w, status, prev.Body)
		return nil
	case prev.State == steward.IdempotencyPending && prev.ObjectID != "":
		res, err := c.fetch(r.Context(), prev.ObjectID)
		if err != nil {
			return err
		}
		w.Header().Set("Idempotent-Replayed", "true")
		return s.writeCreated(w, c.objectType, res)
	case prev.State == steward.IdempotencyPending:
		w.Header().Set("Retry-After", "1")
		return &steward.Error{Code: steward.ECONFLICT, Kind: kindIdempotencyInFlight,
			Message: "a request with this Idempotency-Key is still in progress"}
	}
	return fmt.Errorf("idempotency record for key %q in unknown state %q", r.Header.Get("Idempotency-Key"), prev.State)
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

// writeCreated answers 201 with a created object.
func (s *Server) writeCreated(w http.ResponseWriter, objectType string, res creation) error {
	body, err := marshal(res.obj)
	if err != nil {
		return err
	}
	setCreatedHeaders(w, objectType, res)
	writeBody(w, http.StatusCreated, body)
	return nil
}
