package ui

// RouteInfo is what the web interface's isolation matrix (isolation_test.go) reads of one route.
type RouteInfo struct {
	Pattern string
	Public  bool
}

// Routes lists the route table of u, in its order.
func (u *UI) Routes() []RouteInfo {
	out := make([]RouteInfo, len(u.routes))
	for i, rt := range u.routes {
		out[i] = RouteInfo{Pattern: rt.pattern, Public: rt.public}
	}
	return out
}
