package steward

import "context"

// Idempotency is the Idempotency-Key of one create request. A create whose context carries one
// claims the key, makes the object (with its audit row and counts) and records the response for
// replays, all in one transaction: either all of it commits or none does, so a key yields at most
// one object whatever the races and failures, and a failed create leaves the key free.
type Idempotency struct {
	Scope string // the caller: API key or user id
	Key   string
	// RequestHash identifies the request (method, path, body): the same key with another hash is
	// another request, refused by the caller.
	RequestHash string
	// Status is the response status to record (201 for a create).
	Status int
	// Render produces the response body recorded for replays from the created object. It runs
	// inside the create's transaction (again, should the transaction be retried); its error
	// rolls the create back.
	Render func(obj any) ([]byte, error)
}

type idemKey struct{}

// NewContextWithIdempotency returns ctx carrying the Idempotency-Key of the create it serves.
func NewContextWithIdempotency(ctx context.Context, i *Idempotency) context.Context {
	return context.WithValue(ctx, idemKey{}, i)
}

// IdempotencyFromContext returns the Idempotency-Key ctx carries, or nil.
func IdempotencyFromContext(ctx context.Context) *Idempotency {
	i, _ := ctx.Value(idemKey{}).(*Idempotency)
	return i
}

// IdempotentResult is the recorded outcome of a create made under an Idempotency-Key.
type IdempotentResult struct {
	RequestHash string
	Status      int
	Body        []byte
	ObjectType  string
	ObjectID    string
	CreatedAt   Timestamp
}

// IdempotentReplay is the error of a create whose Idempotency-Key was used within the last 24
// hours: nothing was created, and Prior is the earlier request's outcome, to answer with when it
// was the same request (RequestHash) and to refuse otherwise.
type IdempotentReplay struct {
	Prior IdempotentResult
}

func (e *IdempotentReplay) Error() string {
	return "the Idempotency-Key was used before by a request that created " + e.Prior.ObjectType + " " + e.Prior.ObjectID
}
