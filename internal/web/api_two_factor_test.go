package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

// TestAPITwoFactorRequired: the account's two_factor_required is read and set through
// PATCH /api/v1/account, by an Admin only; a wrong type is 422 on the field.
func TestAPITwoFactorRequired(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		acc := e.admin.get(t, accountPath).JSON.(map[string]any)
		if v, ok := acc["two_factor_required"]; !ok || v != false {
			t.Fatalf("two_factor_required = %v (present %v), want false", v, ok)
		}
		if r := e.fleet.patch(t, accountPath, map[string]any{"two_factor_required": true}); r.Status != 403 {
			t.Errorf("a Fleet Admin sets it: %d, want 403", r.Status)
		}
		if r := e.admin.patch(t, accountPath, map[string]any{"two_factor_required": "yes"}); r.Status != 422 && r.Status != 400 {
			t.Errorf("a string: %d, want 422", r.Status)
		}
		r := e.admin.patch(t, accountPath, map[string]any{"two_factor_required": true})
		if r.Status != 200 || r.JSON.(map[string]any)["two_factor_required"] != true {
			t.Fatalf("PATCH: %d %s", r.Status, r.Raw)
		}
		if got := e.admin.get(t, accountPath).JSON.(map[string]any)["two_factor_required"]; got != true {
			t.Errorf("read back: %v", got)
		}
		if got := e.other.get(t, accountPath).JSON.(map[string]any)["two_factor_required"]; got != false {
			t.Errorf("another organization: %v", got)
		}
	})
}

// TestAPIResetTwoFactor: an Admin switches a user's two-factor sign-in off (one who lost their
// authenticator): POST /api/v1/users/{id}/two-factor/reset, 204, audited once; other roles are
// 403, another organization's Admin and an unknown id 404, and neither changes anything.
func TestAPIResetTwoFactor(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		ctx := context.Background()
		inv := e.admin.post(t, usersPath, inviteBody("technician")).want(t, 201).obj()
		e.acceptInvite(t, str(inv, "invite_url"))
		id := str(inv, "id")
		a, err := e.store.UserActor(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		secret := steward.NewTOTPSecret()
		key, _ := steward.DecodeTOTPSecret(secret)
		if _, err := e.store.EnableTwoFactor(ctx, a, secret, steward.TOTPCode(key, steward.TOTPStep(time.Now()))); err != nil {
			t.Fatalf("EnableTwoFactor: %v", err)
		}
		enabled := func() bool {
			t.Helper()
			tf, err := e.store.TwoFactorOf(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return tf.Enabled || tf.RecoveryCodesLeft > 0
		}
		resetPath := usersPath + "/" + id + "/two-factor/reset"
		runScenarios(t, []scenario{
			{name: "a Fleet Admin may not", as: e.fleet, method: "POST", path: resetPath, want: 403},
			{name: "nor a Technician", as: e.tech, method: "POST", path: resetPath, want: 403},
			{name: "nor a User", as: e.user, method: "POST", path: resetPath, want: 403},
			{name: "another organization's Admin: not found", as: e.other, method: "POST", path: resetPath, want: 404},
			{name: "an unknown user", as: e.admin, method: "POST", path: usersPath + "/0190c0de-0000-7000-8000-000000000000/two-factor/reset", want: 404},
			{name: "not an id", as: e.admin, method: "POST", path: usersPath + "/not-an-id/two-factor/reset", want: 404},
			{name: "GET is not a method of it", as: e.admin.probing(), method: "GET", path: resetPath, want: 405},
		})
		if !enabled() {
			t.Fatal("a refused reset switched two-factor off")
		}
		r := e.admin.post(t, resetPath, nil).want(t, 204)
		if len(r.Raw) != 0 {
			t.Errorf("204 with a body: %s", r.Raw)
		}
		if enabled() {
			t.Fatal("two-factor is still on after the reset")
		}
		e.admin.post(t, resetPath, nil).want(t, 204) // already off: nothing to do
		events := e.admin.get(t, "/api/v1/audit?action=two_factor_disable&object_id="+id).want(t, 200).data(t)
		if len(events) != 1 || str(events[0], "source") != "api" {
			t.Errorf("two_factor_disable events: %v", events)
		}
	})
}
