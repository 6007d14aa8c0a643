package web

import (
	"context"
	"net/http"

	"github.com/steward-fleet/steward/internal/steward"
)

// subscriptionRoutes are a customer's notification subscriptions (docs/API.md, "Notifications").
// Subscribing others is a fleet write (Admin, Fleet Admin); the store also lets a user subscribe
// themself, which the web interface offers.
func (s *Server) subscriptionRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/v1/customers/{id}/subscriptions", id: "listCustomerSubscriptions", tag: "notifications",
			summary:  "The customer's notification subscriptions (who is mailed which of its assets' events), oldest first",
			response: steward.Page[steward.Subscription]{}, perm: steward.PermRead, handle: s.listSubscriptions},
		{method: http.MethodPost, path: "/api/v1/customers/{id}/subscriptions", id: "createSubscription", tag: "notifications",
			summary: "Subscribe a user of the account or a contact of the customer to the customer's asset events",
			body:    steward.SubscriptionFields{}, required: []string{"events"}, response: steward.Subscription{},
			status: http.StatusCreated, conflict: true, idempotent: true, perm: steward.PermWriteFleet, handle: s.createSubscription},
		{method: http.MethodDelete, path: "/api/v1/customers/{id}/subscriptions/{subscription_id}", id: "deleteSubscription",
			tag: "notifications", summary: "End a subscription", status: http.StatusNoContent, ifMatch: true, perm: steward.PermWriteFleet,
			handle: s.deleteSubscription},
	}
}

func (s *Server) listSubscriptions(w http.ResponseWriter, r *http.Request) error {
	subs, err := s.svc.Subscriptions(r.Context(), actorOf(r), r.PathValue("id"))
	return writeList(w, &steward.Page[steward.Subscription]{Data: subs}, err)
}

func (s *Server) createSubscription(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var f steward.SubscriptionFields
	order, err := decodeFields(body, &f)
	if err != nil {
		return err
	}
	a, customerID := actorOf(r), r.PathValue("id")
	return s.create(w, r, body, creator{objectType: steward.ObjectSubscription, order: order,
		create: func(ctx context.Context) (creation, error) {
			sub, err := s.svc.CreateSubscription(ctx, a, customerID, f)
			if err != nil {
				return creation{}, err
			}
			return creation{obj: sub, id: sub.ID, version: sub.Version}, nil
		}})
}

func (s *Server) deleteSubscription(w http.ResponseWriter, r *http.Request) error {
	return writeNoContent(w, s.svc.DeleteSubscription(r.Context(), actorOf(r), r.PathValue("id"), r.PathValue("subscription_id"), ifMatchOf(r)))
}
