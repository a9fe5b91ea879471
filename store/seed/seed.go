// Package seed fills a database with synthetic cases for reading: the
// benchmark's list steps and tests of list queries at scale. It is no part
// of serving, so it lives apart from the store it writes through.
package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/lib/pq"

	"github.com/caseflow/caseflow/config"
	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
)

// seedChunk is how many rows one COPY transaction carries: big enough that
// commits cost nothing next to the rows, small enough that a failure loses
// little and progress shows.
const seedChunk = 100_000

// seedKey is the fixed half of every seeding's random seed; the other half
// is the case number sequence's position, so the same database state always seeds the same data.
const seedKey = 0xCA5EF10

// seedColumns are every column of cases, nullable ones included, so COPY
// never falls back on a default (and the numbering trigger, which fills only
// a NULL case_number, does nothing).
var seedColumns = []string{
	"id", "case_number", "type", "family", "priority", "title", "description", "status",
	"flag", "assigned_to", "client_name", "client_email", "client_external_id", "risk_level",
	"external_id", "metadata", "properties", "tags", "related_transaction_id",
	"related_kyc_application_id", "due_date", "created_by", "resolved_at", "resolution_note",
	"created_at", "updated_at", "version", "auto_approve", "overdue",
}

// copyStatement is the COPY that streams seedColumns into cases; pq runs
// it when prepared in a transaction, each Exec a row.
func copyStatement() string {
	quoted := make([]string, len(seedColumns))
	for i, c := range seedColumns {
		quoted[i] = `"` + c + `"`
	}
	return "COPY cases (" + strings.Join(quoted, ", ") + ") FROM STDIN"
}

// Cases inserts n synthetic cases straight into the projection with
// COPY (not through workflows): a benchmark's list queries need a
// realistic million rows in minutes, not days. The rows follow the
// default case-type catalogue and each family's lifecycle, with skewed
// priorities, about 30% unassigned, about 3% overdue and client names
// varied enough for search. Nothing else (events, entities, workflows)
// exists for them, so they are for reading only.
//
// assignees and author must be existing user IDs; assignees may be empty
// (every case unassigned). Case numbers come from the sequence live cases
// draw theirs from, so seeded and live cases never collide, and seeding
// again adds rows. Rows are committed every seedChunk, after which progress
// (when not nil) gets how many are done.
func Cases(ctx context.Context, s *store.Store, n int, assignees []string, author string, progress func(done int)) error {
	if n < 0 {
		return fmt.Errorf("seed cases: n = %d", n)
	}
	var offset int64
	if err := s.DB().GetContext(ctx, &offset, `SELECT last_value FROM case_number_seq`); err != nil {
		return fmt.Errorf("seed cases: read the case number sequence: %w", err)
	}
	g := newCaseSeeder(offset, assignees, author, time.Now())
	for done := 0; done < n; {
		size := min(seedChunk, n-done)
		if err := copyCases(ctx, s, g, size); err != nil {
			return fmt.Errorf("seed cases %d..%d: %w", done+1, done+size, err)
		}
		done += size
		if progress != nil {
			progress(done)
		}
	}
	return nil
}

