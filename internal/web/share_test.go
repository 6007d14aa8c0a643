package web_test

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
)

// Sharing and transfer through the API, with the hostile inputs a client may send.
func TestShareAndTransferAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		c := e.admin
		sub := c.create(t, "/api/v1/accounts", obj{"name": "Depot North", "email": "north@example.com", "country": "DE"})
		subID := str(sub, "id")
		cust := c.create(t, customersPath, obj{"name": "Share Customer"})
		x := c.create(t, assetsPath, obj{"name": "Shared crane", "owner_customer_id": str(cust, "id")})
		y := c.create(t, assetsPath, obj{"name": "Bulk crane"})
		xPath := assetsPath + "/" + str(x, "id")

		// Bad bodies are named field by field; nothing is shared.
		r := c.post(t, xPath+"/shares", obj{"account_id": "x y", "extra": 1}).want(t, http.StatusUnprocessableEntity)
		if f := r.fields(); !slices.Contains(f, "account_id") || !slices.Contains(f, "extra") {
			t.Errorf("fields %v", f)
		}
		c.post(t, xPath+"/shares", obj{"account_id": e.otherAccountID}).want(t, http.StatusUnprocessableEntity)
		c.post(t, xPath+"/shares", obj{"account_id": e.accountID}).want(t, http.StatusUnprocessableEntity)
		if d := c.get(t, xPath+"/shares").want(t, http.StatusOK).data(t); len(d) != 0 {
			t.Fatalf("shares after refusals: %v", d)
		}
		// A user key reads the shares but may not share.
		e.user.get(t, xPath+"/shares").want(t, http.StatusOK)
		e.user.post(t, xPath+"/shares", obj{"account_id": subID}).want(t, http.StatusForbidden)

		d := c.post(t, xPath+"/shares", obj{"account_id": subID}).want(t, http.StatusOK).data(t)
		if len(d) != 1 || str(d[0], "account_id") != subID || str(d[0], "account_name") != "Depot North" {
			t.Fatalf("shares %v", d)
		}
		c.post(t, xPath+"/shares", obj{"account_id": subID}).want(t, http.StatusOK)

		// Bulk forms: bounded lists, ids named by their place, all or nothing.
		many := make([]string, 1001)
		for i := range many {
			many[i] = str(y, "id")
		}
		r = c.post(t, assetsPath+"/bulk/share", obj{"asset_ids": many, "account_id": subID}).want(t, http.StatusUnprocessableEntity)
		if !slices.Contains(r.fields(), "asset_ids") {
			t.Errorf("1001 ids: %v", r.fields())
		}
		r = c.post(t, assetsPath+"/bulk/share", obj{"asset_ids": []string{str(y, "id"), missingID}, "account_id": subID}).
			want(t, http.StatusUnprocessableEntity)
		if !slices.Contains(r.fields(), "asset_ids[1]") {
			t.Errorf("unknown id: %v", r.fields())
		}
		c.post(t, assetsPath+"/bulk/share", obj{"asset_ids": []string{str(y, "id")}, "account_id": subID}).want(t, http.StatusNoContent)
		c.post(t, assetsPath+"/bulk/unshare", obj{"asset_ids": []string{str(y, "id")}, "account_id": subID}).want(t, http.StatusNoContent)
		c.del(t, xPath+"/shares/"+missingID).want(t, http.StatusNotFound)

		// The list's sides: ownership is checked, and the other filters go with owned only.
		r = c.get(t, assetsPath+"?ownership=theirs").want(t, http.StatusUnprocessableEntity)
		if !slices.Contains(r.fields(), "ownership") {
			t.Errorf("ownership=theirs: %v", r.fields())
		}
		r = c.get(t, assetsPath+"?ownership=shared&owner_customer_id="+str(cust, "id")).want(t, http.StatusUnprocessableEntity)
		if !slices.Contains(r.fields(), "owner_customer_id") {
			t.Errorf("shared with a customer filter: %v", r.fields())
		}

		// Transfer to the sub-account, keeping visibility: the root sees it shared, read-only.
		moved := c.post(t, xPath+"/transfer", obj{"account_id": subID, "keep_visibility": true}).want(t, http.StatusOK).obj()
		if str(moved, "owner_account_id") != subID || moved["owner_customer_id"] != nil {
			t.Fatalf("transferred %v", moved)
		}
		shared := c.walk(t, assetsPath+"?ownership=shared&q=crane", 1)
		if len(shared) != 1 || str(shared[0], "id") != str(x, "id") || shared[0]["owner_customer_id"] != nil {
			t.Fatalf("shared with the root: %v", shared)
		}
		c.patch(t, xPath, obj{"name": "Mine again"}).want(t, http.StatusForbidden)
		c.post(t, xPath+"/archive", nil).want(t, http.StatusForbidden)
		for _, a := range c.walk(t, assetsPath+"?status=all", 50) {
			if str(a, "id") == str(x, "id") {
				t.Error("the given asset is still in the root's own list")
			}
		}
		// The root is the organization's administrative account: it still shares and transfers
		// the asset (here, back to itself), though it changes nothing else of it.
		if d := c.get(t, xPath+"/shares").want(t, http.StatusOK).data(t); len(d) != 1 || str(d[0], "account_id") != e.accountID {
			t.Errorf("shares after the transfer: %v", d)
		}
		back := c.post(t, xPath+"/transfer", obj{"account_id": e.accountID}).want(t, http.StatusOK).obj()
		if str(back, "owner_account_id") != e.accountID {
			t.Errorf("transferred back: %v", back)
		}

		// Sharing settings: an Admin's; bad modes and ids are named.
		e.fleet.do(t, http.MethodPut, "/api/v1/account/sharing", obj{"auto_share": "all"}).want(t, http.StatusForbidden)
		r = c.do(t, http.MethodPut, "/api/v1/account/sharing", obj{"auto_share": "some"}).want(t, http.StatusUnprocessableEntity)
		if !slices.Contains(r.fields(), "auto_share") {
			t.Errorf("auto_share=some: %v", r.fields())
		}
		r = c.do(t, http.MethodPut, "/api/v1/account/sharing", obj{"auto_share": "selected", "auto_share_account_ids": []string{e.otherAccountID}}).
			want(t, http.StatusUnprocessableEntity)
		if !slices.Contains(r.fields(), "auto_share_account_ids[0]") {
			t.Errorf("a foreign account: %v", r.fields())
		}
		set := c.do(t, http.MethodPut, "/api/v1/account/sharing", obj{"auto_share": "all"}).want(t, http.StatusOK).obj()
		if str(set, "auto_share") != "all" || str(set, "administrative_account_id") != e.accountID {
			t.Errorf("settings %v", set)
		}
		if got := c.get(t, "/api/v1/account/sharing").want(t, http.StatusOK).obj(); !strings.EqualFold(str(got, "auto_share"), "all") {
			t.Errorf("read back %v", got)
		}
	})
}

