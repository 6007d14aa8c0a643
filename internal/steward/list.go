package steward

// Status selects objects by archive state in lists.
type Status string

// List statuses; Active is the default.
const (
	StatusActive   Status = "active"
	StatusArchived Status = "archived"
	StatusAll      Status = "all"
)

// Limits of list pages.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// ListParams are the parameters every list takes. Sort is a field name, "-" prefixed for
// descending; Cursor continues a previous page and is only valid with the same filters and sort.
type ListParams struct {
	Q      string
	Status Status
	Sort   string
	Limit  int
	Cursor string
}

// Page is one page of a list. NextCursor is nil on the last page.
type Page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}
