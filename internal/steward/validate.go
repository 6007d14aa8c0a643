package steward

import (
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Field length limits, in characters.
const (
	MaxName  = 200
	MaxShort = 200
	MaxEmail = 254
	MaxPhone = 50
	MaxURL   = 2048
	MaxNotes = 10000
)

// More limits the validation enforces; the OpenAPI document states each of them.
const (
	MaxSerialNumber = 100    // an asset's serial number, in characters
	MaxPostalCode   = 20     // an address's postal code, in characters
	MaxLanguage     = 35     // an account's language tag (BCP 47), in characters
	MaxID           = 64     // a referenced id (customer_id, location_id…), in bytes
	MaxQuery        = 100    // a list's search term q, in characters
	MinYear         = 1900   // an asset's earliest year of manufacture
	MinRadiusM      = 1      // a location's radius, in metres
	MaxRadiusM      = 100000 // a location's radius, in metres
	MaxLatitude     = 90     // degrees north or south
	MaxLongitude    = 180    // degrees east or west
)

// MaxYear is an asset's latest year of manufacture: next year, as machines of next year's model
// are sold this year.
func MaxYear() int { return time.Now().Year() + 1 }

// cleanText trims s, brings it to Unicode NFC (so the same text typed on two keyboards is one
// value) and checks its length and characters; multiline allows line breaks and tabs.
func cleanText(v *Violations, field string, s *string, max int, multiline bool) {
	*s = strings.TrimSpace(*s)
	if !norm.NFC.IsNormalString(*s) {
		*s = norm.NFC.String(*s)
	}
	if utf8.RuneCountInString(*s) > max {
		v.Add(field, "must be at most %d characters", max)
		return
	}
	for _, r := range *s {
		if r == utf8.RuneError || (unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t'))) {
			v.Add(field, "must not contain control characters")
			return
		}
	}
}

// IsInvisible reports whether r is a zero-width or bidirectional control character (U+200B–U+200F,
// U+202A–U+202E, U+2066–U+2069, U+FEFF): characters that make two different values look the
// same, or reorder how a value is displayed. Names and identifiers refuse them.
func IsInvisible(r rune) bool {
	return (r >= 0x200B && r <= 0x200F) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0xFEFF
}

// refuseInvisible adds a violation when s holds an invisible or bidirectional control character.
func refuseInvisible(v *Violations, field, s string) bool {
	for _, r := range s {
		if IsInvisible(r) {
			v.Add(field, "must not contain invisible or bidirectional control characters (found U+%04X)", r)
			return true
		}
	}
	return false
}

// cleanIdentifier is cleanText for an identifier someone else issued (external_ref,
// serial_number): NFC, and no invisible or bidirectional control characters, so one identifier
// cannot be stored twice in forms that look the same.
func cleanIdentifier(v *Violations, field string, s *string, max int) {
	n := len(*v)
	cleanText(v, field, s, max, false)
	if len(*v) == n {
		refuseInvisible(v, field, *s)
	}
}

// requireText is the check of a name: cleanText, no invisible or bidirectional control
// characters, and at least one visible character.
func requireText(v *Violations, field string, s *string, max int) {
	n := len(*v)
	cleanText(v, field, s, max, false)
	if len(*v) > n {
		return
	}
	if *s == "" {
		v.Add(field, "is required")
		return
	}
	if refuseInvisible(v, field, *s) {
		return
	}
	if strings.IndexFunc(*s, isVisible) < 0 {
		v.Add(field, "must contain at least one visible character")
	}
}

// isVisible reports whether r shows as something on screen: a letter, digit, mark, punctuation
// or symbol (not a space or format character).
func isVisible(r rune) bool {
	return unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S) ||
		(unicode.Is(unicode.M, r) && !unicode.Is(unicode.Mn, r))
}

// cleanEmail trims and validates an optional email address.
func cleanEmail(v *Violations, field string, s *string) {
	cleanText(v, field, s, MaxEmail, false)
	if *s == "" {
		return
	}
	a, err := mail.ParseAddress(*s)
	if err != nil || a.Address != *s || !strings.Contains(a.Address[strings.LastIndexByte(a.Address, '@')+1:], ".") {
		v.Add(field, "must be an email address like name@example.com")
	}
}

// cleanURL trims and validates an optional web address; a bare host gets https://.
func cleanURL(v *Violations, field string, s *string) {
	cleanText(v, field, s, MaxURL, false)
	if *s == "" {
		return
	}
	if !strings.Contains(*s, "://") {
		*s = "https://" + *s
	}
	u, err := url.Parse(*s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(u.Host, " ") {
		v.Add(field, "must be an http or https address like https://example.com")
	}
}

// cleanPhone trims and validates an optional phone number: digits and the usual punctuation.
func cleanPhone(v *Violations, field string, s *string) {
	cleanText(v, field, s, MaxPhone, false)
	digits := 0
	for _, r := range *s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-()./x", r):
		default:
			v.Add(field, "must be a phone number (digits, spaces and + - ( ) . / x)")
			return
		}
	}
	if *s != "" && digits < 3 {
		v.Add(field, "must be a phone number with at least 3 digits")
	}
}