// TestSharedAssetViewerMatrix: an Admin of the sub-account an asset is shared with, calling every
// route of the route table with the parent account's objects in the path: the shared asset is
// readable (without the owner's references) and nothing else of the parent is, and nothing of
// either is changeable; no answer names the parent's customer or location.
func TestSharedAssetViewerMatrix(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		own := buildWorld(t, e.admin, "Acme") // its asset is shared with its sub-account
		sub := own.ids["accounts"]
		ctx := context.Background()
		root, err := e.store.Authenticate(ctx, e.admin.key)
		if err != nil {
			t.Fatal(err)
		}
		inSub, err := e.store.SwitchAccount(ctx, root, sub)
		if err != nil {
			t.Fatal(err)
		}
		email := uniqueEmail("viewer")
		if _, _, err := e.store.InviteUser(ctx, inSub, steward.UserFields{Name: "Viewer", Email: email, Role: steward.RoleAdmin,
			FleetVisibility: steward.FleetVisibilityAll}); err != nil {
			t.Fatal(err)
		}
		k, err := e.store.CreateAPIKeyForEmail(ctx, email, steward.APIKeyFields{Name: "viewer"})
		if err != nil {
			t.Fatal(err)
		}
		viewer := &apiClient{env: e, key: k.Key, keyID: k.ID, name: "the sub-account's Admin"}
		secret := []string{own.ids["customers"], own.ids["locations"], own.ids["contacts"], "Acme Customer", "Acme Site"}
		routes, checked := e.api.Routes(), 0
		for _, rt := range routes {
			kinds := pathKinds(rt.Path)
			if rt.Public || len(kinds) == 0 || kinds[0].kind == "accounts" {
				continue // lists are below; the sub-account is the viewer's own account
			}
			p := rt.Path
			for _, k := range kinds {
				p = strings.Replace(p, "{"+k.param+"}", own.ids[k.kind], 1)
			}
			var body any
			if spec, ok := isolationRoutes[rt.ID]; ok && spec.body != nil {
				body = ownBody(spec.body, own)
			}
			r := viewer.do(t, rt.Method, p, body)
			checked++
			for _, s := range secret {
				if bytes.Contains(r.Raw, []byte(s)) {
					t.Errorf("%s %s names the owner's %q: %s", rt.Method, p, s, r.Raw)
				}
			}
			want := http.StatusNotFound
			switch {
			case kinds[0].kind != "assets":
			case rt.ID == "getAsset" || rt.ID == "listAssetMovements":
				want = http.StatusOK
			default:
				want = http.StatusForbidden // it sees the asset: not hidden, not its own
			}
			if r.Status != want {
				t.Errorf("%s %s as the viewer: %d, want %d: %s", rt.Method, p, r.Status, want, r.Raw)
			}
		}
		shared := viewer.walk(t, assetsPath+"?ownership=shared", 10)
		if len(shared) != 1 || str(shared[0], "id") != own.ids["assets"] || str(shared[0], "owner_account_id") != e.accountID {
			t.Errorf("the viewer's shared side: %v", shared)
		}
		if mine := viewer.walk(t, assetsPath, 10); len(mine) != 0 {
			t.Errorf("the viewer's own side: %v", mine)
		}
		t.Logf("viewer matrix: %d routes", checked)
	})
}
