package steward

import "testing"

func TestCSVCell(t *testing.T) {
	for _, s := range []string{"=1", "+1", "-1", "@a", "\tx", "\rx"} {
		if csvCell(s) != "'"+s {
			t.Errorf("csvCell(%q) = %q", s, csvCell(s))
		}
	}
	for _, s := range []string{"", "a=1", "1", "'x", " =1"} {
		if csvCell(s) != s {
			t.Errorf("csvCell(%q) = %q", s, csvCell(s))
		}
	}
}
