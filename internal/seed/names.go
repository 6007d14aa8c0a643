package seed

// Word lists for realistic, international fleet data: accents, ligatures and some CJK, as real
// customer lists have them.

var surnames = []string{
	"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
	"Škoda", "Dvořák", "Novák", "Procházka", "Černý", "Kovač", "Horváth", "Nagy", "Szabó", "Tóth",
	"Ørsted", "Sørensen", "Jørgensen", "Ødegård", "Åberg", "Ångström", "Lindqvist", "Bergström", "Göransson", "Hämäläinen",
	"Łukasiewicz", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Dąbrowski", "Zieliński", "Szymański", "Woźniak", "Kozłowski",
	"García", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Fernández", "Núñez", "Muñoz", "Ibáñez",
	"Dubois", "Lefèvre", "Moreau", "Girard", "Bonnet", "Gauthier", "Chevalier", "François", "Mercier", "Bélanger",
	"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
	"O'Brien", "MacLeod", "Çelik", "Yılmaz", "Öztürk", "Şahin", "Doğan", "Kılıç", "Aydın", "Özdemir",
	"De Vries", "Van Dijk", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "De Boer", "Mulder", "Bos",
	"Silva", "Santos", "Conceição", "Gonçalves", "Araújo", "Ribeiro", "Magalhães", "Simões", "Brandão", "Lourenço",
	"Straße", "Groß", "Weiß", "Fuß", "Strauß", "Björk", "Þórsson", "Guðmundsdóttir", "Æbelø", "Œuvray",
}

var cjkNames = []string{"田中建設", "山本重機", "佐藤工業", "鈴木リース", "高橋土木", "北京建工", "上海机械", "广州租赁", "대한건설", "한국중기"}

var cjkSuffixes = []string{"株式会社", "有限公司", "주식회사", "Co., Ltd.", "工程有限公司"}

var companySuffixes = []string{"GmbH", "AG", "Bau GmbH", "& Söhne", "Construction", "Rentals", "Ltd", "S.A.", "S.à r.l.",
	"Oy", "AB", "A/S", "sp. z o.o.", "s.r.o.", "Kft.", "B.V.", "SpA", "Ltda.", "Inc.", "Tiefbau", "Hochbau", "Events",
	"Landscaping", "Demolition", "Gerüstbau", "Infra", "Logistics", "Agrar", "Energie", "Services"}

// cities are where customers and sites are, with the latitude and longitude of each city's centre:
// a site gets coordinates near its city's, so a map shows it where its address says.
var cities = []struct {
	city, region, country string
	lat, lon              float64
}{
	{"Köln", "Nordrhein-Westfalen", "DE", 50.9375, 6.9603},
	{"München", "Bayern", "DE", 48.1351, 11.582},
	{"Düsseldorf", "Nordrhein-Westfalen", "DE", 51.2277, 6.7735},
	{"Nürnberg", "Bayern", "DE", 49.4521, 11.0767},
	{"Lübeck", "Schleswig-Holstein", "DE", 53.8655, 10.6866},
	{"Hamburg", "Hamburg", "DE", 53.5511, 9.9937},
	{"Berlin", "Berlin", "DE", 52.52, 13.405},
	{"Zürich", "Zürich", "CH", 47.3769, 8.5417},
	{"Genève", "Genève", "CH", 46.2044, 6.1432},
	{"Wien", "Wien", "AT", 48.2082, 16.3738},
	{"Graz", "Steiermark", "AT", 47.0707, 15.4395},
	{"Malmö", "Skåne", "SE", 55.605, 13.0038},
	{"Göteborg", "Västra Götaland", "SE", 57.7089, 11.9746},
	{"Århus", "Midtjylland", "DK", 56.1629, 10.2039},
	{"København", "Hovedstaden", "DK", 55.6761, 12.5683},
	{"Kraków", "Małopolskie", "PL", 50.0647, 19.945},
	{"Łódź", "Łódzkie", "PL", 51.7592, 19.456},
	{"Gdańsk", "Pomorskie", "PL", 54.352, 18.6466},
	{"Brno", "Jihomoravský", "CZ", 49.1951, 16.6068},
	{"Plzeň", "Plzeňský", "CZ", 49.7384, 13.3736},
	{"Besançon", "Bourgogne-Franche-Comté", "FR", 47.2378, 6.0241},
	{"Orléans", "Centre-Val de Loire", "FR", 47.903, 1.9093},
	{"Lyon", "Auvergne-Rhône-Alpes", "FR", 45.764, 4.8357},
	{"Málaga", "Andalucía", "ES", 36.7213, -4.4214},
	{"A Coruña", "Galicia", "ES", 43.3623, -8.4115},
	{"Córdoba", "Andalucía", "ES", 37.8882, -4.7794},
	{"São Paulo", "SP", "BR", -23.5505, -46.6333},
	{"Bogotá", "Cundinamarca", "CO", 4.711, -74.0721},
	{"Tromsø", "Troms", "NO", 69.6492, 18.9553},
	{"Reykjavík", "Höfuðborgarsvæðið", "IS", 64.1466, -21.9426},
	{"Rotterdam", "Zuid-Holland", "NL", 51.9244, 4.4777},
	{"Antwerpen", "Antwerpen", "BE", 51.2194, 4.4025},
	{"Milano", "Lombardia", "IT", 45.4642, 9.19},
	{"Torino", "Piemonte", "IT", 45.0703, 7.6869},
	{"Manchester", "England", "GB", 53.4808, -2.2426},
	{"Cork", "Munster", "IE", 51.8985, -8.4756},
	{"Chicago", "IL", "US", 41.8781, -87.6298},
	{"Houston", "TX", "US", 29.7604, -95.3698},
	{"Montréal", "QC", "CA", 45.5017, -73.5673},
	{"İstanbul", "İstanbul", "TR", 41.0082, 28.9784},
	{"Tōkyō", "Tōkyō", "JP", 35.6762, 139.6503},
	{"Osaka", "Ōsaka", "JP", 34.6937, 135.5023},
}

