package ui

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// The webhooks pages, for Admins (PRODUCT.md §7): the account's endpoints, one registered (its
// secret shown once), an endpoint's delivery log with its status, response code and timing, a
// redelivery, a rotated secret, a deletion. Others do not see the link and are refused (403).

type webhooksView struct {
	Hooks   []steward.Webhook
	Created *steward.Webhook // the endpoint just registered, with its secret
}

type webhookView struct {
	H          *steward.Webhook
	Rotated    bool // H carries its new secret
	Deliveries []steward.WebhookDelivery
	NextURL    string
}

// eventOptions are the event types offered as checkboxes, the chosen ones checked.
func eventOptions(chosen []steward.WebhookEventType) []option {
	var out []option
	for _, t := range steward.WebhookEventType("").Values() {
		sel := false
		for _, c := range chosen {
			sel = sel || c == t
		}
		out = append(out, option{string(t), string(t), sel})
	}
	return out
}

func newWebhookForm(f steward.WebhookFields) *formView {
	return &formView{Kind: "webhook", Title: "Add a webhook endpoint", Action: "/webhooks", Submit: "Add endpoint",
		Raw: map[string]string{"url": f.URL, "description": f.Description}, Members: eventOptions(f.Events)}
}

func (u *UI) webhooks(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	hooks, err := u.svc.Webhooks(r.Context(), a)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.page(w, r, http.StatusOK, "webhooks", "Webhooks", "webhooks", &webhooksView{Hooks: hooks})
}

func (u *UI) webhookNew(w http.ResponseWriter, r *http.Request) {
	if err := actorOf(r).Require(steward.PermAdminister); err != nil {
		u.fail(w, r, err)
		return
	}
	u.dialog(w, r, http.StatusOK, newWebhookForm(steward.WebhookFields{}))
}

// webhookCreate registers an endpoint; the answer shows its secret once.
func (u *UI) webhookCreate(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	_, p, _, ok := u.posted(w, r, steward.PermAdminister, "")
	if !ok {
		return
	}
	f := steward.WebhookFields{URL: p.Get("url"), Description: p.Get("description")}
	for _, e := range p["events"] {
		f.Events = append(f.Events, steward.WebhookEventType(e))
	}
	h, err := u.svc.CreateWebhook(r.Context(), a, f)
	if err != nil {
		// The form has one set of checkboxes: an error of events[i] is shown on it.
		if se, ok := err.(*steward.Error); ok {
			for i := range se.Fields {
				if strings.HasPrefix(se.Fields[i].Field, "events[") {
					se.Fields[i].Field = "events"
				}
			}
		}
		u.formFailed(w, r, newWebhookForm(f), err)
		return
	}
	hooks, err := u.svc.Webhooks(r.Context(), a)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v := &webhooksView{Hooks: hooks, Created: h}
	if isHTMX(r) {
		w.Header().Set("HX-Trigger", "closeDialog")
		w.Header().Set("HX-Retarget", "#webhooks")
		w.Header().Set("HX-Reswap", "outerHTML")
		u.render(w, r, http.StatusOK, "webhooks_body", v)
		return
	}
	u.page(w, r, http.StatusOK, "webhooks", "Webhooks", "webhooks", v)
}

// webhookPage shows an endpoint and a page of its deliveries, newest first.
func (u *UI) webhookPage(w http.ResponseWriter, r *http.Request, h *steward.Webhook, rotated bool) {
	a := actorOf(r)
	cursor := r.URL.Query().Get("cursor")
	if rotated {
		cursor = ""
	}
	page, err := u.svc.WebhookDeliveries(r.Context(), a, h.ID, steward.DeliveryFilter{Limit: 50, Cursor: cursor})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v := &webhookView{H: h, Rotated: rotated, Deliveries: page.Data}
	if page.NextCursor != nil {
		v.NextURL = "/webhooks/" + url.PathEscape(h.ID) + "?cursor=" + url.QueryEscape(*page.NextCursor)
	}
	u.page(w, r, http.StatusOK, "webhook", "Webhook "+h.URL, "webhooks", v)
}

func (u *UI) webhook(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, err := pathID(r, "webhook")
	if err == nil {
		err = a.Require(steward.PermAdminister)
	}
	var h *steward.Webhook
	if err == nil {
		h, err = u.svc.Webhook(r.Context(), a, id)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.webhookPage(w, r, h, false)
}

// webhookRotate gives the endpoint a new secret and shows it, once.
func (u *UI) webhookRotate(w http.ResponseWriter, r *http.Request) {
	id, _, _, ok := u.posted(w, r, steward.PermAdminister, "webhook")
	if !ok {
		return
	}
	h, err := u.svc.RotateWebhookSecret(r.Context(), actorOf(r), id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.webhookPage(w, r, h, true)
}

func (u *UI) webhookDelete(w http.ResponseWriter, r *http.Request) {
	id, _, _, ok := u.posted(w, r, steward.PermAdminister, "webhook")
	if !ok {
		return
	}
	if err := u.svc.DeleteWebhook(r.Context(), actorOf(r), id, 0); err != nil {
		u.fail(w, r, err)
		return
	}
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", "/webhooks")
		w.WriteHeader(http.StatusOK)
		return
	}
	http.Redirect(w, r, "/webhooks", http.StatusSeeOther)
}

func (u *UI) webhookRedeliver(w http.ResponseWriter, r *http.Request) {
	id, _, _, ok := u.posted(w, r, steward.PermAdminister, "webhook")
	if !ok {
		return
	}
	if _, err := u.svc.Redeliver(r.Context(), actorOf(r), id, r.PathValue("delivery_id")); err != nil {
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/webhooks/"+url.PathEscape(id), http.StatusSeeOther)
}

// eventList is an endpoint's event types for a table cell.
func eventList(es []steward.WebhookEventType) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = string(e)
	}
	return strings.Join(s, ", ")
}
