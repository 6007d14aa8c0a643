// Package seed builds Steward's fleet datasets: the rental-style benchmark fleet of
// BENCHMARKS.md ("rental-1M" at one million assets) and the smaller demo fleet. The same options
// and seed always give the same data.
package seed

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// DefaultAdminName is the name of the Admin a dataset is made with when Options.AdminName is
// empty: a person's name, so the audit log does not read like the fleet_admin role.
const DefaultAdminName = "Robin Keller"

// Options describe a dataset. Customers, locations and contacts scale with Assets
// (N/10, 3N/10, N/4), as BENCHMARKS.md describes.
type Options struct {
	Org       string
	Email     string
	Password  string
	Country   string
	AdminName string // the Admin's name; DefaultAdminName when empty
	Assets    int
	History   int   // past movements per asset, each with its audit row
	Seed      int64 // the same seed gives the same data
	// Now anchors generated times (two years of history end here); zero means time.Now(). It is
	// cut to the whole second, so builds at different times differ only by a shift of every
	// time: ids, archive times and the order of everything come out the same.
	Now time.Time
	// RebuildIndexes drops and rebuilds secondary indexes around the load (always at 100,000
	// assets and more).
	RebuildIndexes bool
	// Progress, when set, receives a line now and then.
	Progress func(format string, args ...any)
}

// Result says what was built.
type Result struct {
	Account   *steward.Account
	Admin     *steward.User
	Customers int
	Locations int
	Contacts  int
	Assets    int
	Audit     int
	Took      time.Duration
	// Now is the time the generated history ends at (Options.Now cut to the whole second).
	Now time.Time
}

type gen struct {
	o       Options
	r       *rand.Rand
	now     time.Time
	account string
	actor   steward.AuditActor
	b       *store.BulkLoader
	audit   int
}

// Build creates a new organization and fills it with the dataset.
func Build(ctx context.Context, s *store.Store, o Options) (*Result, error) {
	start := time.Now()
	if o.Assets < 10 {
		return nil, fmt.Errorf("seed: --assets must be at least 10")
	}
	o.fill()
	// A database made for this seed may be loaded without fsync (see store.BulkOptions).
	newDB, err := s.Empty(ctx)
	if err != nil {
		return nil, err
	}
	defer collectLess()()
	acc, admin, err := s.CreateOrganization(ctx, steward.Organization{Name: o.Org, Email: o.Email, Password: o.Password,
		Country: o.Country, AdminName: o.AdminName})
	if err != nil {
		return nil, err
	}
	g := newGen(o, acc.ID)
	res := &Result{Account: acc, Admin: admin, Now: o.Now}
	opt := store.BulkOptions{RebuildIndexes: o.Assets >= 100000 || o.RebuildIndexes, NewDatabase: newDB, Progress: o.Progress}
	err = s.Bulk(ctx, opt, func(b *store.BulkLoader) error {
		g.b = b
		return g.build(res)
	})
	if err != nil {
		return nil, err
	}
	if _, err := finish(ctx, s, o.Progress, acc); err != nil {
		return nil, err
	}
	res.Audit, res.Took = g.audit, time.Since(start)
	return res, nil
}

// collectLess makes the garbage collector run a quarter as often, unless GOGC is set, and returns
// what puts it back. Millions of short-lived rows over a small live heap: collecting a quarter as
// often saves a tenth of the generator's time for some 100 MB more memory.
func collectLess() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(400)
	return func() { debug.SetGCPercent(old) }
}

