package steward

import (
	"context"
	"time"
)

// SessionStore keeps the web interface's signed-in sessions in the database, so that several
// server processes share them. Its methods are those of scs's Store and CtxStore
// (github.com/alexedwards/scs/v2), which the web interface plugs it into; tokens arrive hashed.
// Expired sessions are never found, and are deleted lazily by Commit.
type SessionStore interface {
	Find(token string) (data []byte, found bool, err error)
	Commit(token string, data []byte, expiry time.Time) error
	Delete(token string) error
	FindCtx(ctx context.Context, token string) (data []byte, found bool, err error)
	CommitCtx(ctx context.Context, token string, data []byte, expiry time.Time) error
	DeleteCtx(ctx context.Context, token string) error
}

// SessionService is what the web interface needs to sign people in: a password check and the
// user of a session, loaded again on every request.
type SessionService interface {
	// SignIn checks an email and password. EUNAUTHORIZED ("wrong email or password", never
	// saying which) when the user is unknown, inactive or the password is wrong.
	SignIn(ctx context.Context, email, password string) (*User, error)
	// UserActor returns the actor of a signed-in user, read afresh: EUNAUTHORIZED when the
	// user no longer exists or was deactivated, so a session stops working at once.
	UserActor(ctx context.Context, userID string) (*Actor, error)
	// Sessions returns the store of the web interface's sessions.
	Sessions() SessionStore
}
