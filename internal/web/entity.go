package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/steward-fleet/steward/internal/steward"
)

// entity describes one kind of fleet object (customer, contact, location, asset) to the
// handlers all of them share: get, create (under Idempotency-Key), update (JSON Merge Patch
// under If-Match), archive, unarchive and delete. Each kind states only what differs: its object
// type O, the fields F a body decodes into (PF is *F, which validates itself), and its service
// methods. routes.go names the handlers (customers.get, …) in the one route table.
type entity[O, F any, PF fieldsPtr[F]] struct {
	objectType string // steward.ObjectCustomer…: where a created object lives (Location)
	// ref returns an object's id and version (its ETag).
	ref func(*O) (id string, version int64)

	read func(ctx context.Context, a *steward.Actor, id string) (*O, error)
	// add creates an object; parentID is the path's {id}: the customer a contact is added to,
	// "" for an object created at the top level.
	add         func(ctx context.Context, a *steward.Actor, parentID string, f F) (*O, error)
	change      func(ctx context.Context, a *steward.Actor, id string, ifMatch int64, change func(*F) error) (*O, error)
	setArchived func(ctx context.Context, a *steward.Actor, id string, ifMatch int64, archived bool) (*O, error)
	remove      func(ctx context.Context, a *steward.Actor, id string, ifMatch int64) error
}

// topLevel is the add of a kind created at the top level (POST /api/v1/customers…), whose path
// has no parent: create is the service's Create method.
func topLevel[O, F any](create func(context.Context, *steward.Actor, F) (*O, error)) func(context.Context, *steward.Actor, string, F) (*O, error) {
	return func(ctx context.Context, a *steward.Actor, _ string, f F) (*O, error) { return create(ctx, a, f) }
}

// fieldsPtr is the pointer to a domain Fields type F: what the decoder fills and validates.
type fieldsPtr[F any] interface {
	*F
	normalizer
}

// write sends an object with the ETag of its version.
func (e entity[O, F, PF]) write(w http.ResponseWriter, o *O) error {
	_, version := e.ref(o)
	return writeObject(w, http.StatusOK, o, version)
}

// get answers GET …/{id}.
func (e entity[O, F, PF]) get(w http.ResponseWriter, r *http.Request) error {
	o, err := e.read(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return e.write(w, o)
}

// create answers the POST that creates an object: 201 with Location and ETag, or the replay of
// an earlier create under the same Idempotency-Key (Server.create).
func (e entity[O, F, PF]) create(s *Server) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		body, err := readBody(r)
		if err != nil {
			return err
		}
		var f F
		order, err := decodeFields(body, PF(&f))
		if err != nil {
			return err
		}
		a, parentID := actorOf(r), r.PathValue("id")
		return s.create(w, r, body, creator{
			objectType: e.objectType,
			order:      order,
			create: func(ctx context.Context) (creation, error) {
				o, err := e.add(ctx, a, parentID, f)
				if err != nil {
					return creation{}, err
				}
				id, version := e.ref(o)
				return creation{obj: o, id: id, version: version}, nil
			},
		})
	}
}

// update answers PATCH …/{id}: the merge patch is applied to the stored fields inside the
// service's transaction, under the If-Match the route parsed.
func (e entity[O, F, PF]) update(w http.ResponseWriter, r *http.Request) error {
	patch, err := readPatch(r)
	if err != nil {
		return err
	}
	var order fieldOrder
	o, err := e.change(r.Context(), actorOf(r), r.PathValue("id"), ifMatchOf(r), patcher[F, PF](patch, &order))
	if err != nil {
		return order.sort(err)
	}
	return e.write(w, o)
}

// archive answers POST …/{id}/archive (archived true) and …/unarchive (false).
func (e entity[O, F, PF]) archive(archived bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		o, err := e.setArchived(r.Context(), actorOf(r), r.PathValue("id"), ifMatchOf(r), archived)
		if err != nil {
			return err
		}
		return e.write(w, o)
	}
}

// delete answers DELETE …/{id} with 204.
func (e entity[O, F, PF]) delete(w http.ResponseWriter, r *http.Request) error {
	return writeNoContent(w, e.remove(r.Context(), actorOf(r), r.PathValue("id"), ifMatchOf(r)))
}

// checker is a list's filter: it checks its own values.
type checker interface{ Check(v *steward.Violations) }

// listHandler answers a list: the query is read into the list's filter (parse), checked, and
// one page is asked of the service.
func listHandler[FL checker, T any](parse func(q url.Values, v *steward.Violations) FL,
	list func(ctx context.Context, a *steward.Actor, f FL) (*steward.Page[T], error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var v steward.Violations
		f := parse(r.URL.Query(), &v)
		f.Check(&v)
		if err := v.Err(); err != nil {
			return err
		}
		page, err := list(r.Context(), actorOf(r), f)
		return writeList(w, page, err)
	}
}
