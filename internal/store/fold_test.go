package store

import (
	"strings"
	"testing"
	"unicode"

	"github.com/steward-fleet/steward/internal/steward"
)

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Müller":           "muller",
		"Ørsted":           "orsted",
		"Straße":           "strasse",
		"ﬁlter":            "filter",
		"ＡＢ Ｋöln":          "ab koln",
		"대한건설 有限公司":        "대한건설 有限公司",
		"e\u0301":          "e",
		"\u0301":           "",
		"a\u200bb":         "ab",
		"Škoda":            "skoda",
		"plain lower text": "plain lower text",
	} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSearchTerm: whatever a client sends as q, searchTerm either refuses it (422 on q) or
// returns a non-empty folded term that folds to itself, holds no control, format or combining
// character, and is accepted again as it is.
func FuzzSearchTerm(f *testing.F) {
	for _, s := range []string{"Müller", "ﬁ", "건설", "\u0301", " a ", "AB", "x\x00y", "\xff", "ＡＢ", "a\u200bb", "ß", "İstanbul"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		term, err := searchTerm(q)
		if err != nil {
			if steward.ErrorCode(err) != steward.EINVALID {
				t.Fatalf("searchTerm(%q): %v", q, err)
			}
			return
		}
		if strings.TrimSpace(q) == "" {
			if term != "" {
				t.Fatalf("searchTerm(%q) = %q, want none", q, term)
			}
			return
		}
		if term == "" || fold(term) != term {
			t.Fatalf("searchTerm(%q) = %q, which folds to %q", q, term, fold(term))
		}
		for _, r := range term {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Mn, r) {
				t.Fatalf("searchTerm(%q) = %q holds %U", q, term, r)
			}
		}
		if again, err := searchTerm(term); err != nil || again != term {
			t.Fatalf("searchTerm(%q) = %q, %v; again: %q", q, term, err, again)
		}
	})
}

// FuzzFoldASCII: fold's ASCII fast path answers what the general path does.
func FuzzFoldASCII(f *testing.F) {
	for _, s := range []string{"Wheel loader HYU 204G #1", "CRM-0000001", "info@ahin-s-r-l.example", "A\x00Z\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := []byte(s)
		for i := range b {
			b[i] &= 0x7f
		}
		s = string(b)
		if got, want := fold(s), foldUnicode(s); got != want {
			t.Fatalf("fold(%q) = %q, the general path %q", s, got, want)
		}
	})
}
