package ui

import (
	"net/http"

	"github.com/steward-fleet/steward/internal/steward"
)

// unsubscribeView is the public page of a contact's unsubscribe link.
type unsubscribeView struct {
	Title, Token, Email, CustomerName, Message, Error string
}

const badUnsubscribeLink = "This unsubscribe link is not valid. Copy the whole link from the mail, or ask the sender to remove you."

// unsubscribePage confirms what the link ends; nothing changes until the form is posted, so a
// mail scanner following the link unsubscribes nobody.
func (u *UI) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	v := &unsubscribeView{Title: "Unsubscribe"}
	tg, err := u.svc.CheckUnsubscribe(r.Context(), token)
	switch {
	case steward.ErrorCode(err) == steward.EINVALID:
		v.Error = badUnsubscribeLink
		u.page(w, r, http.StatusNotFound, "unsubscribe", v.Title, "", v)
		return
	case err != nil:
		u.fail(w, r, err)
		return
	case tg.Gone:
		v.Message = "You are unsubscribed: no more notifications are sent to you for this customer."
	default:
		v.Token, v.Email, v.CustomerName = token, tg.Email, tg.CustomerName
	}
	u.page(w, r, http.StatusOK, "unsubscribe", v.Title, "", v)
}

// unsubscribe ends the subscription the posted token names (the signature is the authority; the
// request passes the cross-origin protection like every form).
func (u *UI) unsubscribe(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	v := &unsubscribeView{Title: "Unsubscribe"}
	if err := r.ParseForm(); err != nil {
		v.Error = badUnsubscribeLink
		u.page(w, r, http.StatusRequestEntityTooLarge, "unsubscribe", v.Title, "", v)
		return
	}
	err := u.svc.Unsubscribe(r.Context(), r.PostForm.Get("token"))
	switch {
	case steward.ErrorCode(err) == steward.EINVALID:
		v.Error = badUnsubscribeLink
		u.page(w, r, http.StatusNotFound, "unsubscribe", v.Title, "", v)
		return
	case err != nil:
		u.fail(w, r, err)
		return
	}
	v.Message = "You are unsubscribed: no more notifications are sent to you for this customer."
	u.page(w, r, http.StatusOK, "unsubscribe", v.Title, "", v)
}

// mailView is the Admins' page of the account's mail.
type mailView struct {
	Messages []steward.MailMessage
	Kept     bool
}

func (u *UI) mail(w http.ResponseWriter, r *http.Request) {
	msgs, err := u.svc.MailMessages(r.Context(), actorOf(r), steward.MaxLimit)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v := &mailView{Messages: msgs}
	for _, m := range msgs {
		v.Kept = v.Kept || m.Status == steward.MailKept
	}
	u.page(w, r, http.StatusOK, "mail", "Mail", "mail", v)
}
