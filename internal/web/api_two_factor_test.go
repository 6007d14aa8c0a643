package web_test

import (
	"testing"
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
