package steward

import (
	"context"
	"io"
)

// CSV import jobs (PRODUCT.md §7, docs/API.md "Imports"): a file of customers, contacts,
// locations or assets is stored as the job's input, then checked row by row (a dry run stops
// there) and, when no row is bad, applied in one transaction: all or nothing.

// ImportKind is what a file imports.
type ImportKind string

// The kinds of import.
const (
	ImportCustomers ImportKind = "customers"
	ImportContacts  ImportKind = "contacts"
	ImportLocations ImportKind = "locations"
	ImportAssets    ImportKind = "assets"
)

// Values lists the kinds.
func (ImportKind) Values() []ImportKind {
	return []ImportKind{ImportCustomers, ImportContacts, ImportLocations, ImportAssets}
}

// Valid reports whether k is a kind.
func (k ImportKind) Valid() bool { return isOneOf(k, k.Values()) }

// ImportStatus is where a job is.
type ImportStatus string

// The statuses of a job.
const (
	ImportQueued    ImportStatus = "queued"
	ImportRunning   ImportStatus = "running"
	ImportSucceeded ImportStatus = "succeeded"
	ImportFailed    ImportStatus = "failed"
)

// Values lists the statuses.
func (ImportStatus) Values() []ImportStatus {
	return []ImportStatus{ImportQueued, ImportRunning, ImportSucceeded, ImportFailed}
}

// Valid reports whether s is a status.
func (s ImportStatus) Valid() bool { return isOneOf(s, s.Values()) }

// Done reports whether the job has ended.
func (s ImportStatus) Done() bool { return s == ImportSucceeded || s == ImportFailed }

// Limits of imports.
const (
	// DefaultMaxImportBytes is the largest file an import takes unless configured otherwise
	// (the API's other bodies stop at 1 MiB).
	DefaultMaxImportBytes = 512 << 20
	// MaxImportErrorsShown is how many errors a job's JSON lists; errors.csv has them all.
	MaxImportErrorsShown = 1000
	// MaxImportColumns bounds a file's header.
	MaxImportColumns = 200
	// MaxImportFileName bounds the file name a job keeps, in bytes.
	MaxImportFileName = 255
	// MaxRecentImports is how many jobs RecentImports lists.
	MaxRecentImports = 20
)

// ImportRowError is what is wrong with one row of a file: its number (the header is row 1, as
// a spreadsheet numbers them; 0 for the file as a whole), the column (its API field name, "" for
// the whole row) and a message.
type ImportRowError struct {
	Row     int64  `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

// ImportJob is one import: its input, where it is and what it found. Created, Updated and
// Unchanged count what the rows do (a dry run: would do); FailedRows the rows with an error.
// ProcessedRows counts the rows of the current pass: the check, then (when applying) the
// writing, which starts again from 0.
type ImportJob struct {
	ID            string           `json:"id"`
	Kind          ImportKind       `json:"kind"`
	Status        ImportStatus     `json:"status"`
	DryRun        bool             `json:"dry_run"`
	TotalRows     int64            `json:"total_rows"`
	ProcessedRows int64            `json:"processed_rows"`
	Created       int64            `json:"created"`
	Updated       int64            `json:"updated"`
	Unchanged     int64            `json:"unchanged"`
	FailedRows    int64            `json:"failed_rows"`
	Errors        []ImportRowError `json:"errors"`

	// Kept for the web interface, not in the API's fixed shape.
	AccountID string    `json:"-"`
	UserID    string    `json:"-"`
	FileName  string    `json:"-"`
	FileSize  int64     `json:"-"`
	CreatedAt Timestamp `json:"-"`
	UpdatedAt Timestamp `json:"-"`
	// ErrorCount is how many errors the job stored (Errors lists the first of them).
	ErrorCount int64 `json:"-"`
}

// NewImport is what starts a job: its kind, whether it only checks, and its file.
type NewImport struct {
	Kind     ImportKind
	DryRun   bool
	FileName string
	File     io.Reader
	// MaxBytes bounds the file (0: DefaultMaxImportBytes); a longer one is ETOOLARGE.
	MaxBytes int64
}

// ImportProgress is told a running job's counts as they move (the command line's bar).
type ImportProgress func(*ImportJob)

// ImportService runs CSV imports.
type ImportService interface {
	// MayImport returns EFORBIDDEN unless a may import files of kind (asked before a body is
	// read): PermWriteFleet; for customers, contacts and locations the account's customers must
	// not be externally managed (unless a writes them anyway); assets need the entire fleet in
	// view (a group-scoped caller would create assets it cannot see).
	MayImport(ctx context.Context, a *Actor, kind ImportKind) error
	// CreateImport stores the file as a new queued job of a's user. EINVALID naming kind or
	// file; ETOOLARGE when the file passes the store's limit.
	CreateImport(ctx context.Context, a *Actor, in NewImport) (*ImportJob, error)
	// Import returns a job of a's account with its first errors. ENOTFOUND otherwise.
	Import(ctx context.Context, a *Actor, id string) (*ImportJob, error)
	// RecentImports lists the account's newest jobs, newest first.
	RecentImports(ctx context.Context, a *Actor) ([]ImportJob, error)
	// EachImportError calls fn with each error of the job, in row order.
	EachImportError(ctx context.Context, a *Actor, id string, fn func(ImportRowError) error) error
	// RunImport runs one job now, in this goroutine (the command line; a worker's claimed
	// job). A job another worker holds is ECONFLICT.
	RunImport(ctx context.Context, id, worker string, progress ImportProgress) (*ImportJob, error)
	// ClaimImport takes the oldest queued job (and puts back jobs whose worker stopped
	// beating), returning its id, or "" when there is none.
	ClaimImport(ctx context.Context, worker string) (string, error)
}
