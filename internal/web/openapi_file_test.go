package web

import (
	"os"
	"testing"
)

// EnvOpenAPIOut names a file TestWriteOpenAPIDocument writes the served OpenAPI document to,
// so CI can lint it with a standard OpenAPI linter.
const EnvOpenAPIOut = "STEWARD_OPENAPI_OUT"

// TestWriteOpenAPIDocument writes the document the server serves to $STEWARD_OPENAPI_OUT.
func TestWriteOpenAPIDocument(t *testing.T) {
	out := os.Getenv(EnvOpenAPIOut)
	if out == "" {
		t.Skipf("set %s to a file name to write the OpenAPI document there", EnvOpenAPIOut)
	}
	fs := newFakeServer(t, Options{})
	rec := fs.do("GET", "/api/v1/openapi.json", "", "Authorization", "")
	if rec.Code != 200 {
		t.Fatalf("openapi.json: %d", rec.Code)
	}
	if err := os.WriteFile(out, rec.Body.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