var streets = []string{"Hauptstraße", "Industriestraße", "Bahnhofstraße", "Am Güterbahnhof", "Rue de l'Église",
	"Calle Mayor", "Storgatan", "ulica Przemysłowa", "Via Roma", "Main Street", "Harbour Road", "Gewerbepark",
	"Zur Ziegelei", "Avenida Paulista", "Nørregade", "Østre Havnevej", "Škodova", "Kirchweg", "Mühlenweg", "Lindenallee"}

var siteKinds = []string{"site", "Baustelle", "chantier", "obra", "byggplats", "job site", "plac budowy", "yard", "project", "depot annex"}

var makes = []struct {
	name, code string
	models     int
}{
	{"Caterpillar", "CAT", 420}, {"Komatsu", "KMT", 380}, {"Volvo CE", "VOE", 300}, {"JCB", "JCB", 340}, {"Liebherr", "LBH", 360},
	{"Hitachi", "HIT", 220}, {"Doosan", "DSN", 200}, {"Bobcat", "BOB", 260}, {"Kubota", "KUB", 210}, {"Genie", "GEN", 240},
	{"JLG", "JLG", 250}, {"Manitou", "MAN", 230}, {"Wacker Neuson", "WNE", 190}, {"Takeuchi", "TAK", 150}, {"Hyundai CE", "HYU", 160},
	{"Case", "CAS", 170}, {"John Deere", "JDE", 180}, {"Terex", "TRX", 140}, {"Haulotte", "HAU", 130}, {"Skyjack", "SKY", 120},
}

var categories = []string{"Excavator", "Mini excavator", "Wheel loader", "Telehandler", "Scissor lift", "Boom lift",
	"Generator", "Compressor", "Dumper", "Roller", "Skid steer", "Crawler dozer", "Light tower", "Forklift"}

var firstNames = []string{"Anna", "Jürgen", "Zoë", "Søren", "Łucja", "José", "François", "Ingrid", "Björn", "Chloé",
	"Mehmet", "Ayşe", "Giulia", "Pedro", "Hannah", "Tomáš", "Éva", "Raphaël", "Mia", "Noah", "Oliver", "Emma", "Lukas", "Sofía"}

var contactTitles = []string{"Site manager", "Fleet manager", "Purchasing", "Accounts payable", "Foreman", "Dispatcher",
	"Owner", "Service coordinator", "Project lead", "Operations"}
