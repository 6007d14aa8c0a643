package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestServeRateLimits(t *testing.T) {
	db := filepath.Join(t.TempDir(), "limits.db")
	mustSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Limits", "--email", "limits@example.com", "--password", "long enough")
	key := createKey(t, db, "limits@example.com", "k")
	// --rate-limit from the environment, --rate-limit-failed on the command line.
	srv := serve(t, fakeEnv{"STEWARD_RATE_LIMIT": "2"}, "--db", db, "--rate-limit-failed", "1")
	for i := range 4 { // burst: twice the rate
		if r := srv.call(t, key, "GET", "/api/v1/me", nil); r.status != 200 || r.header.Get("RateLimit-Limit") != "4" {
			t.Fatalf("request %d: %d, RateLimit-Limit %q", i, r.status, r.header.Get("RateLimit-Limit"))
		}
	}
	r := srv.call(t, key, "GET", "/api/v1/me", nil)
	if r.status != 429 || r.header.Get("Retry-After") == "" || r.header.Get("RateLimit-Remaining") != "0" {
		t.Errorf("over the limit: %d, Retry-After %q, RateLimit-Remaining %q", r.status, r.header.Get("Retry-After"), r.header.Get("RateLimit-Remaining"))
	}
	for range 10 {
		srv.call(t, "", "GET", "/healthz", nil).must(t, 200)
	}
	statuses := []int{}
	for range 6 { // burst: four times the rate
		statuses = append(statuses, srv.call(t, "stw_guessing", "GET", "/api/v1/me", nil).status)
	}
	if want := []int{401, 401, 401, 401, 429, 429}; !slices.Equal(statuses, want) {
		t.Errorf("guessing keys: %v, want %v", statuses, want)
	}
	if err := srv.stop(t); err != nil {
		t.Errorf("serve: %v", err)
	}

	for _, tt := range []struct {
		env  fakeEnv
		args []string
		want string
	}{
		{fakeEnv{}, []string{"--rate-limit", "-1"}, "--rate-limit must be"},
		{fakeEnv{}, []string{"--rate-limit-failed", "NaN"}, "--rate-limit-failed must be"},
		{fakeEnv{}, []string{"--rate-limit", "+Inf"}, "--rate-limit must be"},
		{fakeEnv{"STEWARD_RATE_LIMIT_FAILED": "lots"}, nil, "STEWARD_RATE_LIMIT_FAILED"},
	} {
		_, _, err := runSteward(t, tt.env, append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v %v: %v, want an error naming %s", tt.env, tt.args, err, tt.want)
		}
	}
}
