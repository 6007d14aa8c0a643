package web

import (
	"context"
	"net/http"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

// readyTimeout bounds the database check of /readyz: a load balancer must get an answer.
const readyTimeout = 3 * time.Second

// healthStatus is the body of /healthz and /readyz.
type healthStatus struct {
	Status string `json:"status"`
}

// healthz says the process is up; it touches nothing else.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, healthStatus{Status: "ok"})
}

// readyz says the server can serve: the database answers.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.svc.Ping(ctx); err != nil {
		s.log.WarnContext(ctx, "readiness check failed", "request_id", infoOf(ctx).id, "error", err)
		return steward.Errorf(codeUnavailable, "the database is not reachable")
	}
	return writeJSON(w, http.StatusOK, healthStatus{Status: "ok"})
}
