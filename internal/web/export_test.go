package web

import "github.com/steward-fleet/steward/internal/steward"

// RouteInfo is what the API's isolation matrix (api_isolation_test.go) reads of one route of
// the route table.
type RouteInfo struct {
	Method, Path, ID string
	Public           bool
	Perm             steward.Permission
}

// Routes lists the route table of s, in its order.
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, len(s.routes))
	for i, rt := range s.routes {
		out[i] = RouteInfo{Method: rt.method, Path: rt.path, ID: rt.id, Public: rt.public, Perm: rt.perm}
	}
	return out
}