// cleanRef validates an optional reference id (customer_id, location_id…): present ids must look
// like ids. Whether the object exists is the store's check.
func cleanRef(v *Violations, field string, s **string) {
	if *s == nil {
		return
	}
	t := strings.TrimSpace(**s)
	if t == "" {
		*s = nil
		return
	}
	if len(t) > MaxID || !utf8.ValidString(t) || strings.IndexFunc(t, unicode.IsControl) >= 0 {
		v.Add(field, "is not a valid id")
		return
	}
	*s = &t
}

// Address is a postal address; every line is optional. Country is ISO 3166-1 alpha-2.
type Address struct {
	Street     string `json:"street"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
	Region     string `json:"region"`
	Country    string `json:"country"`
}

func (a *Address) clean(v *Violations, prefix string) {
	cleanText(v, prefix+".street", &a.Street, MaxShort, false)
	cleanText(v, prefix+".postal_code", &a.PostalCode, MaxPostalCode, false)
	cleanText(v, prefix+".city", &a.City, MaxShort, false)
	cleanText(v, prefix+".region", &a.Region, MaxShort, false)
	cleanCountry(v, prefix+".country", &a.Country)
}

// cleanCountry upper-cases and validates an optional ISO 3166-1 alpha-2 code.
func cleanCountry(v *Violations, field string, s *string) {
	*s = strings.ToUpper(strings.TrimSpace(*s))
	if *s != "" && !ValidCountry(*s) {
		v.Add(field, "must be an ISO 3166-1 alpha-2 country code like DE or US")
	}
}

// ValidCountry reports whether code is an assigned ISO 3166-1 alpha-2 code.
func ValidCountry(code string) bool { return countries[code] }

var countries = func() map[string]bool {
	m := make(map[string]bool, len(countryCodes)/2)
	for i := 0; i+2 <= len(countryCodes); i += 2 {
		m[countryCodes[i:i+2]] = true
	}
	return m
}()

// countryCodes lists the assigned ISO 3166-1 alpha-2 codes, two letters each.
const countryCodes = "AD" + "AE" + "AF" + "AG" + "AI" + "AL" + "AM" + "AO" + "AQ" + "AR" + "AS" + "AT" + "AU" + "AW" + "AX" + "AZ" +
	"BA" + "BB" + "BD" + "BE" + "BF" + "BG" + "BH" + "BI" + "BJ" + "BL" + "BM" + "BN" + "BO" + "BQ" + "BR" + "BS" + "BT" + "BV" + "BW" + "BY" + "BZ" +
	"CA" + "CC" + "CD" + "CF" + "CG" + "CH" + "CI" + "CK" + "CL" + "CM" + "CN" + "CO" + "CR" + "CU" + "CV" + "CW" + "CX" + "CY" + "CZ" +
	"DE" + "DJ" + "DK" + "DM" + "DO" + "DZ" + "EC" + "EE" + "EG" + "EH" + "ER" + "ES" + "ET" + "FI" + "FJ" + "FK" + "FM" + "FO" + "FR" +
	"GA" + "GB" + "GD" + "GE" + "GF" + "GG" + "GH" + "GI" + "GL" + "GM" + "GN" + "GP" + "GQ" + "GR" + "GS" + "GT" + "GU" + "GW" + "GY" +
	"HK" + "HM" + "HN" + "HR" + "HT" + "HU" + "ID" + "IE" + "IL" + "IM" + "IN" + "IO" + "IQ" + "IR" + "IS" + "IT" + "JE" + "JM" + "JO" + "JP" +
	"KE" + "KG" + "KH" + "KI" + "KM" + "KN" + "KP" + "KR" + "KW" + "KY" + "KZ" + "LA" + "LB" + "LC" + "LI" + "LK" + "LR" + "LS" + "LT" + "LU" + "LV" + "LY" +
	"MA" + "MC" + "MD" + "ME" + "MF" + "MG" + "MH" + "MK" + "ML" + "MM" + "MN" + "MO" + "MP" + "MQ" + "MR" + "MS" + "MT" + "MU" + "MV" + "MW" + "MX" + "MY" + "MZ" +
	"NA" + "NC" + "NE" + "NF" + "NG" + "NI" + "NL" + "NO" + "NP" + "NR" + "NU" + "NZ" + "OM" +
	"PA" + "PE" + "PF" + "PG" + "PH" + "PK" + "PL" + "PM" + "PN" + "PR" + "PS" + "PT" + "PW" + "PY" + "QA" + "RE" + "RO" + "RS" + "RU" + "RW" +
	"SA" + "SB" + "SC" + "SD" + "SE" + "SG" + "SH" + "SI" + "SJ" + "SK" + "SL" + "SM" + "SN" + "SO" + "SR" + "SS" + "ST" + "SV" + "SX" + "SY" + "SZ" +
	"TC" + "TD" + "TF" + "TG" + "TH" + "TJ" + "TK" + "TL" + "TM" + "TN" + "TO" + "TR" + "TT" + "TV" + "TW" + "TZ" +
	"UA" + "UG" + "UM" + "US" + "UY" + "UZ" + "VA" + "VC" + "VE" + "VG" + "VI" + "VN" + "VU" + "WF" + "WS" + "YE" + "YT" + "ZA" + "ZM" + "ZW"
