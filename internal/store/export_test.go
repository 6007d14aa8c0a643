package store

// SetMaxSortedMatches changes the bound of sorted searches for a test and returns the undo.
func SetMaxSortedMatches(n int) (undo func()) {
	old := maxSortedMatches
	maxSortedMatches = n
	return func() { maxSortedMatches = old }
}
