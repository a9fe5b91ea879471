package store

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/lib/pq"
	"golang.org/x/sync/errgroup"
)

// Search ranks in tiers, best first, each newest first (migration 00013
// says why, docs/ARCHITECTURE.md "Search" what an officer sees):
const (
	// tierExact: every word of q is a word of the client's name or
	// e-mail; or q is in the case number, or names the author.
	tierExact = iota
	// tierPrefix: every word of q starts a word of the client.
	tierPrefix
	// tierNear: every word of q starts a client's word or is one letter
	// from one.
	tierNear
	searchTiers
)

// search is q made ready for the tiers.
type search struct {
	// exact and prefix are tsqueries over cases.search_vector; empty
	// when q has no words (only punctuation).
	exact, prefix string
	// near is the near tier's tsquery, read from the dictionary when a
	// tier needs it: most searches fill their page and their count
	// before.
	near func() (string, error)
	// typoless is near when no known word is a letter from q's.
	typoless string
	// number matches the case number (a format with one %s), or is
	// empty: only a q with a digit, or that starts like one, can be in a
	// case number (CASE-<year>-<digits>). One that starts like one can
	// only match at its start, a seek in the prefix index; any other
	// fragment goes through the case number's trigram index.
	number        string
	numberPattern string
	authors       []string
}

// minTypoWord is the shortest word a typo is forgiven in: one letter off
// a three-letter word is another word ("lee", "li").
const minTypoWord = 4

// prepareSearch reads what the tiers need in one round trip: q's words as
// the rows' words are made (search_words) and the users q names.
func (s *Store) prepareSearch(ctx context.Context, q string) (search, error) {
	var sr search
	anywhere := "%" + escapeLike(q) + "%"
	numberPrefix := strings.HasPrefix(strings.ToUpper(q), "CASE-")
	switch {
	case numberPrefix:
		sr.number, sr.numberPattern = "c.case_number LIKE upper(%s::text)", escapeLike(q)+"%"
	case strings.ContainsAny(q, "0123456789"):
		sr.number, sr.numberPattern = "c.case_number ILIKE %s", anywhere
	}
	// Authors are few: matched first, they become a list the planner can
	// weigh, where a subquery per case made it walk the table.
	var prep struct {
		Words   pq.StringArray `db:"words"`
		Authors pq.StringArray `db:"authors"`
	}
	if err := s.db.GetContext(ctx, &prep, `SELECT search_words($1, NULL) AS words,
		ARRAY(SELECT id FROM users WHERE email ILIKE $2 OR (first_name || ' ' || last_name) ILIKE $2)::text[] AS authors`,
		q, anywhere); err != nil {
		return search{}, fmt.Errorf("search: prepare: %w", err)
	}
	sr.authors = prep.Authors
	if numberPrefix {
		// A case number's start: no client is named so, and searching
		// the words would only add the tiers' round trips.
		prep.Words = nil
	}
	var exact, prefix, typoless []string
	for _, w := range prep.Words {
		exact = append(exact, lexeme(w))
		prefix = append(prefix, lexeme(w)+":*")
		typoless = append(typoless, "("+lexeme(w)+":*)")
	}
	sr.exact, sr.prefix, sr.typoless = strings.Join(exact, " & "), strings.Join(prefix, " & "), strings.Join(typoless, " & ")
	words := prep.Words
	sr.near = sync.OnceValues(func() (string, error) { return s.nearQuery(ctx, words) })
	return sr, nil
}

// nearQuery is the near tier's tsquery: each word of q, as a prefix or
// as a known word one letter away. The dictionary is tens of thousands of
// words: its trigram index gives candidates (or, for a short word whose
// trigrams a typo mostly changes, the words of its first letter), and
// Levenshtein decides.
func (s *Store) nearQuery(ctx context.Context, words []string) (string, error) {
	var near []string
	for _, w := range words {
		alternatives := []string{lexeme(w) + ":*"}
		if len([]rune(w)) >= minTypoWord && !strings.ContainsAny(w, "0123456789") {
			var typos []string
			if err := s.db.SelectContext(ctx, &typos, `SELECT word FROM search_dictionary
				WHERE (word % $1 OR word LIKE $2) AND word <> $1
					AND char_length(word) BETWEEN char_length($1) - 1 AND char_length($1) + 1
					AND levenshtein_less_equal(word, $1, 1) <= 1
				ORDER BY word`, w, escapeLike(string([]rune(w)[:1]))+"%"); err != nil {
				return "", fmt.Errorf("search: words near %q: %w", w, err)
			}
			for _, t := range typos {
				alternatives = append(alternatives, lexeme(t))
			}
		}
		near = append(near, "("+strings.Join(alternatives, " | ")+")")
	}
	return strings.Join(near, " & "), nil
}

// lexeme quotes a word for a tsquery, where it is taken as it is.
func lexeme(w string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(w) + "'"
}

// match is the condition of the tiers up to and including tier.
func (sr search) match(tier int, a *sqlArgs) (string, error) {
	var or []string
	if sr.exact != "" {
		query := sr.exact
		switch tier {
		case tierExact:
		case tierPrefix:
			query = sr.prefix
		default:
			near, err := sr.near()
			if err != nil {
				return "", err
			}
			query = near
		}
		or = append(or, "c.search_vector @@ "+a.add(query)+"::tsquery")
	}
	if sr.number != "" {
		or = append(or, fmt.Sprintf(sr.number, a.add(sr.numberPattern)))
	}
	if len(sr.authors) > 0 {
		or = append(or, "c.created_by = ANY("+a.add(pq.StringArray(sr.authors))+"::uuid[])")
	}
	if len(or) == 0 {
		return "false", nil
	}
	return "(" + strings.Join(or, " OR ") + ")", nil
}

