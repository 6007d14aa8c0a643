package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

// SignIn checks an email and password for the web interface. An unknown email costs as much as
// a wrong password (a hash is checked either way), so the answer's timing does not tell which
// emails have users.
func (s *Store) SignIn(ctx context.Context, email, password string) (*steward.User, error) {
	wrong := steward.Errorf(steward.EUNAUTHORIZED, "wrong email or password")
	if len(email) > steward.MaxEmail || len(password) > steward.MaxPasswordBytes || !steward.IsCleanText(email) {
		return nil, wrong
	}
	u, err := getUser(ctx, s.reader(), userByEmail(email))
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		checkPassword(dummyHash(), password)
		return nil, wrong
	}
	if err != nil {
		return nil, err
	}
	if !checkPassword(u.passwordHash, password) || !u.Active {
		return nil, wrong
	}
	return &u.User, nil
}

var dummyHash = sync.OnceValue(func() string { return hashPassword("not a password anyone has") })

// UserActor returns the actor of a signed-in user, read from the database on every call: a
// deleted or deactivated user is EUNAUTHORIZED at once.
func (s *Store) UserActor(ctx context.Context, userID string) (*steward.Actor, error) {
	if !steward.IsID(userID) {
		return nil, steward.Errorf(steward.EUNAUTHORIZED, "sign in again")
	}
	u, err := getUser(ctx, s.reader(), userByID(userID))
	if steward.ErrorCode(err) == steward.ENOTFOUND || (err == nil && !u.Active) {
		return nil, steward.Errorf(steward.EUNAUTHORIZED, "sign in again")
	}
	if err != nil {
		return nil, err
	}
	a := &steward.Actor{Type: steward.ActorUser, ID: u.ID, Name: u.Name, UserID: u.ID, AccountID: u.AccountID,
		HomeAccount: u.AccountID, Role: u.Role, Source: steward.SourceWeb, SessionsAfter: u.sessionsAfter}
	if err := loadFleetScope(ctx, s.reader(), a, u.FleetVisibility); err != nil {
		return nil, err
	}
	return a, nil
}

// Sessions returns the store of the web interface's sessions.
func (s *Store) Sessions() steward.SessionStore { return &sessionStore{s: s} }

// sessionCleanEvery is how often, at most, a commit also deletes the expired sessions.
const sessionCleanEvery = 5 * time.Minute

// sessionStore implements scs.CtxStore over the sessions table. There is no cleanup goroutine:
// Commit deletes expired rows at most every sessionCleanEvery, and Find never returns them.
type sessionStore struct{ s *Store }

func (ss *sessionStore) Find(token string) ([]byte, bool, error) {
	return ss.FindCtx(context.Background(), token)
}

func (ss *sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return ss.CommitCtx(context.Background(), token, b, expiry)
}

func (ss *sessionStore) Delete(token string) error { return ss.DeleteCtx(context.Background(), token) }

func (ss *sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := ss.s.reader().row(ctx, "SELECT data FROM sessions WHERE token = ? AND expiry > ?",
		token, time.Now().UnixMicro()).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

func (ss *sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	w := ss.s.writer()
	now := time.Now().UnixMicro()
	clean := ss.s.sessionClean
	if last := clean.Load(); now-last > sessionCleanEvery.Microseconds() && clean.CompareAndSwap(last, now) {
		if _, err := w.exec(ctx, "DELETE FROM sessions WHERE expiry <= ?", now); err != nil {
			return err
		}
	}
	_, err := w.exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`,
		token, b, expiry.UnixMicro())
	return err
}

func (ss *sessionStore) DeleteCtx(ctx context.Context, token string) error {
	_, err := ss.s.writer().exec(ctx, "DELETE FROM sessions WHERE token = ?", token)
	return err
}
