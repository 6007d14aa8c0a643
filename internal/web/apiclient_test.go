package web

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// envUpdateAPIClient makes TestGeneratedClientIsFresh rewrite apiclient/client.gen.go.
const envUpdateAPIClient = "STEWARD_UPDATE_APICLIENT"

// The committed generated client is what oapi-codegen (the version go.mod pins as a tool)
// generates from the served document today, so the client the API tests drive is the one an
// integrator would get.
func TestGeneratedClientIsFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the code generator")
	}
	fs := newFakeServer(t, Options{})
	rec := fs.do("GET", "/api/v1/openapi.json", "", "Authorization", "")
	if rec.Code != 200 {
		t.Fatalf("openapi.json: %d", rec.Code)
	}
	dir := t.TempDir()
	doc, out := filepath.Join(dir, "openapi.json"), filepath.Join(dir, "client.gen.go")
	if err := os.WriteFile(doc, rec.Body.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "tool", "oapi-codegen", "-config", "oapi-codegen.yaml", "-o", out, doc)
	cmd.Dir = "apiclient"
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	committed := filepath.Join("apiclient", "client.gen.go")
	if os.Getenv(envUpdateAPIClient) != "" {
		if err := os.WriteFile(committed, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(committed)
	if err != nil {
		t.Fatalf("%v (run go generate ./internal/web/apiclient)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: the served OpenAPI document generates another client; run go generate ./internal/web/apiclient", committed)
	}
}
