package store

// WithSearchLimits returns a Store on the same database whose searches walk for pages of at
// least minWalkPage rows and sort at most maxSorted matches, so that a test can reach past the
// walk with a few hundred rows without changing anything other tests share.
func WithSearchLimits(s *Store, minWalkPage, maxSorted int) *Store {
	c := *s
	c.limits = searchLimits{minWalkPage: minWalkPage, maxSortedMatches: maxSorted}
	return &c
}
