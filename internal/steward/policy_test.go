package steward

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestPolicyMatrix prints the role × permission matrix and checks every cell against PRODUCT.md
// §5, written out here independently of the table in policy.go: Admin everything (users,
// accounts, API keys, settings, the full audit log, switching accounts); Fleet Admin the fleet
// (assets, customers, contacts, locations), groups, imports, shares and transfers, but no user,
// account or API key administration; User reads and exports; Technician reads and changes an
// asset's location.
func TestPolicyMatrix(t *testing.T) {
	product := map[Role][]string{
		RoleAdmin: {"read", "write_fleet", "move_asset", "administer", "read_audit_full", "read_access",
			"manage_groups", "share_assets", "switch_account"},
		RoleFleetAdmin: {"read", "write_fleet", "move_asset", "manage_groups", "share_assets"},
		RoleUser:       {"read"},
		RoleTechnician: {"read", "move_asset"},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-16s", "permission")
	for _, r := range MatrixRoles {
		fmt.Fprintf(&b, " %-11s", r)
	}
	b.WriteString("\n")
	cells := 0
	for _, p := range Permissions() {
		if p.String() == "unknown" || p.String() == "" {
			t.Fatalf("permission %d has no name", int(p))
		}
		fmt.Fprintf(&b, "%-16s", p)
		for _, r := range MatrixRoles {
			got := (&Actor{Role: r}).Can(p)
			want := slices.Contains(product[r], p.String())
			if got != want {
				t.Errorf("%s × %s: policy says %v, PRODUCT.md §5 says %v", r, p, got, want)
			}
			mark := "-"
			if got {
				mark = "yes"
			}
			fmt.Fprintf(&b, " %-11s", mark)
			cells++
		}
		b.WriteString("\n")
	}
	t.Logf("policy matrix (%d roles × %d permissions = %d cells):\n%s", len(MatrixRoles), len(Permissions()), cells, b.String())
	if cells != 4*9 {
		t.Errorf("the matrix has %d cells; a permission was added or removed without this test", cells)
	}
	// Every permission the product names exists: no expected name is left unmatched.
	for r, names := range product {
		for _, n := range names {
			if !slices.ContainsFunc(Permissions(), func(p Permission) bool { return p.String() == n }) {
				t.Errorf("%s: PRODUCT.md's %q has no permission", r, n)
			}
		}
	}
	// An unknown or empty role, a nil actor and an unknown permission may do nothing.
	for _, p := range append(Permissions(), Permission(-1), numPermissions) {
		if (&Actor{Role: "root"}).Can(p) || (&Actor{}).Can(p) || (*Actor)(nil).Can(p) {
			t.Errorf("%s is granted to an unknown role or nobody", p)
		}
	}
	if (&Actor{Role: RoleAdmin}).Can(numPermissions) {
		t.Error("an Admin holds a permission that does not exist")
	}
	if ErrorCode((*Actor)(nil).Require(PermRead)) != EUNAUTHORIZED {
		t.Error("nil actor: want EUNAUTHORIZED")
	}
}

func TestMayChangeAssetFields(t *testing.T) {
	for _, tc := range []struct {
		role   Role
		fields []string
		want   string
	}{
		{RoleAdmin, []string{"name", "location_id"}, ""},
		{RoleFleetAdmin, []string{"serial_number"}, ""},
		{RoleTechnician, []string{"location_id"}, ""},
		{RoleTechnician, nil, ""},
		{RoleTechnician, []string{"location_id", "name"}, EFORBIDDEN},
		{RoleTechnician, []string{"owner_customer_id"}, EFORBIDDEN},
		{RoleUser, []string{"location_id"}, EFORBIDDEN},
		{RoleUser, nil, EFORBIDDEN},
		{"root", []string{"location_id"}, EFORBIDDEN},
	} {
		err := (&Actor{Role: tc.role}).MayChangeAssetFields(tc.fields)
		if ErrorCode(err) != tc.want {
			t.Errorf("%s changes %v: %v, want %q", tc.role, tc.fields, err, tc.want)
		}
	}
	err := (&Actor{Role: RoleTechnician}).MayChangeAssetFields([]string{"location_id", "name"})
	if !strings.Contains(err.Error(), "name") {
		t.Errorf("the refusal names no field: %v", err)
	}
}

func TestMayReadAudit(t *testing.T) {
	for _, r := range MatrixRoles {
		a := &Actor{Role: r}
		if err := a.MayReadAudit(AuditFilter{ObjectID: "x"}); err != nil {
			t.Errorf("%s reads one object's history: %v", r, err)
		}
		if err := a.MayReadAudit(AuditFilter{CustomerID: "x"}); err != nil {
			t.Errorf("%s reads one customer's history: %v", r, err)
		}
		err := a.MayReadAudit(AuditFilter{ActorID: "x"})
		if (err == nil) != (r == RoleAdmin) {
			t.Errorf("%s reads the account-wide log: %v", r, err)
		}
	}
	if ErrorCode((&Actor{Role: "root"}).MayReadAudit(AuditFilter{ObjectID: "x"})) != EFORBIDDEN {
		t.Error("an unknown role reads an object's history")
	}
}

func TestMayWriteCustomers(t *testing.T) {
	person := &Actor{Type: ActorUser, Role: RoleAdmin}
	key := &Actor{Type: ActorAPIKey, Role: RoleAdmin}
	integration := &Actor{Type: ActorAPIKey, Role: RoleFleetAdmin, Integration: true}
	imp := &Actor{Type: ActorImport, Role: RoleAdmin}
	sys := SystemActor("acc")
	for _, a := range []*Actor{person, key, integration, imp, sys} {
		if err := a.MayWriteCustomers(false); err != nil {
			t.Errorf("%s/%v writes customers that are not externally managed: %v", a.Type, a.Integration, err)
		}
	}
	for _, a := range []*Actor{person, key} {
		err := a.MayWriteCustomers(true)
		var se *Error
		if ErrorCode(err) != EFORBIDDEN || !errors.As(err, &se) || se.Kind != "externally-managed" {
			t.Errorf("%s writes externally managed customers: %v", a.Type, err)
		}
	}
	for _, a := range []*Actor{integration, imp, sys} {
		if err := a.MayWriteCustomers(true); err != nil || !a.WritesExternallyManaged() {
			t.Errorf("%s/%v may not write externally managed customers: %v", a.Type, a.Integration, err)
		}
	}
}