// copyCases writes the seeder's next size rows in one COPY transaction.
func copyCases(ctx context.Context, s *store.Store, g *caseSeeder, size int) (err error) {
	tx, err := s.DB().BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var numbers []int64
	if err := tx.SelectContext(ctx, &numbers, `SELECT nextval('case_number_seq') FROM generate_series(1, $1)`, size); err != nil {
		return fmt.Errorf("draw case numbers: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, copyStatement())
	if err != nil {
		return fmt.Errorf("prepare copy: %w", err)
	}
	for _, number := range numbers {
		if _, err := stmt.ExecContext(ctx, g.next(number)...); err != nil {
			_ = stmt.Close()
			return fmt.Errorf("copy row: %w", err)
		}
	}
	// The argument-less Exec ends the COPY: only now does Postgres report
	// a bad row, such as a colliding case number.
	if _, err := stmt.ExecContext(ctx); err != nil {
		_ = stmt.Close()
		return fmt.Errorf("end copy: %w", err)
	}
	if err := stmt.Close(); err != nil {
		return fmt.Errorf("close copy: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// seedWeighted is one choice of seedPick, drawn w times in sum(w).
type seedWeighted[T any] struct {
	v T
	w int
}

func seedPick[T any](r *rand.Rand, choices []seedWeighted[T]) T {
	total := 0
	for _, c := range choices {
		total += c.w
	}
	n := r.IntN(total)
	for _, c := range choices {
		if n < c.w {
			return c.v
		}
		n -= c.w
	}
	panic("unreachable")
}

// Most cases are routine; a few are urgent.
var seedPriorities = []seedWeighted[contract.Priority]{
	{"LOW", 40}, {"MEDIUM", 35}, {"HIGH", 20}, {"CRITICAL", 5},
}

// The statuses of each family as a live queue holds them: much open work,
// much closed history, little in the rarer states. Every one must be in
// the family's lifecycle (the tests check).
var seedStatuses = map[contract.Family][]seedWeighted[contract.Status]{
	contract.FamilyInvestigation: {
		{contract.StatusOpen, 20}, {contract.StatusInProgress, 20},
		{contract.StatusPendingReview, 10}, {contract.StatusEscalated, 5},
		{contract.StatusResolvedTruePositive, 5}, {contract.StatusResolvedFalsePositive, 15},
		{contract.StatusClosed, 25},
	},
	contract.FamilyOnboarding: {
		{contract.StatusDraft, 10}, {contract.StatusOpen, 30}, {contract.StatusApproved, 25},
		{contract.StatusRejected, 8}, {contract.StatusClosed, 22}, {contract.StatusRevoked, 5},
	},
}

// An onboarding case's flag follows its checks; "" is no flag yet.
var seedFlags = []seedWeighted[contract.Flag]{
	{"", 20}, {contract.FlagCollecting, 30}, {contract.FlagReviewing, 25},
	{contract.FlagRecollecting, 10}, {contract.FlagAllApproved, 15},
}

// "" is no risk level assessed.
var seedRiskLevels = []seedWeighted[string]{{"", 20}, {"LOW", 45}, {"MEDIUM", 25}, {"HIGH", 10}}

var seedTags = []string{"vip", "pep", "high-value", "cross-border", "crypto", "retail", "corporate", "repeat", "sme", "escalated-once"}

var seedDomains = []string{"example.com", "example.org", "example.net", "mail.example", "bank.example", "corp.example"}

// A few hundred names, from many places, so that a search for a name finds
// some cases but far from all.
var seedFirstNames = []string{
	"James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
	"David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
	"Christopher", "Nancy", "Daniel", "Lisa", "Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra",
	"Donald", "Ashley", "Steven", "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle",
	"Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah", "Timothy", "Stephanie",
	"Ronald", "Rebecca", "Edward", "Sharon", "Jason", "Laura", "Jeffrey", "Cynthia", "Ryan", "Kathleen",
	"Jacob", "Amy", "Gary", "Angela", "Nicholas", "Shirley", "Eric", "Anna", "Jonathan", "Brenda",
	"Stephen", "Pamela", "Larry", "Emma", "Justin", "Nicole", "Scott", "Helen", "Brandon", "Samantha",
	"Mohammed", "Fatima", "Ahmed", "Aisha", "Omar", "Layla", "Yusuf", "Zainab", "Hassan", "Mariam",
	"Wei", "Li", "Jing", "Min", "Hiroshi", "Yuki", "Haruto", "Sakura", "Jin", "Seo-yeon",
	"Arjun", "Priya", "Rahul", "Ananya", "Vikram", "Deepa", "Ravi", "Kavya", "Sanjay", "Meera",
	"Lukas", "Anna", "Felix", "Lea", "Jonas", "Mia", "Leon", "Hannah", "Finn", "Lena",
	"Lucas", "Chloe", "Hugo", "Camille", "Louis", "Manon", "Jules", "Ines", "Arthur", "Jade",
	"Mateo", "Sofia", "Santiago", "Valentina", "Diego", "Camila", "Alejandro", "Lucia", "Javier", "Isabella",
	"Giovanni", "Giulia", "Marco", "Chiara", "Luca", "Francesca", "Olivier", "Elena", "Nikolai", "Olga",
	"Ivan", "Tatiana", "Piotr", "Agnieszka", "Tomasz", "Katarzyna", "Sven", "Ingrid", "Lars", "Astrid",
	"Kwame", "Amara", "Chinedu", "Ngozi", "Tunde", "Zuri", "Kofi", "Nia", "Sipho", "Thandiwe",
	"Joao", "Beatriz", "Pedro", "Mariana", "Tiago", "Rita", "Noah", "Olivia", "Liam", "Ava",
}

var seedLastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
	"Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
	"Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
	"Muller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
	"Dubois", "Durand", "Lefebvre", "Moreau", "Laurent", "Simon", "Michel", "Leroy", "Roux", "Fontaine",
	"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
	"Kowalski", "Nowak", "Wisniewski", "Wojcik", "Kaminski", "Ivanov", "Petrov", "Sokolov", "Popov", "Volkov",
	"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsen", "Hansen", "Jensen", "Nielsen", "Berg",
	"Wang", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
	"Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Kim", "Park", "Choi", "Jung", "Kang",
	"Sharma", "Patel", "Singh", "Kumar", "Gupta", "Reddy", "Iyer", "Nair", "Mehta", "Joshi",
	"Khan", "Ali", "Hussein", "Haddad", "Mansour", "Nasser", "Farah", "Aziz", "Rahman", "Karimi",
	"Okafor", "Adeyemi", "Mensah", "Owusu", "Diallo", "Traore", "Ndlovu", "Dlamini", "Mwangi", "Otieno",
	"Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Almeida", "Ferreira", "Carvalho", "Gomes",
	"O'Brien", "Murphy", "Kelly", "Walsh", "Byrne", "van Dijk", "de Jong", "Jansen", "Visser", "Bakker",
}

// SeedRareSurname is the surname of one case in seedRareEvery: searched,
// it finds a few hundred cases of a million where any other finds thousands.
const SeedRareSurname = "Featherstonehaugh"

const seedRareEvery = 5_000

var seedDescriptions = []string{
	"Raised by automated monitoring; needs a first look.",
	"Client activity departs from the declared profile.",
	"Periodic review due under the risk-based approach.",
	"Follow-up requested by the second line.",
	"Documents provided are incomplete or out of date.",
	"Counterparty appears on an internal watch list.",
	"Pattern of structured amounts below the reporting threshold.",
	"Opened from a customer service referral.",
}

var seedResolutionNotes = []string{
	"Reviewed supporting documents; no further action.",
	"Activity explained by the client's business; closed.",
	"Confirmed match; reported and relationship restricted.",
	"Client did not respond within the deadline.",
	"Duplicate of an earlier case.",
}

// caseSeeder makes the rows of one Cases call. Its randomness is
// seeded by the case number sequence, so a rerun on the same state repeats it.
type caseSeeder struct {
	r         *rand.Rand
	now       time.Time
	types     []string
	families  map[string]contract.Family
	assignees []string
	author    any // created_by: the ID, or nil for none
}

func newCaseSeeder(offset int64, assignees []string, author string, now time.Time) *caseSeeder {
	families := config.DefaultCaseTypes()
	// Sorted: map order would make the draw differ from run to run.
	types := make([]string, 0, len(families))
	for t := range families {
		types = append(types, t)
	}
	slices.Sort(types)
	g := &caseSeeder{
		r:         rand.New(rand.NewPCG(seedKey, uint64(offset))),
		now:       now.UTC().Truncate(time.Microsecond), // Postgres keeps microseconds
		types:     types,
		families:  families,
		assignees: assignees,
	}
	if author != "" {
		g.author = author
	}
	return g
}

const seedDay = 24 * time.Hour

// next returns the values of the next row, in seedColumns' order.
func (g *caseSeeder) next(number int64) []any {
	r := g.r

	typ := g.types[r.IntN(len(g.types))]
	family := g.families[typ]
	life, _ := contract.LifecycleFor(family)
	status := seedPick(r, seedStatuses[family])
	finished := life.IsTerminal(status) || life.Resolves(status)

	first := seedFirstNames[r.IntN(len(seedFirstNames))]
	last := seedLastNames[r.IntN(len(seedLastNames))]
	if number%seedRareEvery == 0 {
		// Drawn from the number, not the random stream, so the other rows
		// stay as they were: a surname a search finds a handful of.
		last = SeedRareSurname
	}
	name := first + " " + last
	local := strings.ToLower(strings.NewReplacer(" ", "", "'", "").Replace(first + "." + last))
	if r.IntN(3) == 0 {
		local += fmt.Sprint(r.IntN(100))
	}
	email := local + "@" + seedDomains[r.IntN(len(seedDomains))]

	// Spread over two years; at least an hour old, so there is room for
	// a due date between creation and now.
	created := g.now.Add(-time.Hour - time.Duration(r.Int64N(int64(2*365*seedDay))))
	age := g.now.Sub(created)
	updated := created.Add(time.Duration(r.Int64N(int64(min(age, 60*seedDay)) + 1)))

	var resolvedAt, note any
	if finished {
		resolvedAt = created.Add(time.Duration(r.Int64N(int64(updated.Sub(created)) + 1)))
		note = seedResolutionNotes[r.IntN(len(seedResolutionNotes))]
	}

	// Only live work can be overdue: about half of the cases are live, so
	// 6% of them make about 3% of all.
	var due any
	overdue := false
	switch {
	case !finished && status != contract.StatusDraft && r.IntN(100) < 6:
		overdue = true
		due = created.Add(time.Duration(r.Int64N(int64(age))))
	case !finished && r.IntN(2) == 0:
		due = g.now.Add(seedDay + time.Duration(r.Int64N(int64(45*seedDay))))
	case finished && r.IntN(2) == 0:
		due = created.Add(7*seedDay + time.Duration(r.Int64N(int64(23*seedDay))))
	}

	var flag any
	var kycApplication any
	autoApprove := false
	if family == contract.FamilyOnboarding {
		if f := seedPick(r, seedFlags); f != "" && status != contract.StatusDraft {
			flag = string(f)
		}
		if r.IntN(2) == 0 {
			kycApplication = uuid.NewString()
		}
		autoApprove = r.IntN(20) == 0
	}
	var transaction, externalID any
	if family == contract.FamilyInvestigation {
		externalID = fmt.Sprintf("ALERT-%08d", r.IntN(100_000_000))
		if typ == "SUSPICIOUS_TRANSACTION" || typ == "AML_ALERT" || typ == "FRAUD_ALERT" {
			transaction = uuid.NewString()
		}
	}

	var assignee any
	if len(g.assignees) > 0 && r.IntN(10) >= 3 {
		assignee = g.assignees[r.IntN(len(g.assignees))]
	}
	var risk any
	if lvl := seedPick(r, seedRiskLevels); lvl != "" {
		risk = lvl
	}

	// "seed" marks the rows as synthetic; up to two more vary the arrays.
	tags := pq.StringArray{"seed"}
	for range r.IntN(3) {
		if t := seedTags[r.IntN(len(seedTags))]; !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}

	version := int64(1 + r.IntN(3))
	if status != life.Initial {
		version += int64(2 + r.IntN(6))
	}

	label := strings.ReplaceAll(strings.ToLower(typ), "_", " ")
	title := strings.ToUpper(label[:1]) + label[1:] + ": " + name

	return []any{
		uuid.NewString(),
		fmt.Sprintf("CASE-%d-%05d", created.Year(), number), // as the numbering trigger writes it
		typ,
		string(family),
		string(seedPick(r, seedPriorities)),
		title,
		seedDescriptions[r.IntN(len(seedDescriptions))],
		string(status),
		flag,
		assignee,
		name,
		email,
		fmt.Sprintf("CLI-%07d", r.IntN(10_000_000)),
		risk,
		externalID,
		"{}", // jsonb: COPY takes its text form; a []byte would go as bytea
		"{}",
		tags,
		transaction,
		kycApplication,
		due,
		g.author,
		resolvedAt,
		note,
		created,
		updated,
		version,
		autoApprove,
		overdue,
	}
}
