package web_test

// A client generated from the served OpenAPI document (package apiclient, by oapi-codegen) drives
// the real server on each engine, as an integrator's generated client would: paging, an
// idempotent create and its replay, If-Match, clearing optional members with null, a stale
// ETag, archiving. Every exchange also goes through the contract check.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/oapi-codegen/nullable"

	"github.com/steward-fleet/steward/internal/web/apiclient"
)

// contractTransport sends requests through base and checks each exchange against the document.
// The server's own client (srv.Client()) uses one, so no test can send a request around the
// check.
type contractTransport struct {
	t    testing.TB
	e    *apiEnv
	base http.RoundTripper
}

func (c contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var sent []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body.Close()
		sent = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	res, err := c.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(raw))
	if c.e.operation(req.Method, req.URL.RequestURI()) == "" {
		c.t.Errorf("%s %s is not described by /api/v1/openapi.json", req.Method, req.URL)
	}
	c.e.checkContract(c.t, req, sent, res, raw)
	return res, nil
}

// generatedClient returns the generated client acting with key.
func (e *apiEnv) generatedClient(t *testing.T, key string) *apiclient.ClientWithResponses {
	t.Helper()
	hc := &http.Client{Transport: contractTransport{t: t, e: e, base: e.raw.Transport}}
	c, err := apiclient.NewClientWithResponses(e.srv.URL, apiclient.WithHTTPClient(hc),
		apiclient.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+key)
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// call is a generated call's outcome; want checks it.
type call[R interface{ StatusCode() int }] struct {
	r   R
	err error
}

// got wraps a generated call's (response, error) pair.
func got[R interface{ StatusCode() int }](r R, err error) call[R] { return call[R]{r, err} }

// want fails the test unless the call succeeded with status.
func (c call[R]) want(t *testing.T, status int) R {
	t.Helper()
	if c.err != nil {
		t.Fatalf("call failed: %v", c.err)
	}
	if c.r.StatusCode() != status {
		t.Fatalf("status %d, want %d", c.r.StatusCode(), status)
	}
	return c.r
}

func ptr[T any](v T) *T { return &v }

func TestGeneratedClientDrivesTheServer(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		ctx := context.Background()
		c := e.generatedClient(t, e.admin.key)

		// Two pages of customers: every one seen once, in name order.
		for _, name := range []string{"Client Gamma", "Client Alpha", "Client Beta"} {
			got(c.CreateCustomerWithResponse(ctx, nil,
				apiclient.CustomerFields{Name: name, Type: ptr(apiclient.CustomerTypeDealer)})).want(t, 201)
		}
		q, sortName := "client", apiclient.ListCustomersParamsSort("name")
		first := got(c.ListCustomersWithResponse(ctx,
			&apiclient.ListCustomersParams{Q: &q, Sort: &sortName, Limit: ptr(int32(2))})).want(t, 200)
		if len(first.JSON200.Data) != 2 || !first.JSON200.NextCursor.IsSpecified() || first.JSON200.NextCursor.IsNull() {
			t.Fatalf("first page: %s", first.Body)
		}
		cursor := first.JSON200.NextCursor.MustGet()
		second := got(c.ListCustomersWithResponse(ctx,
			&apiclient.ListCustomersParams{Q: &q, Sort: &sortName, Limit: ptr(int32(2)), Cursor: &cursor})).want(t, 200)
		if !second.JSON200.NextCursor.IsNull() {
			t.Errorf("second page has a next cursor: %s", second.Body)
		}
		var names []string
		for _, cu := range append(first.JSON200.Data, second.JSON200.Data...) {
			names = append(names, cu.Name)
		}
		if !slices.Equal(names, []string{"Client Alpha", "Client Beta", "Client Gamma"}) {
			t.Errorf("pages hold %v", names)
		}
		owner := first.JSON200.Data[0]

		// An idempotent create, replayed: the same object, marked as a replay.
		key := fmt.Sprintf("client-test-%s-%s", e.engine, owner.Id)
		body := apiclient.LocationFields{Name: "Yard North", CustomerId: nullable.NewNullableWithValue(owner.Id),
			Latitude: nullable.NewNullableWithValue(47.3768866), Longitude: nullable.NewNullableWithValue(8.5416940),
			RadiusM: nullable.NewNullableWithValue(int32(250))}
		created := got(c.CreateLocationWithResponse(ctx,
			&apiclient.CreateLocationParams{IdempotencyKey: &key}, body)).want(t, 201)
		if created.Headers201 == nil || created.Headers201.Location == nil || created.Headers201.IdempotentReplayed != nil {
			t.Errorf("first create: headers %+v", created.Headers201)
		}
		loc := created.JSON201
		if loc.Latitude.MustGet() != 47.3768866 {
			t.Errorf("latitude %v, want 47.3768866 exactly", loc.Latitude.MustGet())
		}
		replay := got(c.CreateLocationWithResponse(ctx,
			&apiclient.CreateLocationParams{IdempotencyKey: &key}, body)).want(t, 201)
		if replay.Headers201 == nil || replay.Headers201.IdempotentReplayed == nil || *replay.Headers201.IdempotentReplayed != "true" {
			t.Errorf("replay: headers %+v", replay.Headers201)
		}
		if replay.JSON201.Id != loc.Id {
			t.Errorf("replay created %s, first %s", replay.JSON201.Id, loc.Id)
		}

		// A change with If-Match clears the coordinates and the radius with null.
		etag := *created.Headers201.ETag
		patched := got(c.UpdateLocationWithApplicationMergePatchPlusJSONBodyWithResponse(ctx,
			loc.Id, &apiclient.UpdateLocationParams{IfMatch: &etag}, apiclient.LocationFieldsPatch{
				Latitude: nullable.NewNullNullable[float64](), Longitude: nullable.NewNullNullable[float64](),
				RadiusM: nullable.NewNullNullable[int32]()})).want(t, 200)
		if !patched.JSON200.Latitude.IsNull() || !patched.JSON200.Longitude.IsNull() || !patched.JSON200.RadiusM.IsNull() {
			t.Errorf("after clearing: %s", patched.Body)
		}
		if patched.JSON200.Name != "Yard North" || patched.JSON200.CustomerId.MustGet() != owner.Id {
			t.Errorf("clearing changed other members: %s", patched.Body)
		}

		// The old ETag is stale now.
		stale := got(c.UpdateLocationWithApplicationMergePatchPlusJSONBodyWithResponse(ctx,
			loc.Id, &apiclient.UpdateLocationParams{IfMatch: &etag}, apiclient.LocationFieldsPatch{Name: ptr("Yard South")})).want(t, 412)
		if stale.ApplicationproblemJSON412 == nil || stale.ApplicationproblemJSON412.Status != 412 {
			t.Errorf("stale: %s", stale.Body)
		}

		// An asset's year, set then cleared with null.
		asset := got(c.CreateAssetWithResponse(ctx, nil, apiclient.AssetFields{
			Name: "Excavator 7", Year: nullable.NewNullableWithValue(int32(2019)),
			LocationId: nullable.NewNullableWithValue(loc.Id)})).want(t, 201)
		if asset.JSON201.Year.MustGet() != 2019 {
			t.Errorf("year: %s", asset.Body)
		}
		cleared := got(c.UpdateAssetWithApplicationMergePatchPlusJSONBodyWithResponse(ctx,
			asset.JSON201.Id, &apiclient.UpdateAssetParams{IfMatch: asset.Headers201.ETag},
			apiclient.AssetFieldsPatch{Year: nullable.NewNullNullable[int32]()})).want(t, 200)
		if !cleared.JSON200.Year.IsNull() || cleared.JSON200.LocationId.MustGet() != loc.Id {
			t.Errorf("after clearing the year: %s", cleared.Body)
		}

		// Archive with the current ETag.
		current := *patched.Headers200.ETag
		archived := got(c.ArchiveLocationWithResponse(ctx, loc.Id,
			&apiclient.ArchiveLocationParams{IfMatch: &current})).want(t, 200)
		if archived.JSON200.ArchivedAt.IsNull() || !archived.JSON200.ArchivedAt.IsSpecified() {
			t.Errorf("archived: %s", archived.Body)
		}

		// The audit log of the location, through the generated union of change values.
		events := got(c.ListAuditEventsWithResponse(ctx,
			&apiclient.ListAuditEventsParams{ObjectId: &loc.Id})).want(t, 200)
		var created1 *apiclient.AuditEvent
		for i, ev := range events.JSON200.Data {
			if ev.Action == "create" {
				created1 = &events.JSON200.Data[i]
			}
		}
		if created1 == nil {
			t.Fatalf("no create event: %s", events.Body)
		}
		for _, ch := range created1.Changes {
			if !ch.Old.IsNull() {
				t.Errorf("a create's change of %s has an old value, want null: %s", ch.Field, events.Body)
			}
			if ch.Field == "latitude" {
				v, err := ch.New.MustGet().AsChangeNew1()
				if err != nil || v != 47.3768866 {
					t.Errorf("latitude change: %v %v", v, err)
				}
			}
		}
		if !strings.Contains(string(events.Body), `"field":"latitude"`) {
			t.Errorf("create event without latitude: %s", events.Body)
		}
	})
}
