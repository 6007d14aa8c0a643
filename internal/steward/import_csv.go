package steward

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ImportReader reads an import file record by record: UTF-8 with or without a byte order mark,
// comma- or semicolon-separated (whichever the header line holds more of, outside quotes),
// quoted fields spanning lines. It holds one record at a time, so a file of any length reads in
// flat memory.
type ImportReader struct {
	r   *csv.Reader
	lim *recordLimit
	row int64 // the number of the last record read; the header is 1
}

// MaxImportRecord bounds one record (a row, its quoted line breaks included), in bytes: the
// reader holds a record whole, so one huge cell must not take the memory of the file.
const MaxImportRecord = 1 << 20

// ImportFileError is a problem that stops the reading of a file (a record past
// MaxImportRecord): the job fails.
type ImportFileError struct{ ImportRowError }

// recordLimit counts the bytes read from the file, and refuses to read on while one record
// has taken more than max since it started (start is set by Read, from csv's offset).
type recordLimit struct {
	r          io.Reader
	n, start   int64
	max, slack int64
}

var errRecordTooLong = errors.New("record too long")

func (l *recordLimit) Read(p []byte) (int, error) {
	if l.n-l.start > l.max+l.slack {
		return 0, errRecordTooLong
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}

// MaxImportLine bounds the header line the delimiter is detected from.
const MaxImportLine = 1 << 20

var errUTF16 = errors.New("the file is UTF-16; save it as UTF-8 (CSV UTF-8 in spreadsheet programs)")

// NewImportReader detects the file's encoding marks and delimiter from its first line.
func NewImportReader(r io.Reader) (*ImportReader, error) {
	// The slack covers what the buffers below read ahead of the record.
	lim := &recordLimit{r: r, max: MaxImportRecord, slack: 256 << 10}
	br := bufio.NewReaderSize(lim, 64<<10)
	head, err := br.Peek(4)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, errUTF16
	}
	comma := ','
	// The header line decides: peek up to its end (or what fits).
	for n := 4096; ; n *= 2 {
		if n > MaxImportLine {
			n = MaxImportLine
		}
		line, err := br.Peek(n)
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
		} else if err == nil && n < MaxImportLine {
			continue
		}
		comma = detectComma(line)
		break
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	lim.start = 3 // at most a byte order mark read before the first record
	return &ImportReader{r: cr, lim: lim}, nil
}

// detectComma counts commas and semicolons outside quotes.
func detectComma(line []byte) rune {
	commas, semis, quoted := 0, 0, false
	for _, c := range line {
		switch c {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				commas++
			}
		case ';':
			if !quoted {
				semis++
			}
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}

// Comma is the delimiter the reader detected.
func (r *ImportReader) Comma() rune { return r.r.Comma }

// Read returns the next record and its row number; io.EOF at the end. A record the CSV syntax
// refuses is an error naming its row: the reader goes on with the next line. The record is
// reused by the next call.
func (r *ImportReader) Read() (row int64, rec []string, err error) {
	r.lim.start = r.r.InputOffset()
	rec, err = r.r.Read()
	if err == io.EOF {
		return r.row + 1, nil, io.EOF
	}
	r.row++
	if errors.Is(err, errRecordTooLong) {
		return r.row, nil, &ImportFileError{ImportRowError{Row: r.row,
			Message: fmt.Sprintf("is longer than %d MiB (an unclosed quote?); reading stopped here", MaxImportRecord>>20)}}
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return r.row, nil, &ImportRowError{Row: r.row, Message: "not valid CSV: " + pe.Err.Error()}
		}
		return r.row, nil, err
	}
	return r.row, rec, nil
}

func (e *ImportRowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("row %d: %s", e.Row, e.Message)
	}
	return fmt.Sprintf("row %d, %s: %s", e.Row, e.Column, e.Message)
}

// ImportCell undoes the export's formula neutralising: a leading "'" before = + - @, a tab or a
// carriage return is dropped (steward.csvCell adds it).
func ImportCell(s string) string {
	if len(s) >= 2 && s[0] == '\'' && strings.IndexByte("=+-@\t\r", s[1]) >= 0 {
		return s[1:]
	}
	return s
}

// ImportColumn is one column an import of some kind takes: its API field name, the other
// header names it answers to, and whether it is a reference (resolved by the store: an id, an
// external reference or an exact name).
type ImportColumn struct {
	Name    string
	Aliases []string
	Ref     bool
	// ReadOnly columns are written by the export and ignored by the import.
	ReadOnly bool
}

