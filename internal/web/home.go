package web

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
)

// homeStyle is the page's only style, inline; its hash is what the page's policy allows.
const homeStyle = `body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f}` +
	`code{font-size:.95em}a{color:#0b57d0}`

// homePage says what this server is when it serves no web interface (Options.UI unset): where
// the API's description, its documentation and the health check are. It loads nothing.
var homePage = []byte(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Steward</title>
<style>` + homeStyle + `</style>
</head>
<body>
<h1>Steward</h1>
<p>This is a Steward server: the register of an equipment fleet, its customers, locations and
every change. It answers a JSON API; no web interface is served here.</p>
<ul>
<li><a href="/api/v1/openapi.json">/api/v1/openapi.json</a>: the API's OpenAPI 3.1 description</li>
<li>the API documentation: <code>docs/API.md</code> in Steward's source</li>
<li><a href="/healthz">/healthz</a>: the health check</li>
</ul>
<p>Call the API with <code>Authorization: Bearer &lt;api key&gt;</code>; <code>steward apikey create</code> makes a key.</p>
</body>
</html>
`)

// homeCSP allows the page exactly its one inline style and nothing else.
var homeCSP = func() string {
	sum := sha256.Sum256([]byte(homeStyle))
	return strings.Join([]string{
		"default-src 'none'",
		"style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}()

// home answers GET / (no authentication) with the page above.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	infoOf(r.Context()).route = "GET /{$}"
	if err := s.limitAnonymous(w, r); err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", homeCSP)
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(homePage)
	}
}
