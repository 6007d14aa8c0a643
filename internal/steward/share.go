package steward

import "context"

// Sharing and transfer (PRODUCT.md §4): an asset is owned by one account; other accounts of the
// organization may be given visibility of it (shares). Only the owner account, or the
// organization's administrative account, shares, unshares and transfers, with PermShareAssets.
// An account that sees a shared asset reads it without the owner's references (its owning
// customer and location name the owner's customers and locations) and changes nothing of it.

// AssetShare is one account an asset is shared with.
type AssetShare struct {
	AccountID   string `json:"account_id"`
	AccountName string `json:"account_name"`
	// Auto is true for a share made by the receiving account's auto-share; unsharing removes it
	// all the same (until the asset is transferred again or auto-share is set anew).
	Auto      bool      `json:"auto"`
	CreatedAt Timestamp `json:"created_at"`
}

// ShareTarget is the body of POST /api/v1/assets/{id}/shares.
type ShareTarget struct {
	AccountID string `json:"account_id"`
}

// Normalize checks the account id.
func (b *ShareTarget) Normalize() error {
	var v Violations
	requireID(&v, "account_id", b.AccountID)
	return v.Err()
}

// TransferTarget is the body of POST /api/v1/assets/{id}/transfer.
type TransferTarget struct {
	AccountID string `json:"account_id"`
	// KeepVisibility keeps the asset visible to the account that gave it away (a share).
	KeepVisibility bool `json:"keep_visibility"`
}

// Normalize checks the account id.
func (b *TransferTarget) Normalize() error {
	var v Violations
	requireID(&v, "account_id", b.AccountID)
	return v.Err()
}

// BulkShare is the body of POST /api/v1/assets/bulk/share and …/bulk/unshare.
type BulkShare struct {
	AssetIDs  []string `json:"asset_ids"`
	AccountID string   `json:"account_id"`
}

// Normalize checks the lists: 1 to MaxMembers asset ids and an account id.
func (b *BulkShare) Normalize() error { return bulkCheck(b.AssetIDs, b.AccountID) }

// BulkTransfer is the body of POST /api/v1/assets/bulk/transfer.
type BulkTransfer struct {
	AssetIDs       []string `json:"asset_ids"`
	AccountID      string   `json:"account_id"`
	KeepVisibility bool     `json:"keep_visibility"`
}

// Normalize checks the lists: 1 to MaxMembers asset ids and an account id.
func (b *BulkTransfer) Normalize() error { return bulkCheck(b.AssetIDs, b.AccountID) }

func bulkCheck(ids []string, account string) error {
	var v Violations
	if err := checkMemberIDs("asset_ids", ids); err != nil {
		v = append(v, err.(*Error).Fields...)
	}
	requireID(&v, "account_id", account)
	return v.Err()
}

func requireID(v *Violations, field, id string) {
	if id == "" {
		v.Add(field, "is required")
		return
	}
	CheckID(v, field, id)
}

// AutoShare says which accounts below an account share their assets with it automatically.
type AutoShare string

// The auto-share modes.
const (
	AutoShareNone     AutoShare = "none"
	AutoShareAll      AutoShare = "all"      // every account below it, now and later
	AutoShareSelected AutoShare = "selected" // the accounts of AutoShareAccountIDs
)

// Values lists the auto-share modes.
func (AutoShare) Values() []AutoShare {
	return []AutoShare{AutoShareNone, AutoShareAll, AutoShareSelected}
}

// Valid reports whether m is a known mode.
func (m AutoShare) Valid() bool { return isOneOf(m, m.Values()) }

// SharingSettings are an account's sharing settings: GET and PUT /api/v1/account/sharing.
type SharingSettings struct {
	// AutoShare: the accounts below this one whose assets (those they own now and later) are
	// shared with it automatically.
	AutoShare AutoShare `json:"auto_share"`
	// AutoShareAccountIDs are the accounts of "selected": accounts anywhere below this one.
	AutoShareAccountIDs []string `json:"auto_share_account_ids"`
	// AdministrativeAccountID is the organization's administrative account, which may share,
	// unshare and transfer any asset of the organization: the root unless set otherwise. Only
	// an Admin of the root account changes it.
	AdministrativeAccountID string `json:"administrative_account_id"`
}

// Normalize checks the settings' form; the store checks that the ids name accounts below.
func (s *SharingSettings) Normalize() error {
	var v Violations
	if s.AutoShare == "" {
		s.AutoShare = AutoShareNone
	} else if !s.AutoShare.Valid() {
		v.Add("auto_share", "%s", OneOf(s.AutoShare.Values()))
	}
	if s.AutoShare != AutoShareSelected && len(s.AutoShareAccountIDs) > 0 {
		v.Add("auto_share_account_ids", "is only taken with auto_share %q", AutoShareSelected)
	}
	if s.AutoShare == AutoShareSelected {
		if err := checkMemberIDs("auto_share_account_ids", s.AutoShareAccountIDs); err != nil {
			v = append(v, err.(*Error).Fields...)
		}
	}
	if s.AutoShareAccountIDs == nil {
		s.AutoShareAccountIDs = []string{}
	}
	CheckID(&v, "administrative_account_id", s.AdministrativeAccountID)
	return v.Err()
}

// MaxShareTargets bounds ShareTargets.
const MaxShareTargets = 1000

// SharingService shares and transfers assets across an organization's accounts.
type SharingService interface {
	// AssetShares lists the accounts the asset is shared with (the owner's and the administrative
	// account's callers; an account the asset is shared with gets EFORBIDDEN).
	AssetShares(ctx context.Context, a *Actor, assetID string) (*Page[AssetShare], error)
	// ShareAsset shares the asset with another account of the organization (already shared:
	// unchanged) and returns its shares.
	ShareAsset(ctx context.Context, a *Actor, assetID, accountID string) (*Page[AssetShare], error)
	// UnshareAsset ends a share; ENOTFOUND when the asset is not shared with the account.
	UnshareAsset(ctx context.Context, a *Actor, assetID, accountID string) error
	// TransferAsset makes another account of the organization the asset's owner. It cannot be
	// undone by the account that gave it: it leaves that account's groups, customer and location.
	TransferAsset(ctx context.Context, a *Actor, assetID, accountID string, keepVisibility bool) (*Asset, error)
	// ShareAssets, UnshareAssets and TransferAssets do the same to many assets, all or nothing.
	ShareAssets(ctx context.Context, a *Actor, assetIDs []string, accountID string) error
	UnshareAssets(ctx context.Context, a *Actor, assetIDs []string, accountID string) error
	TransferAssets(ctx context.Context, a *Actor, assetIDs []string, accountID string, keepVisibility bool) error
	// SharingSettings reads the account's sharing settings (PermRead); UpdateSharingSettings
	// replaces them (PermAdminister).
	SharingSettings(ctx context.Context, a *Actor) (*SharingSettings, error)
	UpdateSharingSettings(ctx context.Context, a *Actor, s SharingSettings) (*SharingSettings, error)
	// ShareTargets lists, by name, the accounts the web interface offers to share or transfer
	// to: for the administrative account every other account of the organization; for another
	// the accounts above it and below it (siblings' names, an external customer's for instance,
	// are not shown to each other; the API takes any account of the organization by id). At
	// most MaxShareTargets.
	ShareTargets(ctx context.Context, a *Actor) ([]Ref, error)
}
