package store

// SetMaxSortedMatches changes the bound of sorted searches for a test and returns the undo.
func SetMaxSortedMatches(n int) (undo func()) {
	old := maxSortedMatches
	maxSortedMatches = n
	return func() { maxSortedMatches = old }
}

// SetMinWalkPage changes the least page size a search's walk is sized for, so that a test can
// reach past the walk with a few hundred rows; it returns the undo.
func SetMinWalkPage(n int) (undo func()) {
	old := minWalkPage
	minWalkPage = n
	return func() { minWalkPage = old }
}