// tier is the condition of tier alone: its match, none of a better one's.
func (sr search) tier(tier int, a *sqlArgs) (string, error) {
	m, err := sr.match(tier, a)
	if err != nil || tier == tierExact {
		return m, err
	}
	better, err := sr.match(tier-1, a)
	// IS NOT TRUE: a NULL author is no match, not an unknown one.
	return m + " AND " + better + " IS NOT TRUE", err
}

// empty reports a tier no case can fall in: without words, the prefix
// and near tiers are the exact one; without a typo to forgive, the near
// tier is the prefix one.
func (sr search) empty(tier int) (bool, error) {
	switch tier {
	case tierPrefix:
		return sr.exact == "", nil
	case tierNear:
		near, err := sr.near()
		return sr.exact == "" || near == sr.typoless, err
	}
	return false, nil
}

// searchCases is ListCases for a q that is not a case ID: the page is
// read tier by tier, each newest first and stopped at what the page still
// needs, so a common name reads a page's worth of rows and not every
// match; the count goes on to the next tier only while under its cap.
func (s *Store) searchCases(ctx context.Context, f CaseFilter, q string) ([]Case, int, error) {
	sr, err := s.prepareSearch(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	total := -1
	g, gctx := errgroup.WithContext(ctx)
	if f.After == nil {
		g.Go(func() error {
			n, err := s.searchCount(gctx, f, sr)
			total = n
			return err
		})
	}
	var items []Case
	g.Go(func() error {
		var err error
		items, err = s.searchPage(gctx, f, sr)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, 0, err
	}
	return items, total, nil
}

// searchPage reads f's page of the ranking. A cursor holds the last
// case's place in time only (the API's cursor is that); the tier it was
// in is the tier that case is in now, and a case that no longer matches
// continues the last tier.
//
// Each tier picks the IDs first: a walk of cases_search_walk_idx reads
// the newest entries and tests the tier on the index alone, and only the
// page's rows are read from the table.
func (s *Store) searchPage(ctx context.Context, f CaseFilter, sr search) ([]Case, error) {
	first, offset := tierExact, (f.Page-1)*f.Limit
	if f.After != nil {
		offset = 0
		var a sqlArgs
		var whens []string
		for tier := tierExact; tier < tierNear; tier++ {
			m, err := sr.match(tier, &a)
			if err != nil {
				return nil, err
			}
			whens = append(whens, fmt.Sprintf("WHEN %s THEN %d", m, tier))
		}
		var at *int
		if err := s.db.GetContext(ctx, &at, `SELECT CASE `+strings.Join(whens, " ")+` ELSE `+fmt.Sprint(tierNear)+
			` END FROM cases c WHERE c.id = `+a.add(f.After.ID), a...); err != nil && !isNoRows(err) {
			return nil, fmt.Errorf("search: place the cursor: %w", err)
		}
		first = tierNear
		if at != nil {
			first = *at
		}
	}
	items := []Case{}
	for tier := first; tier < searchTiers && len(items) < f.Limit; tier++ {
		if empty, err := sr.empty(tier); err != nil {
			return nil, err
		} else if empty {
			continue
		}
		var a sqlArgs
		cond, err := sr.tier(tier, &a)
		if err != nil {
			return nil, err
		}
		where := append(filterConds(f, &a), cond)
		if f.After != nil && tier == first {
			where = append(where, keysetCond(*f.After, &a))
		}
		page := []Case{}
		query := `SELECT ` + listColumns + ` FROM cases c WHERE c.id IN (SELECT c.id FROM cases c` + whereClause(where) +
			` ORDER BY c.created_at DESC, c.id DESC LIMIT ` + a.add(f.Limit-len(items)) + ` OFFSET ` + a.add(offset) +
			`) ORDER BY c.created_at DESC, c.id DESC`
		if err := s.db.SelectContext(ctx, &page, query, a...); err != nil {
			return nil, fmt.Errorf("search cases: %w", err)
		}
		items = append(items, page...)
		if offset > 0 && len(page) == 0 {
			// The offset passes this tier: the next starts where its
			// rows end.
			var n int
			if err := s.db.GetContext(ctx, &n, countQuery(where, -1), a[:len(a)-2]...); err != nil {
				return nil, fmt.Errorf("search: count a tier: %w", err)
			}
			offset -= n
		} else {
			offset = 0
		}
	}
	return items, nil
}

// searchCount counts the search's matches, capped as f says: the exact
// and prefix tiers, and only when they stay under the cap every tier at
// once (the near words cost a dictionary lookup).
func (s *Store) searchCount(ctx context.Context, f CaseFilter, sr search) (int, error) {
	var total int
	for _, tier := range []int{tierPrefix, tierNear} {
		if empty, err := sr.empty(tier); tier == tierNear && (empty || err != nil) {
			return total, err
		}
		var a sqlArgs
		cond, err := sr.match(tier, &a)
		if err != nil {
			return 0, err
		}
		if err := s.db.GetContext(ctx, &total, countQuery(append(filterConds(f, &a), cond), cmp.Or(f.CountLimit, -1)), a...); err != nil {
			return 0, fmt.Errorf("count cases: %w", err)
		}
		if f.CountLimit > 0 && total > f.CountLimit {
			break
		}
	}
	return total, nil
}
