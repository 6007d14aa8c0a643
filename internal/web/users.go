package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// The users of the caller's account (Admins only): list, read, invite, change, deactivate,
// reactivate, invite again, issue a password reset and switch two-factor sign-in off. The
// one-time links carry the server's public base URL (PublicBase).

// userFilter reads the query of GET /api/v1/users.
func userFilter(q url.Values, v *steward.Violations) steward.UserFilter {
	f := steward.UserFilter{Q: q.Get("q"), Cursor: q.Get("cursor"), Limit: parseLimit(q, v)}
	if q.Has("active") {
		b := parseBool(q, "active", v)
		f.Active = &b
	}
	return f
}

// Invitation and reset links: the web interface's pages (internal/ui) answer these paths.
const (
	InvitePath        = "/invite/"
	PasswordResetPath = "/reset-password/"
)

// ParsePublicURL checks the public base URL of the server (--public-url): an absolute http or
// https URL without query or fragment. It returns it without a trailing slash.
func ParsePublicURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" ||
		u.Fragment != "" || u.User != nil || !steward.IsCleanText(s) {
		return "", errors.New("must be an absolute http or https URL like https://steward.example.com, without query or fragment")
	}
	return strings.TrimRight(s, "/"), nil
}

// PublicBase is the base of the links the server hands out: Options.PublicURL when set, else the
// request's own scheme and Host. The Host header is the client's to choose, so an installation
// that mails links (or sits behind a proxy that rewrites the host) sets PublicURL.
func (s *Server) PublicBase(r *http.Request) string { return LinkBase(s.opts.PublicURL, r) }

// LinkBase is the base of a link handed out in answer to r: publicURL (as ParsePublicURL
// returns it) when set, else the request's own scheme and Host. The API and the web interface
// both build their links with it.
func LinkBase(publicURL string, r *http.Request) string {
	if publicURL != "" {
		return publicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.svc.User(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeObject(w, http.StatusOK, u, u.Version)
}

// inviteUser creates a user and answers with the one-time invitation link. The link appears in
// this response only: the Idempotency-Key record holds the user without it, so a replay answers
// the user (without invite_url) rather than store a usable link.
func (s *Server) inviteUser(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var f steward.UserFields
	order, err := decodeFields(body, &f)
	if err != nil {
		return err
	}
	a, base := actorOf(r), s.PublicBase(r)
	return s.create(w, r, body, creator{
		objectType: steward.ObjectUser,
		order:      order,
		create: func(ctx context.Context) (creation, error) {
			u, tok, err := s.svc.InviteUser(ctx, a, f)
			if err != nil {
				return creation{}, err
			}
			exp := tok.ExpiresAt
			inv := &steward.Invitation{User: *u, InviteURL: base + InvitePath + tok.Token, InviteExpiresAt: &exp}
			s.mailLink(ctx, a, u.ID, steward.TokenInvite, inv.InviteURL, exp)
			return creation{obj: inv, id: u.ID, version: u.Version}, nil
		},
	})
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	patch, err := readPatch(r)
	if err != nil {
		return err
	}
	var order fieldOrder
	u, err := s.svc.UpdateUser(r.Context(), actorOf(r), r.PathValue("id"), ifMatchOf(r), patcher[steward.UserPatch](patch, &order))
	if err != nil {
		return order.sort(err)
	}
	return writeObject(w, http.StatusOK, u, u.Version)
}

// setUserActive answers POST …/deactivate (active false) and …/reactivate.
func (s *Server) setUserActive(active bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.svc.SetUserActive(r.Context(), actorOf(r), r.PathValue("id"), ifMatchOf(r), active)
		if err != nil {
			return err
		}
		return writeObject(w, http.StatusOK, u, u.Version)
	}
}

// reinviteUser issues a new invitation link to a user who has not accepted theirs, replacing it.
func (s *Server) reinviteUser(w http.ResponseWriter, r *http.Request) error {
	tok, err := s.svc.ReinviteUser(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	link := steward.InviteLink{InviteURL: s.PublicBase(r) + InvitePath + tok.Token, ExpiresAt: tok.ExpiresAt}
	s.mailLink(r.Context(), actorOf(r), r.PathValue("id"), steward.TokenInvite, link.InviteURL, tok.ExpiresAt)
	return writeJSON(w, http.StatusOK, link)
}

// issuePasswordReset answers the one-time link that lets the user set a new password.
func (s *Server) issuePasswordReset(w http.ResponseWriter, r *http.Request) error {
	tok, err := s.svc.IssuePasswordReset(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	reset := steward.PasswordReset{ResetURL: s.PublicBase(r) + PasswordResetPath + tok.Token, ExpiresAt: tok.ExpiresAt}
	s.mailLink(r.Context(), actorOf(r), r.PathValue("id"), steward.TokenPasswordReset, reset.ResetURL, tok.ExpiresAt)
	return writeJSON(w, http.StatusOK, reset)
}

// mailLink queues the mail of a link just issued, when the server sends mail. A failure is
// logged, not answered: the caller has the link in the answer either way.
func (s *Server) mailLink(ctx context.Context, a *steward.Actor, userID string, purpose steward.TokenPurpose, link string,
	expires steward.Timestamp) {
	if !s.opts.MailLinks {
		return
	}
	if err := s.svc.MailLink(ctx, a, userID, purpose, link, expires); err != nil {
		s.log.Warn("mail: queueing a link", "purpose", string(purpose), "err", err)
	}
}

// resetUserTwoFactor switches a user's two-factor sign-in off: they sign in with their password
// alone, or enrol again when their account requires two-factor.
func (s *Server) resetUserTwoFactor(w http.ResponseWriter, r *http.Request) error {
	return writeNoContent(w, s.svc.ResetTwoFactor(r.Context(), actorOf(r), r.PathValue("id")))
}
