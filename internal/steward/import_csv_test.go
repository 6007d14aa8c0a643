package steward

import (
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

func readAll(t *testing.T, file string) (comma rune, rows [][]string, errs []ImportRowError) {
	t.Helper()
	r, err := NewImportReader(strings.NewReader(file))
	if err != nil {
		t.Fatalf("NewImportReader: %v", err)
	}
	for {
		_, rec, err := r.Read()
		if err == io.EOF {
			break
		}
		var re *ImportRowError
		if errors.As(err, &re) {
			errs = append(errs, *re)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, append([]string(nil), rec...))
	}
	return r.Comma(), rows, errs
}

func TestImportReader(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		comma      rune
		rows       int
		last       string
	}{
		{"comma", "name,city\nA,B\n", ',', 2, "B"},
		{"bom and semicolons", "\ufeffname;city\r\nA;\"B;C\"\r\n", ';', 2, "B;C"},
		{"quoted newline", "name;notes\nA;\"x\ny\"\n", ';', 2, "x\ny"},
		{"commas in quotes do not count", "\"a;b;c\",d,e\n", ',', 1, "e"},
		{"semicolons win", "a;b;c,d\n", ';', 1, "c,d"},
		{"no final newline", "name\nA", ',', 2, "A"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			comma, rows, errs := readAll(t, tc.file)
			if comma != tc.comma || len(rows) != tc.rows || len(errs) != 0 {
				t.Fatalf("comma %q rows %q errs %v", comma, rows, errs)
			}
			last := rows[len(rows)-1]
			if last[len(last)-1] != tc.last {
				t.Fatalf("last cell %q; want %q", last[len(last)-1], tc.last)
			}
			if strings.HasPrefix(rows[0][0], "\ufeff") {
				t.Fatalf("the byte order mark is part of the first cell")
			}
		})
	}
	if _, err := NewImportReader(strings.NewReader("\xff\xfen\x00")); err == nil || !strings.Contains(err.Error(), "UTF-16") {
		t.Fatalf("UTF-16: %v", err)
	}
	// An unclosed quote swallowing the rest of a large file stops the reading at its row, in
	// bounded memory.
	r, err := NewImportReader(io.MultiReader(strings.NewReader("name,notes\nA,ok\nB,\"never closed\n"),
		strings.NewReader(strings.Repeat("x,y\n", 1<<20))))
	if err != nil {
		t.Fatal(err)
	}
	var fe *ImportFileError
	for i := 0; i < 5; i++ {
		if _, _, err = r.Read(); err != nil {
			break
		}
	}
	if !errors.As(err, &fe) || fe.Row != 3 {
		t.Fatalf("huge record: %v", err)
	}
	// A broken quote is an error of its row; reading goes on.
	_, rows, errs := readAll(t, "name\n\"A\"x\nB\n")
	if len(errs) != 1 || errs[0].Row != 2 || len(rows) != 2 {
		t.Fatalf("rows %q errs %+v", rows, errs)
	}
}

func TestImportCell(t *testing.T) {
	for in, want := range map[string]string{"'=1": "=1", "'+1": "+1", "'-1": "-1", "'@x": "@x", "'\tx": "\tx", "'\rx": "\rx",
		"'abc": "'abc", "'": "'", "": "", "it's": "it's"} {
		if got := ImportCell(in); got != want {
			t.Errorf("ImportCell(%q) = %q; want %q", in, got, want)
		}
		// The export's neutralising and the import's stripping are inverses.
		if got := ImportCell(csvCell(want)); got != want && in != "'abc" && in != "'" && in != "it's" {
			t.Errorf("round trip of %q: %q", want, got)
		}
	}
}

func TestImportHeader(t *testing.T) {
	h, errs := ParseImportHeader(ImportAssets, []string{" Name ", "Serial-No", "OWNER", "location name", "created_at"})
	if len(errs) != 0 {
		t.Fatalf("errors %+v", errs)
	}
	for _, c := range []string{"name", "serial_number", "owner_customer_id", "location_id"} {
		if !h.Has(c) {
			t.Errorf("header lacks %s", c)
		}
	}
	_, errs = ParseImportHeader(ImportCustomers, []string{"name", "Name", "colour", ""})
	if len(errs) != 3 || errs[0].Column != "name" || errs[1].Column != "colour" {
		t.Fatalf("errors %+v", errs)
	}
	// Every template's header reads back as its columns.
	for _, k := range ImportKind("").Values() {
		if _, errs := ParseImportHeader(k, ImportTemplate(k)); len(errs) != 0 {
			t.Errorf("%s template: %+v", k, errs)
		}
	}
}

func TestImportRecordFields(t *testing.T) {
	h, _ := ParseImportHeader(ImportLocations, []string{"name", "latitude", "longitude", "radius_m", "city"})
	r, errs := h.Record(2, []string{"Yard", "52,5", "x", "1.5", "'=Berlin"})
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	var f LocationFields
	errs = r.ApplyLocation(&f)
	if len(errs) != 2 || errs[0].Column != "longitude" || errs[1].Column != "radius_m" {
		t.Fatalf("errors %+v", errs)
	}
	if f.Latitude == nil || *f.Latitude != 52.5 || f.Address.City != "=Berlin" {
		t.Fatalf("fields %+v", f)
	}
	if _, errs := h.Record(3, []string{"a", "b"}); len(errs) != 1 || errs[0].Row != 3 {
		t.Fatalf("short row: %+v", errs)
	}
	if _, errs := h.Record(4, []string{"Y\xffard", "", "", "", ""}); len(errs) != 1 || errs[0].Column != "name" {
		t.Fatalf("invalid UTF-8: %+v", errs)
	}
	_ = utf8.RuneError
}