// finish recounts the customer counts of the loaded accounts, then analyzes and vacuums the
// database; it returns how long the recount took. The database is analyzed before the recount
// too: on PostgreSQL a recount planned with the statistics of the tables before the load (a
// second organization seeded into a loaded database) took nested loops over a million rows and
// ran for minutes, against seconds once analyzed (docs/PERFORMANCE.md, "Seeding rental-1M").
func finish(ctx context.Context, s *store.Store, progress func(string, ...any), accounts ...*steward.Account) (time.Duration, error) {
	t := time.Now()
	if err := s.Analyze(ctx); err != nil {
		return 0, err
	}
	progress("analyzed the loaded rows in %s", since(t))
	t = time.Now()
	for _, acc := range accounts {
		if _, err := s.Recount(ctx, acc.ID); err != nil {
			return 0, err
		}
	}
	recount := time.Since(t)
	if len(accounts) == 1 {
		progress("recounted customer counts in %s", since(t))
	} else {
		progress("recounted customer counts of %d organizations in %s", len(accounts), since(t))
	}
	t = time.Now()
	if err := s.Analyze(ctx); err != nil {
		return 0, err
	}
	progress("analyzed in %s", since(t))
	t = time.Now()
	if err := s.Vacuum(ctx); err != nil {
		return 0, err
	}
	progress("vacuumed in %s", since(t))
	return recount, nil
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

// fill sets the defaults of the options left empty.
func (o *Options) fill() {
	if o.Org == "" {
		o.Org = "Rental Fleet"
	}
	if o.Email == "" {
		o.Email = "admin@" + slug(o.Org) + ".example"
	}
	if o.Password == "" {
		o.Password = fmt.Sprintf("seed-%d-%s", o.Seed, slug(o.Org))
	}
	if o.AdminName == "" {
		o.AdminName = DefaultAdminName
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.UTC().Truncate(time.Second)
	if o.Progress == nil {
		o.Progress = func(string, ...any) {}
	}
}

// ImportActorName is the actor name of every audit event a dataset is built with.
const ImportActorName = "Initial import"

// newGen starts the generator of one organization's fleet: its random stream depends only on
// the seed and the organization's name.
func newGen(o Options, accountID string) *gen {
	// Every generated event, creates and past movements alike, is the initial import of the
	// fleet from an earlier system: one actor and one source, so the audit log tells one story.
	return &gen{o: o, r: rand.New(rand.NewPCG(uint64(o.Seed), fnvString(o.Org))), now: o.Now, account: accountID,
		actor: steward.AuditActor{Type: steward.ActorImport, ID: "seed", Name: ImportActorName}}
}

func fnvString(s string) uint64 {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		out = "org"
	}
	return out
}

// id returns a deterministic, time-ordered id in the UUIDv7 layout for an object made at t.
func (g *gen) id(t time.Time) string {
	var u [16]byte
	ms := uint64(t.UnixMilli())
	u[0], u[1], u[2], u[3], u[4], u[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	binary.BigEndian.PutUint64(u[8:], g.r.Uint64())
	binary.BigEndian.PutUint16(u[6:], uint16(g.r.Uint32()))
	u[6] = (u[6] & 0x0f) | 0x70
	u[8] = (u[8] & 0x3f) | 0x80
	// The canonical 8-4-4-4-12 text, without fmt: millions of ids are made per seed.
	var out [36]byte
	hex.Encode(out[0:8], u[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], u[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], u[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], u[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], u[10:16])
	return string(out[:])
}

// timeIn returns a time between from and to ago (in days), at microsecond precision.
func (g *gen) daysAgo(from, to float64) time.Time {
	d := from + g.r.Float64()*(to-from)
	return g.now.Add(-time.Duration(d * 24 * float64(time.Hour))).Truncate(time.Microsecond)
}

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *gen) meta(created time.Time, archived bool) steward.Meta {
	m := steward.Meta{CreatedAt: steward.TimestampOf(created), UpdatedAt: steward.TimestampOf(created), Version: 1}
	if archived {
		// A fraction of the time since creation: one draw whatever the span, so the draws that
		// follow do not depend on the clock.
		at := steward.TimestampOf(created.Add(time.Duration(g.r.Float64() * float64(g.now.Sub(created)))))
		m.ArchivedAt, m.UpdatedAt, m.Version = &at, at, 2
	}
	return m
}

// createEvent queues the create audit row of an object.
func (g *gen) createEvent(at steward.Timestamp, objectType, id, name string, customerID *string, fields any) error {
	g.audit++
	return g.b.Audit(&steward.AuditEvent{ID: g.id(at.Time), At: at, Actor: g.actor, AccountID: g.account,
		ActorAccountID: g.account, Source: steward.SourceImport, Action: steward.ActionCreate, ObjectType: objectType,
		ObjectID: id, ObjectName: name, CustomerID: customerID, Changes: store.Diff(nil, fields)})
}

type locRef struct {
	id, name string
	customer int // index into customers, -1 for the account's own
}

func (g *gen) build(res *Result) error {
	n := g.o.Assets
	nCustomers := max(n/10, 3)
	nLocations := max(3*n/10, 6)
	nContacts := max(n/4, 3)
	nDepots := min(120, max(3, nLocations/25))

	// Customers.
	custIDs := make([]string, nCustomers)
	custNames := make([]string, nCustomers)
	for i := range nCustomers {
		created := g.daysAgo(365*2, 730+365)
		c := steward.Customer{ID: g.id(created), AccountID: g.account}
		c.Name = g.customerName()
		c.Type = g.customerType()
		c.ExternalRef = fmt.Sprintf("CRM-%07d", i+1)
		city := cities[g.r.IntN(len(cities))]
		c.Address = steward.Address{Street: fmt.Sprintf("%s %d", g.pick(streets), 1+g.r.IntN(180)),
			PostalCode: fmt.Sprintf("%05d", g.r.IntN(99999)), City: city.city, Region: city.region, Country: city.country}
		if g.r.IntN(10) < 7 {
			c.Email = fmt.Sprintf("info@%s.example", slug(c.Name))
			c.Phone = fmt.Sprintf("+49 %d %07d", 200+g.r.IntN(700), g.r.IntN(9999999))
		}
		c.Meta = g.meta(created, g.r.IntN(10) == 0)
		custIDs[i], custNames[i] = c.ID, c.Name
		if err := g.b.Customer(&c); err != nil {
			return err
		}
		if err := g.createEvent(c.CreatedAt, steward.ObjectCustomer, c.ID, c.Name, &c.ID, c.CustomerFields); err != nil {
			return err
		}
	}
	res.Customers = nCustomers
	g.o.Progress("%d customers", nCustomers)

	// Locations: the account's depots first, then customers' job sites (skewed: big customers
	// have many sites).
	locs := make([]locRef, nLocations)
	custSites := make([][]int, nCustomers)
	for i := range nLocations {
		created := g.daysAgo(0, 730)
		l := steward.Location{AccountID: g.account}
		city := cities[g.r.IntN(len(cities))]
		ref := locRef{customer: -1}
		if i < nDepots {
			created = g.daysAgo(700, 730)
			l.Name = fmt.Sprintf("Depot %s %d", city.city, i+1)
		} else {
			ref.customer = g.skewed(nCustomers)
			l.CustomerID = &custIDs[ref.customer]
			l.Name = fmt.Sprintf("%s %s %s", firstWord(custNames[ref.customer]), city.city, g.pick(siteKinds))
			custSites[ref.customer] = append(custSites[ref.customer], i)
		}
		l.ID = g.id(created)
		l.ExternalRef = fmt.Sprintf("LOC-%07d", i+1)
		// Within a few kilometres of the city's centre, so the map agrees with the address.
		lat, lon := city.lat+(g.r.Float64()*2-1)*0.04, city.lon+(g.r.Float64()*2-1)*0.06
		lat, lon = math.Round(lat*1e5)/1e5, math.Round(lon*1e5)/1e5
		radius := 50 + g.r.IntN(950)
		l.Latitude, l.Longitude, l.RadiusM = &lat, &lon, &radius
		l.Address = steward.Address{Street: fmt.Sprintf("%s %d", g.pick(streets), 1+g.r.IntN(300)),
			PostalCode: fmt.Sprintf("%05d", g.r.IntN(99999)), City: city.city, Region: city.region, Country: city.country}
		l.Meta = g.meta(created, i >= nDepots && g.r.IntN(10) == 0)
		ref.id, ref.name = l.ID, l.Name
		locs[i] = ref
		if err := g.b.Location(&l); err != nil {
			return err
		}
		if err := g.createEvent(l.CreatedAt, steward.ObjectLocation, l.ID, l.Name, l.CustomerID, l.LocationFields); err != nil {
			return err
		}
	}
	res.Locations = nLocations
	g.o.Progress("%d locations", nLocations)

	// Assets: ~55 % rented out at a customer's site, ~30 % at a depot, ~10 % owned by a customer
	// (mostly at its own sites, some back at a depot for service), the rest in transit; 5 % archived.
	for i := range n {
		created := g.daysAgo(1, 730)
		x := steward.Asset{ID: g.id(created), OwnerAccountID: g.account}
		mk := makes[g.r.IntN(len(makes))]
		model := g.r.IntN(mk.models)
		cat := categories[(model+len(mk.name))%len(categories)]
		x.Make = mk.name
		x.Model = fmt.Sprintf("%s %d%s", mk.code, 100+model, string(rune('A'+model%7)))
		x.Category = cat
		year := 2008 + g.r.IntN(18)
		x.Year = &year
		x.SerialNumber = fmt.Sprintf("%s%04d-%c%05d", mk.code, model%10000, 'A'+rune(g.r.IntN(26)), i)
		x.ExternalRef = fmt.Sprintf("FA-%07d", i+1)
		x.Name = fmt.Sprintf("%s %s #%d", cat, x.Model, i+1)
		var loc *locRef
		switch p := g.r.IntN(100); {
		case p < 55: // rented out
			c := g.skewed(nCustomers)
			if sites := custSites[c]; len(sites) > 0 {
				loc = &locs[sites[g.r.IntN(len(sites))]]
			} else {
				loc = &locs[nDepots+g.r.IntN(nLocations-nDepots)]
			}
		case p < 85: // at a depot
			loc = &locs[g.r.IntN(nDepots)]
		case p < 95: // sold to a customer
			c := g.skewed(nCustomers)
			x.OwnerCustomerID = &custIDs[c]
			if sites := custSites[c]; len(sites) > 0 && g.r.IntN(5) > 0 {
				loc = &locs[sites[g.r.IntN(len(sites))]]
			} else {
				loc = &locs[g.r.IntN(nDepots)] // back for service
			}
		}
		if loc != nil {
			x.LocationID = &loc.id
			if loc.customer >= 0 {
				x.LocationCustomerID = &custIDs[loc.customer]
			}
		}
		x.Meta = g.meta(created, g.r.IntN(20) == 0)
		if err := g.b.Asset(&x); err != nil {
			return err
		}
		if err := g.assetHistory(&x, loc, locs, nDepots); err != nil {
			return err
		}
		if (i+1)%100000 == 0 {
			g.o.Progress("%d assets", i+1)
		}
	}
	res.Assets = n

	// Contacts: 1-5 per customer until the total is reached.
	made := 0
	for c := 0; made < nContacts; c = (c + 1) % nCustomers {
		for k := 1 + g.r.IntN(5); k > 0 && made < nContacts; k-- {
			created := g.daysAgo(0, 700)
			ct := steward.Contact{ID: g.id(created), AccountID: g.account, CustomerID: custIDs[c]}
			first, last := g.pick(firstNames), g.pick(surnames)
			ct.Name = first + " " + last
			ct.Kind = steward.ContactPerson
			if g.r.IntN(8) == 0 {
				ct.Kind, ct.Name = steward.ContactDepartment, "Dispatch "+firstWord(custNames[c])
			}
			ct.Title = g.pick(contactTitles)
			ct.Email = fmt.Sprintf("%s.%s.%d@%s.example", slug(first), slug(last), made, slug(firstWord(custNames[c])))
			ct.Phone = fmt.Sprintf("+49 %d %07d", 150+g.r.IntN(30), g.r.IntN(9999999))
			ct.Meta = g.meta(created, g.r.IntN(20) == 0)
			if err := g.b.Contact(&ct); err != nil {
				return err
			}
			if err := g.createEvent(ct.CreatedAt, steward.ObjectContact, ct.ID, ct.Name, &ct.CustomerID, ct.ContactFields); err != nil {
				return err
			}
			made++
		}
	}
	res.Contacts = made
	return nil
}

// assetHistory queues the asset's create event and History past movements that end where the
// asset is now.
func (g *gen) assetHistory(x *steward.Asset, current *locRef, locs []locRef, nDepots int) error {
	k := g.o.History
	created := x.CreatedAt
	if k == 0 {
		return g.createEvent(created, steward.ObjectAsset, x.ID, x.Name, nil, x.AssetFields)
	}
	// Walk backwards from the current location to invent where it was before.
	chain := make([]*locRef, k+1)
	chain[k] = current
	for i := k - 1; i >= 0; i-- {
		if g.r.IntN(2) == 0 {
			chain[i] = &locs[g.r.IntN(nDepots)]
		} else {
			chain[i] = &locs[g.r.IntN(len(locs))]
		}
	}
	first := x.AssetFields
	first.LocationID = nil
	if chain[0] != nil {
		first.LocationID = &chain[0].id
	}
	if err := g.createEvent(created, steward.ObjectAsset, x.ID, x.Name, nil, first); err != nil {
		return err
	}
	span := g.now.Sub(created.Time)
	for i := 1; i <= k; i++ {
		at := steward.TimestampOf(created.Add(span * time.Duration(i) / time.Duration(k+1)))
		var oldID, newID any
		var oldLabel, newLabel *string
		if c := chain[i-1]; c != nil {
			oldID, oldLabel = c.id, &c.name
		}
		if c := chain[i]; c != nil {
			newID, newLabel = c.id, &c.name
		}
		g.audit++
		if err := g.b.Audit(&steward.AuditEvent{ID: g.id(at.Time), At: at, Actor: g.actor, AccountID: g.account,
			ActorAccountID: g.account, Source: steward.SourceImport, Action: steward.ActionUpdate, ObjectType: steward.ObjectAsset,
			ObjectID: x.ID, ObjectName: x.Name,
			Changes: []steward.Change{{Field: "location_id", Old: oldID, New: newID, OldLabel: oldLabel, NewLabel: newLabel}}}); err != nil {
			return err
		}
	}
	return nil
}

// skewed picks an index in [0, n) with a heavy head: a few customers own or rent thousands of
// assets, most a handful.
func (g *gen) skewed(n int) int {
	v := math.Pow(g.r.Float64(), 3) * float64(n)
	return min(int(v), n-1)
}

func (g *gen) customerName() string {
	if g.r.IntN(50) == 0 {
		return g.pick(cjkNames) + " " + g.pick(cjkSuffixes)
	}
	name := g.pick(surnames)
	if g.r.IntN(3) == 0 {
		name += " & " + g.pick(surnames)
	}
	return fmt.Sprintf("%s %s", name, g.pick(companySuffixes))
}

func (g *gen) customerType() steward.CustomerType {
	switch p := g.r.IntN(100); {
	case p < 45:
		return steward.CustomerContractor
	case p < 60:
		return steward.CustomerEndUser
	case p < 68:
		return steward.CustomerDealer
	case p < 74:
		return steward.CustomerRental
	case p < 80:
		return steward.CustomerServiceProvider
	case p < 84:
		return steward.CustomerDistributor
	case p < 87:
		return steward.CustomerOEM
	}
	return steward.CustomerOther
}

func firstWord(s string) string {
	if i := strings.IndexByte(s, ' '); i > 0 {
		return s[:i]
	}
	return s
}
