package store

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// fold returns s as search and sort keys hold it: compatibility-decomposed (NFKD, so the "ﬁ"
// ligature is "fi" and full-width "ＡＢ" is "ab"), accents and other combining marks removed,
// invisible format characters removed, lower case, with ß, æ, ø, ł and friends spelled out so
// "mull" finds "Müller" and "orsted" finds "Ørsted". The same Go function folds stored text and
// query terms, so both engines agree exactly.
func fold(s string) string {
	switch ascii, lower := asciiCase(s); {
	case ascii && lower:
		return s
	case ascii:
		// ASCII has nothing to decompose, drop or spell out: folding it is lower-casing it.
		return strings.ToLower(s)
	}
	return foldUnicode(s)
}

// foldUnicode is fold's general path, for text beyond ASCII.
func foldUnicode(s string) string {
	t := transform.Chain(norm.NFKD, runes.Remove(runes.Predicate(foldDropped)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return foldSpecial.Replace(strings.ToLower(out))
}

// foldDropped is what folding removes: combining marks (accents) and format characters
// (zero-width and bidirectional controls), which never distinguish two names.
func foldDropped(r rune) bool { return unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Cf, r) }

// foldSpecial spells out letters that carry no combining mark to strip.
var foldSpecial = strings.NewReplacer("ß", "ss", "æ", "ae", "ø", "o", "œ", "oe", "ł", "l", "đ", "d", "ð", "d", "þ", "th", "ı", "i")

// asciiCase reports whether s is all ASCII, and whether it holds no upper-case letter.
func asciiCase(s string) (ascii, lower bool) {
	lower = true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return false, false
		}
		if c >= 'A' && c <= 'Z' {
			lower = false
		}
	}
	return true, lower
}

// searchText joins the searchable fields of an object into its folded search column. Fields are
// separated by a newline, which no query contains, so no match spans two fields.
func searchText(fields ...string) string {
	var b strings.Builder
	for _, f := range fields {
		if f == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(fold(f))
	}
	return b.String()
}
