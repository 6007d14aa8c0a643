package ui

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

//go:embed templates/*.html
var templateFS embed.FS

// templates holds the shared set (layout and fragments, files starting with "_") and, per page,
// a clone of it with the page's own "main".
type templates struct {
	base  *template.Template
	pages map[string]*template.Template
}

var funcs = template.FuncMap{
	"static":       func(name string) string { return assets().url(name) },
	"num":          formatNum,
	"customerType": func(t steward.CustomerType) string { return customerTypeLabel(t) },
	"rfc3339":      func(t steward.Timestamp) string { return t.UTC().Format(time.RFC3339) },
	"utc":          func(t steward.Timestamp) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"fieldErr":     fieldErrors,
	"initials":     initials,
	"change":       changeValue,
	"label":        fieldLabel,
	"deref": func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	},
	"contactKind": contactKindLabel,
	"actionPast":  actionPast,
	"objectURL":   objectURL,
	"role":        roleLabel,
	"visibility":  visibilityLabel,
	"rfc3339p":    func(t *steward.Timestamp) string { return t.UTC().Format(time.RFC3339) },
	"utcp":        func(t *steward.Timestamp) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"objectType":  objectTypeLabel,
	"openLink":    func(url, name string) map[string]string { return map[string]string{"URL": url, "Name": name} },
	"fnum":        func(x *float64) string { return fmtNum(x) },
	"inum":        func(x *int) string { return fmtNum(x) },
	"picker": func(p pickerView, errs []steward.FieldError) pickerView {
		p.Error = fieldErrors(errs, p.Name)
		return p
	},
	"selectField": func(name, label string, opts []option, errs []steward.FieldError) selectView {
		return selectView{Name: name, Label: label, Options: opts, Error: fieldErrors(errs, name)}
	},
	"events": eventList,
	"secretBox": func(title, secret string) map[string]string {
		return map[string]string{"Title": title, "Secret": secret}
	},
	"field": func(name, label, value, typ string, required bool, errs []steward.FieldError) fieldView {
		return fieldView{Name: name, Label: label, Value: value, Type: typ, Required: required,
			Error: fieldErrors(errs, name)}
	},
}

// selectView is one select of a form with its error.
type selectView struct {
	Name, Label, Error string
	Options            []option
}

// fieldView is one input of a form with its error.
type fieldView struct {
	Name, Label, Value, Type, Error string
	Required                        bool
}

func fieldErrors(fields []steward.FieldError, name string) string {
	var msgs []string
	for _, f := range fields {
		if f.Field == name {
			msgs = append(msgs, f.Message)
		}
	}
	return strings.Join(msgs, "; ")
}

// parsedTemplates are the templates, parsed once (executing them concurrently is safe).
var parsedTemplates = sync.OnceValue(mustParseTemplates)

func mustParseTemplates() *templates {
	base := template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/_*.html"))
	t := &templates{base: base, pages: map[string]*template.Template{}}
	files, err := fs.Glob(templateFS, "templates/page_*.html")
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/page_"), ".html")
		t.pages[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, f))
	}
	return t
}

// pageView is what the layout shows around a page's main content.
type pageView struct {
	Title     string
	Nav       string // the active navigation entry
	User      string
	Role      steward.Role
	Account   string
	SignedIn  bool
	RequestID string
	Nav_      []navItem   // the bar's items the caller may open
	Settings  []navItem   // the Settings menu's
	Switch    *switchView // the Admin's account switcher; nil for others
	Body      any
}

type navItem struct {
	Key, Label, Path string
	Perm             steward.Permission // shown to those the policy allows it
	Settings         bool               // in the header's Settings menu, not on its bar
}

// navigation is the header's menu, in order: the fleet's pages on the bar, the account's
// administration (who may sign in and with what, integrations, the account tree) in Settings.
var navigation = []navItem{
	{"customers", "Customers", "/customers", steward.PermRead, false},
	{"assets", "Assets", "/assets", steward.PermRead, false},
	{"locations", "Locations", "/locations", steward.PermRead, false},
	{"groups", "Groups", "/groups", steward.PermRead, false},
	{"imports", "Import", "/imports", steward.PermWriteFleet, false},
	{"audit", "Audit log", "/audit", steward.PermReadAuditFull, false},
	{"users", "Users", "/users", steward.PermReadAccess, true},
	{"accounts", "Accounts", "/accounts", steward.PermAdminister, true},
	{"api-keys", "API keys", "/api-keys", steward.PermAdminister, true},
	{"webhooks", "Webhooks", "/webhooks", steward.PermAdminister, true},
	{"mail", "Mail", "/mail", steward.PermAdminister, true},
}

