package web

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

// endlessAssets lists pages of assets without end: an export that never finishes on its own.
type endlessAssets struct {
	*fakeService
	pages atomic.Int64
	ctxs  chan context.Context // the context of each page read, for the test to watch
}

func (e *endlessAssets) Assets(ctx context.Context, a *steward.Actor, f steward.AssetFilter) (*steward.Page[steward.Asset], error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := e.pages.Add(1)
	select {
	case e.ctxs <- ctx:
	default:
	}
	page := &steward.Page[steward.Asset]{Data: make([]steward.Asset, f.Limit)}
	for i := range page.Data {
		page.Data[i] = steward.Asset{ID: fmt.Sprintf("a-%d-%d", n, i), AssetFields: steward.AssetFields{Name: strings.Repeat("n", 200)}}
	}
	next := fmt.Sprint(n)
	page.NextCursor = &next
	return page, nil
}

func TestStalledListExportReaderIsCutOff(t *testing.T) {
	svc := &endlessAssets{fakeService: newFakeService(), ctxs: make(chan context.Context, 1)}
	s := New(svc, nil, Options{StreamWriteTimeout: 300 * time.Millisecond})
	hs := s.HTTPServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(ln)
	defer hs.Close()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4096)
	}
	fmt.Fprintf(conn, "GET /api/v1/exports/assets.csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", fakeAdminKey)
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(line, "200") {
		t.Fatalf("status line %q %v", line, err)
	}
	// Stop reading: the handler must give up and its page reads end with the request.
	ctx := <-svc.ctxs
	select {
	case <-ctx.Done():
		t.Logf("a stalled reader of an export was cut off after %d pages", svc.pages.Load())
	case <-time.After(20 * time.Second):
		t.Fatalf("the export to a stalled reader still runs after 20 s (%d pages)", svc.pages.Load())
	}
	before := svc.pages.Load()
	time.Sleep(200 * time.Millisecond)
	if after := svc.pages.Load(); after > before+1 {
		t.Errorf("pages are still read after the export ended: %d, then %d", before, after)
	}
}

func TestListExportHeadReadsOneRow(t *testing.T) {
	svc := &endlessAssets{fakeService: newFakeService(), ctxs: make(chan context.Context, 1)}
	s := New(svc, nil, Options{})
	req := httptest.NewRequest("HEAD", "/api/v1/exports/assets.csv", nil)
	req.Header.Set("Authorization", "Bearer "+fakeAdminKey)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "text/csv; charset=utf-8" || svc.pages.Load() != 1 {
		t.Errorf("HEAD: %d, %d bytes, %q, %d pages read", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Type"), svc.pages.Load())
	}
}
