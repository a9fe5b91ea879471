package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows/contract"
)

// Search finds clients as officers type them: any case, no accents, a
// letter wrong or missing; whole words before the start of one before a
// near miss, newest first among equals; nothing unrelated.
func TestSearchRanksAndForgives(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	author, _, err := s.EnsureUser(ctx, "ada@officers.test", contract.RoleComplianceOfficer, "Ada", "Lovelace")
	require.NoError(t, err)
	now := time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)
	project := func(c contract.Case) contract.Case {
		t.Helper()
		number, err := s.Project(ctx, contract.Projection{Case: c, Fence: c.Version})
		require.NoError(t, err)
		c.CaseNumber = number
		return c
	}
	open := func(hoursAgo int, name, email string) contract.Case {
		t.Helper()
		at := now.Add(-time.Duration(hoursAgo) * time.Hour)
		return project(contract.Case{
			NewCase: contract.NewCase{ID: uuid.NewString(), Type: "AML_ALERT", Family: contract.FamilyInvestigation,
				Priority: "HIGH", Title: "Alert", CreatedBy: author.ID, Client: &contract.Client{Name: name, Email: email}},
			Status: contract.StatusOpen, CreatedAt: at, UpdatedAt: at, Version: 1,
		})
	}
	// Newest first, as created.
	var (
		mariaGarcia  = open(1, "Maria Garcia", "maria.garcia@example.com")
		luisGarcia   = open(2, "Luis Garcia", "luis.g@corp.example")
		anaGarcias   = open(3, "Ana Garcias", "ana@example.org")
		peterJohnson = open(4, "Peter Johnson", "peter.johnson42@example.net")
		jorgMuller   = open(5, "Jörg Müller", "joerg@mail.example")
		joseAlvarez  = open(6, "José Álvarez", "j.alvarez@example.com")
		sophieDurand = open(7, "Sophie Durand", "sophie@example.com")
		ingridMarcia = open(8, "Ingrid Marcia", "ingrid.m@example.com")
	)
	all := []contract.Case{mariaGarcia, luisGarcia, anaGarcias, peterJohnson, jorgMuller, joseAlvarez, sophieDurand, ingridMarcia}
	number := sophieDurand.CaseNumber

	for _, tc := range []struct {
		name string
		q    string
		want []contract.Case
	}{
		{"a surname: whole words, then the start of one, then a letter off", "Garcia",
			[]contract.Case{mariaGarcia, luisGarcia, anaGarcias, ingridMarcia}},
		{"case is ignored", "gARCIA", []contract.Case{mariaGarcia, luisGarcia, anaGarcias, ingridMarcia}},
		{"the start of a name", "Garc", []contract.Case{mariaGarcia, luisGarcia, anaGarcias}},
		{"first and last name", "peter johnson", []contract.Case{peterJohnson}},
		{"a first name and the start of the last", "peter john", []contract.Case{peterJohnson}},
		{"unaccented finds accented", "muller", []contract.Case{jorgMuller}},
		{"accented finds accented", "Müller", []contract.Case{jorgMuller}},
		{"an accent on a first name", "jose", []contract.Case{joseAlvarez}},
		{"an accent typed where the name has one", "Álvarez", []contract.Case{joseAlvarez}},
		{"a letter missing", "Jonson", []contract.Case{peterJohnson}},
		{"a letter wrong", "Johnsen", []contract.Case{peterJohnson}},
		{"a letter too many", "Durrand", []contract.Case{sophieDurand}},
		{"an e-mail domain", "corp.example", []contract.Case{luisGarcia}},
		{"an e-mail address", "Peter.Johnson42@example.net", []contract.Case{peterJohnson}},
		{"a case number", number, []contract.Case{sophieDurand}},
		{"a case number in lower case", strings.ToLower(number), []contract.Case{sophieDurand}},
		{"the digits of a case number", number[len("CASE-2026-"):], []contract.Case{sophieDurand}},
		{"a case ID", joseAlvarez.ID, []contract.Case{joseAlvarez}},
		{"the author", "Ada Lovelace", all},
		{"a name nobody has", "Zebediah", nil},
		{"two letters off is another name", "Jonsen", nil},
		{"LIKE wildcards are literal", "100%_", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items, total, err := s.ListCases(ctx, store.CaseFilter{Q: tc.q, Page: 1, Limit: 20, CountLimit: 1_000})
			require.NoError(t, err)
			require.Equal(t, caseIDs(tc.want), ids(items))
			require.Equal(t, len(tc.want), total)
		})
	}

	t.Run("pages and cursors walk the ranking", func(t *testing.T) {
		want := caseIDs([]contract.Case{mariaGarcia, luisGarcia, anaGarcias, ingridMarcia})
		var byPage, byCursor []string
		var after *store.Position
		for page := 1; page <= len(want)+1; page++ {
			items, total, err := s.ListCases(ctx, store.CaseFilter{Q: "Garcia", Page: page, Limit: 1, CountLimit: 1_000})
			require.NoError(t, err)
			require.Equal(t, len(want), total)
			byPage = append(byPage, ids(items)...)

			items, _, err = s.ListCases(ctx, store.CaseFilter{Q: "Garcia", Page: 1, Limit: 1, After: after})
			require.NoError(t, err)
			byCursor = append(byCursor, ids(items)...)
			if len(items) > 0 {
				after = &store.Position{CreatedAt: items[0].CreatedAt, ID: items[0].ID}
			}
		}
		require.Equal(t, want, byPage)
		require.Equal(t, want, byCursor)

		// With the count and without (which read the tiers apart): two to
		// a page, the second page is past the exact tier; three to a page,
		// the first spans two tiers.
		for _, limit := range []int{0, 1_000} {
			items, _, err := s.ListCases(ctx, store.CaseFilter{Q: "Garcia", Page: 2, Limit: 2, CountLimit: limit})
			require.NoError(t, err)
			require.Equal(t, want[2:], ids(items))
			items, total, err := s.ListCases(ctx, store.CaseFilter{Q: "Garcia", Page: 1, Limit: 3, CountLimit: limit})
			require.NoError(t, err)
			require.Equal(t, want[:3], ids(items))
			if limit > 0 {
				require.Equal(t, len(want), total)
			}
		}
	})

	t.Run("filters narrow a search", func(t *testing.T) {
		items, total, err := s.ListCases(ctx, store.CaseFilter{Q: "Garcia", Priority: "LOW", Page: 1, Limit: 20})
		require.NoError(t, err)
		require.Empty(t, items)
		require.Zero(t, total)
	})

	t.Run("the count stops past its cap", func(t *testing.T) {
		_, total, err := s.ListCases(ctx, store.CaseFilter{Q: "Garcia", Page: 1, Limit: 20, CountLimit: 2})
		require.NoError(t, err)
		require.Equal(t, 3, total, "more than the cap")
		// A page within the cap, of whole words more than the cap: the one
		// read that gives both.
		items, total, err := s.ListCases(ctx, store.CaseFilter{Q: "Garcia", Page: 1, Limit: 1, CountLimit: 1})
		require.NoError(t, err)
		require.Equal(t, []string{mariaGarcia.ID}, ids(items))
		require.Equal(t, 2, total, "more than the cap")
	})

	t.Run("a renamed client is found by the new name, typo and all", func(t *testing.T) {
		renamed := sophieDurand
		renamed.Version = 2
		renamed.Client = &contract.Client{Name: "Sophie Lindqvist", Email: "sophie@example.com"}
		project(renamed)
		items, _, err := s.ListCases(ctx, store.CaseFilter{Q: "Lindqvst", Page: 1, Limit: 20})
		require.NoError(t, err)
		require.Equal(t, []string{sophieDurand.ID}, ids(items))
		items, total, err := s.ListCases(ctx, store.CaseFilter{Q: "Durand", Page: 1, Limit: 20, CountLimit: 1_000})
		require.NoError(t, err)
		require.Empty(t, items)
		require.Zero(t, total)
	})

	t.Run("a case with several words of one start counts once, however far the count reads", func(t *testing.T) {
		// Words zara, zarina, zarin, zarkova, zarr: five entries of "zar"
		// for one case, and two for the other.
		many := open(9, "Zara Zarina Zarin", "zarkova@zarr.example")
		two := open(10, "Zara Bell", "zarina.bell@example.com")
		for _, limit := range []int{1, 2, 1_000} {
			items, total, err := s.ListCases(ctx, store.CaseFilter{Q: "Zar", Page: 1, Limit: 20, CountLimit: limit})
			require.NoError(t, err)
			require.Equal(t, caseIDs([]contract.Case{many, two}), ids(items))
			require.Equal(t, min(2, limit+1), total, "count capped at %d", limit)
		}
		// "zarinn" is a letter from zarin and from zarina, both words of
		// one case: that case is found once, on its page.
		for page, want := range []contract.Case{many, two} {
			items, total, err := s.ListCases(ctx, store.CaseFilter{Q: "Zarinn", Page: page + 1, Limit: 1, CountLimit: 1_000})
			require.NoError(t, err)
			require.Equal(t, []string{want.ID}, ids(items), "page %d", page+1)
			require.Equal(t, 2, total)
		}
	})

	// The table of words the count and one word's page read holds each
	// case's words and nothing else, through inserts and renames.
	var stale, missing int
	require.NoError(t, s.DB().GetContext(ctx, &stale, `SELECT count(*) FROM (
		SELECT word, created_at, case_id FROM case_words
		EXCEPT SELECT w, created_at, id FROM cases, unnest(tsvector_to_array(search_vector)) AS w) x`))
	require.NoError(t, s.DB().GetContext(ctx, &missing, `SELECT count(*) FROM (
		SELECT w, created_at, id FROM cases, unnest(tsvector_to_array(search_vector)) AS w
		EXCEPT SELECT word, created_at, case_id FROM case_words) x`))
	require.Zero(t, stale, "entries of words no case holds")
	require.Zero(t, missing, "words of a case without their entry")
}

func caseIDs(cases []contract.Case) []string {
	out := []string{}
	for _, c := range cases {
		out = append(out, c.ID)
	}
	return out
}
