package jobs_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/jobs"
	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// The runner takes a queued job at once when woken, runs it, and stops with its context.
func TestImportRunnerRunsQueuedJobs(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			storetest.SkipWithoutPostgres(t, engine)
			ctx := context.Background()
			s := storetest.Open(t, engine)
			email := "admin@runner.example"
			if _, _, err := s.CreateOrganization(ctx, steward.Organization{Name: "Runner", Email: email, Country: "DE",
				Password: "correct horse"}); err != nil {
				t.Fatal(err)
			}
			k, err := s.CreateAPIKeyForEmail(ctx, email, steward.APIKeyFields{Name: "k"})
			if err != nil {
				t.Fatal(err)
			}
			a, err := s.Authenticate(ctx, k.Key)
			if err != nil {
				t.Fatal(err)
			}
			r := jobs.NewImportRunner(s, nil)
			rctx, stop := context.WithCancel(ctx)
			var wg sync.WaitGroup
			wg.Go(func() { r.Run(rctx) })
			defer func() { stop(); wg.Wait() }()
			j, err := s.CreateImport(ctx, a, steward.NewImport{Kind: steward.ImportCustomers, File: strings.NewReader("name\nA\nB\n")})
			if err != nil {
				t.Fatal(err)
			}
			r.Wake(j.ID)
			deadline := time.Now().Add(20 * time.Second)
			for {
				got, err := s.Import(ctx, a, j.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Status == steward.ImportSucceeded {
					if got.Created != 2 {
						t.Fatalf("job %+v", got)
					}
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("the runner left the job %s", got.Status)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}
