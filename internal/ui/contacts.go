package ui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/steward-fleet/steward/internal/steward"
)

// Contacts live inside the customer window's Contacts tab: added, edited and archived there,
// each change answered with the window again, on that tab.

var contactKindLabels = map[steward.ContactKind]string{
	steward.ContactPerson: "Person", steward.ContactDepartment: "Department", steward.ContactCallCentre: "Call centre",
}

func contactKindLabel(k steward.ContactKind) string {
	if l, ok := contactKindLabels[k]; ok {
		return l
	}
	return string(k)
}

func newContactForm(title, action, submit string, f steward.ContactFields) *formView {
	v := &formView{Kind: "contact", Title: title, Action: action, Submit: submit, Contact: f}
	for _, k := range steward.ContactKind("").Values() {
		v.Kinds = append(v.Kinds, option{string(k), contactKindLabel(k), f.Kind == k || (f.Kind == "" && k == steward.ContactPerson)})
	}
	return v
}

// readForm parses a dialog's body (at most maxFormBytes) and its version field.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, int64, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return nil, 0, steward.Errorf(steward.EBADREQUEST, "the form could not be read")
	}
	var version int64
	if s := r.PostForm.Get("version"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			return r.PostForm, 0, steward.Invalid("version", "must be the version the form was opened with")
		}
		version = n
	}
	return r.PostForm, version, nil
}

func readContactForm(p url.Values) steward.ContactFields {
	return steward.ContactFields{Name: p.Get("name"), Kind: steward.ContactKind(p.Get("kind")), Email: p.Get("email"),
		Phone: p.Get("phone"), Title: p.Get("title"), ExternalRef: p.Get("external_ref")}
}

// pathID is the request's {id}, or a not-found error naming kind.
// posted starts the handler of a posted form: the caller's role must allow perm, the path's
// {id} (when kind names the object) must have the form of an id, and the form is read. When one
// of them fails the answer is written and ok is false.
func (u *UI) posted(w http.ResponseWriter, r *http.Request, perm steward.Permission, kind string) (id string, p url.Values, version int64, ok bool) {
	err := actorOf(r).Require(perm)
	if err == nil && kind != "" {
		id, err = pathID(r, kind)
	}
	if err == nil {
		p, version, err = readForm(w, r)
	}
	if err != nil {
		u.fail(w, r, err)
		return "", nil, 0, false
	}
	return id, p, version, true
}

func pathID(r *http.Request, kind string) (string, error) {
	id := r.PathValue("id")
	if !steward.IsID(id) {
		return "", steward.NotFound(kind)
	}
	return id, nil
}

func (u *UI) contactNew(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, err := pathID(r, "customer")
	if err == nil {
		err = a.Require(steward.PermWriteFleet)
	}
	var c *steward.Customer
	if err == nil {
		c, err = u.svc.Customer(r.Context(), a, id)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.dialog(w, r, http.StatusOK, newContactForm("Add a contact to "+c.Name, "/customers/"+url.PathEscape(c.ID)+"/contacts", "Add", steward.ContactFields{}))
}

func (u *UI) contactCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "customer")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	p, _, err := readForm(w, r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	f := readContactForm(p)
	c, err := u.svc.CreateContact(r.Context(), actorOf(r), id, f)
	if err != nil {
		u.formFailed(w, r, newContactForm("Add a contact", "/customers/"+url.PathEscape(id)+"/contacts", "Add", f), err)
		return
	}
	u.contactSaved(w, r, c)
}

func (u *UI) contactEdit(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, err := pathID(r, "contact")
	if err == nil {
		err = a.Require(steward.PermWriteFleet)
	}
	var c *steward.Contact
	if err == nil {
		c, err = u.svc.Contact(r.Context(), a, id)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v := newContactForm("Edit contact", "/contacts/"+url.PathEscape(c.ID), "Save", c.ContactFields)
	v.ID, v.Version = c.ID, c.Version
	u.dialog(w, r, http.StatusOK, v)
}

func (u *UI) contactUpdate() http.HandlerFunc {
	return update(u, "contact", readContactForm, u.svc.UpdateContact, func(id string, f steward.ContactFields) *formView {
		return newContactForm("Edit contact", "/contacts/"+url.PathEscape(id), "Save", f)
	}, u.contactSaved)
}

// update is the handler of an edit dialog's submit for one kind of object: it reads the id, the
// version the dialog was drawn at and the fields (read), saves them, and answers with done; on a
// refusal the dialog (form) is drawn again with the field errors, a stale version saying someone
// changed the object meanwhile.
func update[F, T any](u *UI, noun string, read func(url.Values) F,
	save func(ctx context.Context, a *steward.Actor, id string, ifMatch int64, change func(*F) error) (T, error),
	form func(id string, f F) *formView, done func(w http.ResponseWriter, r *http.Request, obj T)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, noun)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		p, version, err := readForm(w, r)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		f := read(p)
		obj, err := save(r.Context(), actorOf(r), id, version, func(cur *F) error {
			*cur = f
			return nil
		})
		if steward.ErrorCode(err) == steward.EPRECONDITION {
			err = changedMeanwhile(noun)
		}
		if err != nil {
			v := form(id, f)
			v.ID, v.Version = id, version
			u.formFailed(w, r, v, err)
			return
		}
		done(w, r, obj)
	}
}

func (u *UI) contactArchive(archived bool) http.HandlerFunc {
	return archive(u, "contact", func(ctx context.Context, a *steward.Actor, id string, version int64) (*steward.Contact, error) {
		return u.svc.SetContactArchived(ctx, a, id, version, archived)
	}, u.contactSaved)
}

// archive is the handler of an archive or unarchive of one kind of object: it reads the id and
// the version the form was drawn at, runs set, and answers with done; a stale version says
// someone changed the object meanwhile.
func archive[T any](u *UI, noun string, set func(ctx context.Context, a *steward.Actor, id string, version int64) (T, error),
	done func(w http.ResponseWriter, r *http.Request, obj T)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, noun)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		_, version, err := readForm(w, r)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		obj, err := set(r.Context(), actorOf(r), id, version)
		if steward.ErrorCode(err) == steward.EPRECONDITION {
			err = steward.Errorf(steward.EPRECONDITION, "Someone else changed this %s meanwhile; it is shown as it is now. Try again.", noun)
		}
		if err != nil {
			u.fail(w, r, err)
			return
		}
		done(w, r, obj)
	}
}

// changedMeanwhile is the message of a stale edit.
func changedMeanwhile(kind string) error {
	return steward.Errorf(steward.EPRECONDITION, "Someone else changed this %s since you opened it. Close the dialog, and edit again to see their change.", kind)
}

// contactSaved shows the customer window's Contacts tab again (and closes the dialog).
func (u *UI) contactSaved(w http.ResponseWriter, r *http.Request, c *steward.Contact) {
	target := "/customers/" + url.PathEscape(c.CustomerID) + "?tab=contacts"
	if !isHTMX(r) {
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	p, err := u.panelView(r, actorOf(r), c.CustomerID, "contacts", filtersOfCurrentURL(r))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.showPanel(w, r, "panel", p, "", "closeDialog")
}