// ImportHeader maps a file's columns to a kind's.
type ImportHeader struct {
	Kind ImportKind
	// Index[i] is the file's column of the kind's column i, or -1 when the file has none.
	Index []int
	// Width is the file's number of columns.
	Width int
}

// headerKey is how header names compare: case-insensitive, spaces and hyphens as underscores.
func headerKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		return r
	}, s)
}

// ParseImportHeader reads a file's header row for kind: each name a column's name or alias,
// case-insensitive; an unknown or repeated column is an error of row 1. No column is required:
// a row that creates an object needs what its create needs (a name), an update only its keys.
func ParseImportHeader(kind ImportKind, rec []string) (*ImportHeader, []ImportRowError) {
	cols := ImportColumns(kind)
	h := &ImportHeader{Kind: kind, Index: make([]int, len(cols)), Width: len(rec)}
	for i := range h.Index {
		h.Index[i] = -1
	}
	var errs []ImportRowError
	if len(rec) > MaxImportColumns {
		return nil, []ImportRowError{{Row: 1, Message: fmt.Sprintf("has %d columns; at most %d", len(rec), MaxImportColumns)}}
	}
	for j, raw := range rec {
		if !utf8.ValidString(raw) {
			return nil, []ImportRowError{{Row: 1, Message: "is not valid UTF-8: save the file as UTF-8 (CSV UTF-8 in spreadsheet programs)"}}
		}
		name := headerKey(raw)
		if j == 0 {
			name = strings.TrimPrefix(name, "\ufeff")
		}
		found := -1
		for i, c := range cols {
			if name == c.Name || contains(c.Aliases, name) {
				found = i
				break
			}
		}
		switch {
		case name == "":
			errs = append(errs, ImportRowError{Row: 1, Message: fmt.Sprintf("column %d has no name", j+1)})
		case found < 0:
			errs = append(errs, ImportRowError{Row: 1, Column: clip(raw, 64),
				Message: "is not a column of " + string(kind) + " imports; the template lists them"})
		case h.Index[found] >= 0:
			errs = append(errs, ImportRowError{Row: 1, Column: cols[found].Name, Message: "appears twice in the header"})
		default:
			h.Index[found] = j
		}
	}
	return h, errs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Has reports whether the file has the kind's column name.
func (h *ImportHeader) Has(name string) bool {
	for i, c := range ImportColumns(h.Kind) {
		if c.Name == name {
			return h.Index[i] >= 0
		}
	}
	return false
}

// ImportRecord is one data row read through a header: the cells of the kind's columns.
type ImportRecord struct {
	Row int64
	h   *ImportHeader
	// Cells[i] is the kind's column i's cell ("" when the file has no such column).
	Cells []string
}

// Record checks one data row (its width, its encoding) and returns its cells, formula marks
// undone. Cells are copied: the record outlives the reader's buffer.
func (h *ImportHeader) Record(row int64, rec []string) (*ImportRecord, []ImportRowError) {
	if len(rec) != h.Width && !(len(rec) == 1 && rec[0] == "") {
		return nil, []ImportRowError{{Row: row, Message: fmt.Sprintf("has %d cells; the header has %d", len(rec), h.Width)}}
	}
	cols := ImportColumns(h.Kind)
	r := &ImportRecord{Row: row, h: h, Cells: make([]string, len(cols))}
	var errs []ImportRowError
	for i, j := range h.Index {
		if j < 0 || j >= len(rec) {
			continue
		}
		if !utf8.ValidString(rec[j]) {
			errs = append(errs, ImportRowError{Row: row, Column: cols[i].Name,
				Message: "is not valid UTF-8: save the file as UTF-8 (CSV UTF-8 in spreadsheet programs)"})
			continue
		}
		r.Cells[i] = strings.Clone(ImportCell(rec[j]))
	}
	return r, errs
}

// Blank reports whether the row has no cell with text (a blank line is skipped).
func (r *ImportRecord) Blank() bool {
	for _, c := range r.Cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// Cell is the row's cell of the kind's column name and whether the file has that column.
func (r *ImportRecord) Cell(name string) (string, bool) {
	for i, c := range ImportColumns(r.h.Kind) {
		if c.Name == name {
			return r.Cells[i], r.h.Index[i] >= 0
		}
	}
	return "", false
}

// The columns of each kind. The first is always id and the second, for contacts, customer_id;
// aliases are header keys (lower case, underscores).
var (
	addressImportColumns = []ImportColumn{
		{Name: "address.street", Aliases: []string{"street", "address", "street_address", "address_street"}},
		{Name: "address.postal_code", Aliases: []string{"postal_code", "postcode", "zip", "zip_code", "address_postal_code"}},
		{Name: "address.city", Aliases: []string{"city", "town", "address_city"}},
		{Name: "address.region", Aliases: []string{"region", "state", "province", "county", "address_region"}},
		{Name: "address.country", Aliases: []string{"country", "country_code", "address_country"}},
	}
	metaImportColumns = []ImportColumn{
		{Name: "created_at", ReadOnly: true}, {Name: "updated_at", ReadOnly: true}, {Name: "archived_at", ReadOnly: true},
	}
	customerRefAliases = []string{"customer", "customer_ref", "customer_external_ref", "customer_name"}

	importColumns = map[ImportKind][]ImportColumn{
		ImportCustomers: cat(
			[]ImportColumn{
				{Name: "id"},
				{Name: "name", Aliases: []string{"customer", "customer_name", "company", "company_name"}},
				{Name: "type", Aliases: []string{"customer_type"}},
				{Name: "external_ref", Aliases: []string{"external_reference", "ref", "reference", "customer_ref"}},
				{Name: "email", Aliases: []string{"e_mail", "mail"}},
				{Name: "phone", Aliases: []string{"telephone", "tel", "phone_number"}},
				{Name: "website", Aliases: []string{"web", "url", "homepage"}},
			},
			addressImportColumns,
			[]ImportColumn{
				{Name: "notes", Aliases: []string{"note", "comments"}},
				{Name: "location_count", ReadOnly: true}, {Name: "assets_on_location_count", ReadOnly: true},
				{Name: "assets_owned_count", ReadOnly: true}, {Name: "assets_owned_elsewhere_count", ReadOnly: true},
			},
			metaImportColumns),
		ImportContacts: cat(
			[]ImportColumn{
				{Name: "id"},
				{Name: "customer_id", Aliases: customerRefAliases, Ref: true},
				{Name: "name", Aliases: []string{"contact", "contact_name"}},
				{Name: "kind", Aliases: []string{"contact_kind"}},
				{Name: "email", Aliases: []string{"e_mail", "mail"}},
				{Name: "phone", Aliases: []string{"telephone", "tel", "phone_number"}},
				{Name: "title", Aliases: []string{"job_title", "position"}},
				{Name: "external_ref", Aliases: []string{"external_reference", "ref", "reference"}},
			},
			metaImportColumns),
		ImportLocations: cat(
			[]ImportColumn{
				{Name: "id"},
				{Name: "name", Aliases: []string{"location", "location_name", "site"}},
				{Name: "customer_id", Aliases: customerRefAliases, Ref: true},
				{Name: "external_ref", Aliases: []string{"external_reference", "ref", "reference"}},
			},
			addressImportColumns,
			[]ImportColumn{
				{Name: "latitude", Aliases: []string{"lat"}},
				{Name: "longitude", Aliases: []string{"lng", "lon", "long"}},
				{Name: "radius_m", Aliases: []string{"radius"}},
				{Name: "asset_count", ReadOnly: true},
			},
			metaImportColumns),
		ImportAssets: cat(
			[]ImportColumn{
				{Name: "id"},
				{Name: "name", Aliases: []string{"asset", "asset_name"}},
				{Name: "serial_number", Aliases: []string{"serial", "serial_no", "sn"}},
				{Name: "external_ref", Aliases: []string{"external_reference", "ref", "reference", "asset_ref"}},
				{Name: "make", Aliases: []string{"manufacturer", "brand"}},
				{Name: "model"},
				{Name: "category"},
				{Name: "year", Aliases: []string{"model_year", "year_of_manufacture"}},
				{Name: "owner_customer_id", Aliases: []string{"owner", "owner_customer", "owner_customer_ref", "owner_customer_name"}, Ref: true},
				{Name: "location_id", Aliases: []string{"location", "location_ref", "location_external_ref", "location_name"}, Ref: true},
				{Name: "owner_account_id", ReadOnly: true}, {Name: "location_customer_id", ReadOnly: true},
			},
			metaImportColumns),
	}
)

func cat(parts ...[]ImportColumn) []ImportColumn {
	var out []ImportColumn
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// ImportColumns lists the columns of kind's files, the template's header among them.
func ImportColumns(kind ImportKind) []ImportColumn { return importColumns[kind] }

// ImportTemplate is the header of kind's template: the columns an import writes, in the
// export's order.
func ImportTemplate(kind ImportKind) []string {
	var h []string
	for _, c := range importColumns[kind] {
		if !c.ReadOnly && c.Name != "id" {
			h = append(h, c.Name)
		}
	}
	return h
}

// An import's cells become fields through these, column by column: only the columns the file
// has are set, so a file without a column leaves that field of existing objects as it is, and
// an empty cell clears the field. Each returns the row's errors (field errors of the parse;
// validation is each kind's Normalize).

func rowErrs(row int64, err error) []ImportRowError {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		out := make([]ImportRowError, len(e.Fields))
		for i, f := range e.Fields {
			out[i] = ImportRowError{Row: row, Column: f.Field, Message: f.Message}
		}
		return out
	}
	if errors.As(err, &e) {
		return []ImportRowError{{Row: row, Message: e.Message}}
	}
	return []ImportRowError{{Row: row, Message: err.Error()}}
}

// ImportRowErrors turns a domain error about a row into the row's errors.
func ImportRowErrors(row int64, err error) []ImportRowError { return rowErrs(row, err) }

type cellSetter struct {
	r    *ImportRecord
	errs []ImportRowError
}

func (c *cellSetter) text(name string, dst *string) {
	if v, ok := c.r.Cell(name); ok {
		*dst = v
	}
}

func (c *cellSetter) int(name string, dst **int) {
	v, ok := c.r.Cell(name)
	if !ok {
		return
	}
	v = strings.TrimSpace(v)
	if v == "" {
		*dst = nil
		return
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		c.errs = append(c.errs, ImportRowError{Row: c.r.Row, Column: name, Message: "must be a whole number"})
		return
	}
	*dst = &n
}

func (c *cellSetter) float(name string, dst **float64) {
	v, ok := c.r.Cell(name)
	if !ok {
		return
	}
	v = strings.TrimSpace(v)
	if v == "" {
		*dst = nil
		return
	}
	// A decimal comma, as semicolon-separated files from many locales write it.
	n, err := strconv.ParseFloat(strings.Replace(v, ",", ".", 1), 64)
	if err != nil {
		c.errs = append(c.errs, ImportRowError{Row: c.r.Row, Column: name, Message: "must be a number"})
		return
	}
	*dst = &n
}

func (c *cellSetter) address(a *Address) {
	c.text("address.street", &a.Street)
	c.text("address.postal_code", &a.PostalCode)
	c.text("address.city", &a.City)
	c.text("address.region", &a.Region)
	c.text("address.country", &a.Country)
}

// ApplyCustomer sets f's fields from the row's cells.
func (r *ImportRecord) ApplyCustomer(f *CustomerFields) []ImportRowError {
	c := cellSetter{r: r}
	c.text("name", &f.Name)
	var t string
	if v, ok := r.Cell("type"); ok {
		t = strings.ToLower(strings.TrimSpace(v))
		f.Type = CustomerType(t)
	}
	c.text("external_ref", &f.ExternalRef)
	c.text("email", &f.Email)
	c.text("phone", &f.Phone)
	c.text("website", &f.Website)
	c.address(&f.Address)
	c.text("notes", &f.Notes)
	return c.errs
}

// ApplyContact sets f's fields from the row's cells (customer_id is the store's: a reference).
func (r *ImportRecord) ApplyContact(f *ContactFields) []ImportRowError {
	c := cellSetter{r: r}
	c.text("name", &f.Name)
	if v, ok := r.Cell("kind"); ok {
		f.Kind = ContactKind(strings.ToLower(strings.TrimSpace(v)))
	}
	c.text("email", &f.Email)
	c.text("phone", &f.Phone)
	c.text("title", &f.Title)
	c.text("external_ref", &f.ExternalRef)
	return c.errs
}

// ApplyLocation sets f's fields from the row's cells (customer_id is the store's).
func (r *ImportRecord) ApplyLocation(f *LocationFields) []ImportRowError {
	c := cellSetter{r: r}
	c.text("name", &f.Name)
	c.text("external_ref", &f.ExternalRef)
	c.address(&f.Address)
	c.float("latitude", &f.Latitude)
	c.float("longitude", &f.Longitude)
	c.int("radius_m", &f.RadiusM)
	return c.errs
}

// ApplyAsset sets f's fields from the row's cells (owner_customer_id and location_id are the
// store's).
func (r *ImportRecord) ApplyAsset(f *AssetFields) []ImportRowError {
	c := cellSetter{r: r}
	c.text("name", &f.Name)
	c.text("serial_number", &f.SerialNumber)
	c.text("external_ref", &f.ExternalRef)
	c.text("make", &f.Make)
	c.text("model", &f.Model)
	c.text("category", &f.Category)
	c.int("year", &f.Year)
	return c.errs
}
