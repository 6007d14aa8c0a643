package steward

import (
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzImportReader feeds any bytes to the import's CSV reader: it never panics, rows count up,
// and every error names a row.
func FuzzImportReader(f *testing.F) {
	for _, s := range []string{"name,city\nA,B\n", "\ufeffa;b\r\n\"x\ny\";z\n", "\xff\xfe", "\"", "a,\"b\nc", "a;b,c\n\"\"\"\n",
		strings.Repeat(";", 5000) + "\n1"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewImportReader(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		if c := r.Comma(); c != ',' && c != ';' {
			t.Fatalf("comma %q", c)
		}
		last := int64(0)
		for i := 0; i < 10000; i++ {
			row, _, err := r.Read()
			if err == io.EOF {
				return
			}
			if row != last+1 {
				t.Fatalf("row %d after %d", row, last)
			}
			last = row
			var re *ImportRowError
			var fe *ImportFileError
			if errors.As(err, &fe) {
				return
			}
			if err != nil && (!errors.As(err, &re) || re.Row != row || re.Message == "") {
				t.Fatalf("error %v of row %d", err, row)
			}
		}
	})
}

// FuzzImportRow parses a header and one row of each kind into fields: no panic, each error names
// the row and (when it names one) a column of the kind, and cells that pass are valid UTF-8.
func FuzzImportRow(f *testing.F) {
	f.Add("name,external_ref,year,latitude", "A,'=R,2020,52.1")
	f.Add("Name;Serial No;owner", "x;\xff;y")
	f.Add("id,customer_id,kind", "1,,department")
	f.Fuzz(func(t *testing.T, header, row string) {
		hr, err := NewImportReader(strings.NewReader(header + "\n" + row + "\n"))
		if err != nil {
			return
		}
		_, hrec, err := hr.Read()
		if err != nil {
			return
		}
		hcells := append([]string(nil), hrec...)
		_, rec, err := hr.Read()
		if err != nil {
			return
		}
		for _, kind := range ImportKind("").Values() {
			h, errs := ParseImportHeader(kind, hcells)
			if len(errs) > 0 {
				for _, e := range errs {
					if e.Row != 1 {
						t.Fatalf("header error %+v", e)
					}
				}
				continue
			}
			r, errs := h.Record(2, rec)
			if r == nil {
				continue
			}
			for _, c := range r.Cells {
				if !utf8.ValidString(c) {
					t.Fatalf("cell %q passed", c)
				}
			}
			var all []ImportRowError
			all = append(all, errs...)
			switch kind {
			case ImportCustomers:
				var f CustomerFields
				all = append(all, r.ApplyCustomer(&f)...)
				all = append(all, ImportRowErrors(2, f.Normalize())...)
			case ImportContacts:
				var f ContactFields
				all = append(all, r.ApplyContact(&f)...)
				_ = f.Normalize()
			case ImportLocations:
				var f LocationFields
				all = append(all, r.ApplyLocation(&f)...)
				_ = f.Normalize()
			case ImportAssets:
				var f AssetFields
				all = append(all, r.ApplyAsset(&f)...)
				_ = f.Normalize()
			}
			for _, e := range all {
				if e.Row != 2 || e.Message == "" {
					t.Fatalf("error %+v", e)
				}
			}
		}
	})
}
