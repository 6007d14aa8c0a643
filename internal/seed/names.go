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

var cities = []struct{ city, region, country string }{
	{"Köln", "Nordrhein-Westfalen", "DE"}, {"München", "Bayern", "DE"}, {"Düsseldorf", "Nordrhein-Westfalen", "DE"},
	{"Nürnberg", "Bayern", "DE"}, {"Lübeck", "Schleswig-Holstein", "DE"}, {"Hamburg", "Hamburg", "DE"}, {"Berlin", "Berlin", "DE"},
	{"Zürich", "Zürich", "CH"}, {"Genève", "Genève", "CH"}, {"Wien", "Wien", "AT"}, {"Graz", "Steiermark", "AT"},
	{"Malmö", "Skåne", "SE"}, {"Göteborg", "Västra Götaland", "SE"}, {"Århus", "Midtjylland", "DK"}, {"København", "Hovedstaden", "DK"},
	{"Kraków", "Małopolskie", "PL"}, {"Łódź", "Łódzkie", "PL"}, {"Gdańsk", "Pomorskie", "PL"}, {"Brno", "Jihomoravský", "CZ"},
	{"Plzeň", "Plzeňský", "CZ"}, {"Besançon", "Bourgogne-Franche-Comté", "FR"}, {"Orléans", "Centre-Val de Loire", "FR"},
	{"Lyon", "Auvergne-Rhône-Alpes", "FR"}, {"Málaga", "Andalucía", "ES"}, {"A Coruña", "Galicia", "ES"}, {"Córdoba", "Andalucía", "ES"},
	{"São Paulo", "SP", "BR"}, {"Bogotá", "Cundinamarca", "CO"}, {"Tromsø", "Troms", "NO"}, {"Reykjavík", "Höfuðborgarsvæðið", "IS"},
	{"Rotterdam", "Zuid-Holland", "NL"}, {"Antwerpen", "Antwerpen", "BE"}, {"Milano", "Lombardia", "IT"}, {"Torino", "Piemonte", "IT"},
	{"Manchester", "England", "GB"}, {"Cork", "Munster", "IE"}, {"Chicago", "IL", "US"}, {"Houston", "TX", "US"},
	{"Montréal", "QC", "CA"}, {"İstanbul", "İstanbul", "TR"}, {"Tōkyō", "Tōkyō", "JP"}, {"Osaka", "Ōsaka", "JP"},
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