// InSettings reports whether the page shown is one of the Settings menu's.
func (v pageView) InSettings() bool {
	for _, n := range v.Settings {
		if n.Key == v.Nav {
			return true
		}
	}
	return false
}

// page renders a full page: the layout with the page's main template.
func (u *UI) page(w http.ResponseWriter, r *http.Request, status int, name, title, nav string, body any) {
	v := pageView{Title: title, Nav: nav, Body: body, RequestID: requestID(w)}
	if a, ok := r.Context().Value(actorKey).(*steward.Actor); ok {
		v.SignedIn, v.User, v.Role = true, a.Name, a.Role
		for _, n := range navigation {
			switch {
			case !a.Can(n.Perm):
			case n.Settings:
				v.Settings = append(v.Settings, n)
			default:
				v.Nav_ = append(v.Nav_, n)
			}
		}
		if acc, err := u.svc.Account(r.Context(), a); err == nil {
			v.Account = acc.Name
			v.Switch = u.switcher(r, a, acc.Name)
		}
	}
	t := u.pages.pages[name]
	if t == nil {
		panic("ui: no page " + name)
	}
	u.write(w, r, status, t, "layout", v)
}

// render renders one fragment of the shared set (for htmx swaps).
func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	u.write(w, r, status, u.pages.base, name, data)
}

func (u *UI) write(w http.ResponseWriter, r *http.Request, status int, t *template.Template, name string, data any) {
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		u.log.Error("ui: template", "template", name, "err", err, "request_id", requestID(w))
		http.Error(w, "internal error (request id "+requestID(w)+")", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Add("Vary", "Accept-Encoding")
	body := b.Bytes()
	// Pages and fragments are gzipped for browsers that accept it: a list page's 50-65 KB of
	// HTML is 4-7 KB gzipped. Only the answers to GET and HEAD: a POST's answer can hold a
	// secret (a new API key's) next to what the request sent, which compression must not mix.
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && len(body) >= gzipMin && acceptsGzip(r) {
		var z bytes.Buffer
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(&z)
		_, _ = zw.Write(body)
		_ = zw.Close()
		gzipWriters.Put(zw)
		body = z.Bytes()
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// gzipMin is the smallest page or fragment worth gzipping.
const gzipMin = 1024

var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// formatNum writes an integer with thin thousands separators: 12 345.
func formatNum(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

var customerTypeLabels = map[steward.CustomerType]string{
	steward.CustomerContractor: "Contractor", steward.CustomerDealer: "Dealer",
	steward.CustomerDistributor: "Distributor", steward.CustomerOEM: "OEM", steward.CustomerRental: "Rental",
	steward.CustomerServiceProvider: "Service provider", steward.CustomerEndUser: "End user",
	steward.CustomerOther: "Other",
}

func customerTypeLabel(t steward.CustomerType) string {
	if l, ok := customerTypeLabels[t]; ok {
		return l
	}
	return string(t)
}

// initials are the avatar's letters: the first letters of the first two words.
func initials(name string) string {
	var out []rune
	for _, w := range strings.Fields(name) {
		for _, r := range w {
			out = append(out, r)
			break
		}
		if len(out) == 2 {
			break
		}
	}
	return strings.ToUpper(string(out))
}

// changeValue shows one side of an audit change: the referenced object's name when known.
func changeValue(v any, label *string) string {
	if label != nil {
		return *label
	}
	switch x := v.(type) {
	case nil:
		return "—"
	case string:
		if x == "" {
			return "—"
		}
		return x
	default:
		return fmt.Sprint(x)
	}
}

// fieldLabel turns a field name (external_ref, address.city) into words.
func fieldLabel(f string) string {
	f = strings.NewReplacer("_id", "", "_", " ", ".", " ").Replace(f)
	if f == "" {
		return f
	}
	return strings.ToUpper(f[:1]) + f[1:]
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// actionPast is an audit action in the past tense: "archive" → "archived".
func actionPast(action string) string {
	if strings.HasSuffix(action, "e") {
		return action + "d"
	}
	return action + "ed"
}

// objectTypeLabel is an audit object type in words.
func objectTypeLabel(t string) string {
	if t == steward.ObjectAPIKey {
		return "API key"
	}
	return strings.ReplaceAll(t, "_", " ")
}
