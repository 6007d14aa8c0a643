package web

import (
	"context"
	"net/http"
	"net/url"
	"reflect"

	"github.com/steward-fleet/steward/internal/steward"
)

// Webhooks (docs/API.md, "Webhooks"): Admins manage an account's endpoints and read their
// delivery log. The secret is in the responses that create or rotate it only.

// webhookRoutes are the endpoints' routes; every one needs PermAdminister.
func (s *Server) webhookRoutes() []route {
	const get, post, patch, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete
	admin := steward.PermAdminister
	return []route{
		{method: get, path: "/api/v1/webhooks", id: "listWebhooks", tag: "webhooks", summary: "List the account's webhook endpoints",
			response: steward.Page[steward.Webhook]{}, perm: admin, handle: s.listWebhooks},
		{method: post, path: "/api/v1/webhooks", id: "createWebhook", tag: "webhooks",
			summary: "Register a webhook endpoint; its signing secret is in this response only",
			body:    steward.WebhookFields{}, required: []string{"url", "events"}, response: steward.Webhook{}, status: http.StatusCreated,
			idempotent: true, perm: admin, handle: s.createWebhook},
		{method: get, path: "/api/v1/webhooks/{id}", id: "getWebhook", tag: "webhooks", summary: "Get a webhook endpoint",
			response: steward.Webhook{}, perm: admin, handle: s.getWebhook},
		{method: patch, path: "/api/v1/webhooks/{id}", id: "updateWebhook", tag: "webhooks",
			summary: "Change a webhook endpoint (JSON Merge Patch)", body: steward.WebhookFields{}, required: []string{"url", "events"},
			response: steward.Webhook{}, ifMatch: true, perm: admin, handle: s.updateWebhook},
		{method: del, path: "/api/v1/webhooks/{id}", id: "deleteWebhook", tag: "webhooks",
			summary: "Delete a webhook endpoint and its delivery log", status: http.StatusNoContent, ifMatch: true, perm: admin,
			handle: s.deleteWebhook},
		{method: post, path: "/api/v1/webhooks/{id}/rotate-secret", id: "rotateWebhookSecret", tag: "webhooks",
			summary:  "Give the endpoint a new signing secret (in this response only); the previous one keeps signing beside it for 24 hours",
			response: steward.Webhook{}, perm: admin, handle: s.rotateWebhookSecret},
		{method: get, path: "/api/v1/webhooks/{id}/deliveries", id: "listWebhookDeliveries", tag: "webhooks",
			summary: "The endpoint's deliveries, newest first, with their status, attempts, response code and timing",
			query: []param{{name: "status", of: reflect.TypeFor[steward.DeliveryStatus](), description: "only deliveries in this state"},
				qLimit, qCursor},
			response: steward.Page[steward.WebhookDelivery]{}, perm: admin, handle: s.listWebhookDeliveries},
		{method: post, path: "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", id: "redeliverWebhook", tag: "webhooks",
			summary:  "Send the delivery's event to the endpoint again, as a new delivery (queued at once)",
			response: steward.WebhookDelivery{}, status: http.StatusAccepted, perm: admin, handle: s.redeliverWebhook},
	}
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	hooks, err := s.svc.Webhooks(r.Context(), actorOf(r))
	return writeList(w, &steward.Page[steward.Webhook]{Data: hooks}, err)
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) error {
	h, err := s.svc.Webhook(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeObject(w, http.StatusOK, h, h.Version)
}

// createWebhook registers an endpoint. As with API keys, the idempotency record keeps the
// response without the secret: a replay answers without it rather than store it twice.
func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var f steward.WebhookFields
	order, err := decodeFields(body, &f)
	if err != nil {
		return err
	}
	a := actorOf(r)
	w.Header().Set("Cache-Control", "no-store")
	return s.create(w, r, body, creator{
		objectType: steward.ObjectWebhook,
		order:      order,
		create: func(ctx context.Context) (creation, error) {
			h, err := s.svc.CreateWebhook(ctx, a, f)
			if err != nil {
				return creation{}, err
			}
			return creation{obj: h, id: h.ID, version: h.Version}, nil
		},
		redact: func(obj any) any {
			h, ok := obj.(*steward.Webhook)
			if !ok {
				return obj
			}
			without := *h
			without.Secret = ""
			return &without
		},
	})
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	patch, err := readPatch(r)
	if err != nil {
		return err
	}
	var order fieldOrder
	h, err := s.svc.UpdateWebhook(r.Context(), actorOf(r), r.PathValue("id"), ifMatchOf(r), patcher[steward.WebhookFields](patch, &order))
	if err != nil {
		return order.sort(err)
	}
	return writeObject(w, http.StatusOK, h, h.Version)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	return writeNoContent(w, s.svc.DeleteWebhook(r.Context(), actorOf(r), r.PathValue("id"), ifMatchOf(r)))
}

func (s *Server) rotateWebhookSecret(w http.ResponseWriter, r *http.Request) error {
	h, err := s.svc.RotateWebhookSecret(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeObject(w, http.StatusOK, h, h.Version)
}

// deliveryFilter reads the delivery log's query.
func deliveryFilter(q url.Values, v *steward.Violations) steward.DeliveryFilter {
	return steward.DeliveryFilter{Status: steward.DeliveryStatus(q.Get("status")), Limit: parseLimit(q, v), Cursor: q.Get("cursor")}
}

func (s *Server) listWebhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	var v steward.Violations
	f := deliveryFilter(r.URL.Query(), &v)
	f.Check(&v)
	if err := v.Err(); err != nil {
		return err
	}
	page, err := s.svc.WebhookDeliveries(r.Context(), actorOf(r), r.PathValue("id"), f)
	return writeList(w, page, err)
}

func (s *Server) redeliverWebhook(w http.ResponseWriter, r *http.Request) error {
	d, err := s.svc.Redeliver(r.Context(), actorOf(r), r.PathValue("id"), r.PathValue("delivery_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, d)
}
