package store

import "testing"

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
