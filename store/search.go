package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

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
	// words are q's words, each once, as the rows' words are made.
	words []string
	// typos are, for each of q's words, the known words a letter away,
	// read from the dictionary when a tier needs them: most searches fill
	// their page and their count before.
	typos func() ([][]string, error)
	// number matches the case number (a format with one %s), or is
	// empty: only a q with a digit, or that starts like one, can be in a
	// case number (CASE-<year>-<digits>). One that starts like one can
	// only match at its start, a seek in the prefix index; any other
	// fragment goes through the case number's trigram index.
	number        string
	numberPattern string
	authors       []string
	// sizes are the tiers' sizes where a count read them exactly, -1
	// where it did not: the page passes over a tier known empty.
	sizes [searchTiers]int
}

// minTypoWord is the shortest word a typo is forgiven in: one letter off
// a three-letter word is another word ("lee", "li").
const minTypoWord = 4

// prepareSearch reads what the tiers need in one round trip: q's words as
// the rows' words are made (search_words) and the users q names.
func (s *Store) prepareSearch(ctx context.Context, q string) (search, error) {
	sr := search{sizes: [searchTiers]int{-1, -1, -1}}
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
	if err := s.get(ctx, &prep, `SELECT search_words($1, NULL) AS words,
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
	var exact, prefix []string
	for _, w := range prep.Words {
		if slices.Contains(sr.words, w) {
			continue
		}
		sr.words = append(sr.words, w)
		exact = append(exact, lexeme(w))
		prefix = append(prefix, lexeme(w)+":*")
	}
	sr.exact, sr.prefix = strings.Join(exact, " & "), strings.Join(prefix, " & ")
	words := sr.words
	sr.typos = sync.OnceValues(func() ([][]string, error) { return s.typos(ctx, words) })
	return sr, nil
}

// typos are, for each of words, the known words one letter away. The
// dictionary is tens of thousands of words: its trigram index gives
// candidates (or, for a short word whose trigrams a typo mostly changes,
// the words of its first letter), and Levenshtein decides.
func (s *Store) typos(ctx context.Context, words []string) ([][]string, error) {
	typos := make([][]string, len(words))
	for i, w := range words {
		if len([]rune(w)) < minTypoWord || strings.ContainsAny(w, "0123456789") {
			continue
		}
		if err := s.list(ctx, &typos[i], `SELECT word FROM search_dictionary
			WHERE (word % $1 OR word LIKE $2) AND word <> $1
				AND char_length(word) BETWEEN char_length($1) - 1 AND char_length($1) + 1
				AND levenshtein_less_equal(word, $1, 1) <= 1
			ORDER BY word`, w, escapeLike(string([]rune(w)[:1]))+"%"); err != nil {
			return nil, fmt.Errorf("search: words near %q: %w", w, err)
		}
	}
	return typos, nil
}

// near is the near tier's tsquery: each word of q, as a prefix or as a
// known word one letter away; empty when no known word is.
func (sr search) near() (string, error) {
	typos, err := sr.typos()
	if err != nil || !slices.ContainsFunc(typos, func(t []string) bool { return len(t) > 0 }) {
		return "", err
	}
	near := make([]string, len(sr.words))
	for i, w := range sr.words {
		alternatives := []string{lexeme(w) + ":*"}
		for _, t := range typos[i] {
			alternatives = append(alternatives, lexeme(t))
		}
		near[i] = "(" + strings.Join(alternatives, " | ") + ")"
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
			query = cmp.Or(near, sr.prefix)
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
		return near == "", err
	}
	return false, nil
}

// searchCases is ListCases for a q that is not a case ID. Most searches,
// words alone with the page within the count's cap, are searchByWords:
// from the table of words. Any other (a filter, a case number or author,
// a cursor) reads the page tier by tier, each newest first and stopped at
// what the page still needs, so a common name reads a page's worth of
// rows and not every match, and beside it the count, which goes on to the
// next tier only while under its cap.
func (s *Store) searchCases(ctx context.Context, f CaseFilter, q string) ([]Case, int, error) {
	sr, err := s.prepareSearch(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	if offset := (f.Page - 1) * f.Limit; f.After == nil && f.CountLimit > 0 && sr.byWords(f) && offset+f.Limit <= f.CountLimit+1 {
		return s.searchByWords(ctx, f, sr, offset)
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

// searchByWords is searchCases for a byWords search whose page is within
// the count's cap. The exact tier's first cap+1 entries (every match, or
// enough to say "more") are read once, in the list's order: the page is
// cut from them and the count is theirs, in one statement. Only when
// there are fewer does the search go on to the other tiers, counting
// them first (for one word from the same table) so that the page can pass
// over a tier the count found empty: for a mistyped name, every tier but
// the near one.
func (s *Store) searchByWords(ctx context.Context, f CaseFilter, sr search, offset int) ([]Case, int, error) {
	var a sqlArgs
	query := `WITH matched AS MATERIALIZED (SELECT w0.created_at, w0.case_id FROM ` + sr.exactEntries(&a) +
		` ORDER BY w0.created_at DESC, w0.case_id DESC LIMIT ` + a.add(f.CountLimit+1) + `),
		page AS (SELECT case_id FROM matched ORDER BY created_at DESC, case_id DESC LIMIT ` + a.add(f.Limit) +
		` OFFSET ` + a.add(offset) + `)
		SELECT (SELECT count(*) FROM matched) AS matched, ` + listColumns + `
		FROM cases c WHERE c.id IN (SELECT case_id FROM page) ORDER BY c.created_at DESC, c.id DESC`
	var rows []struct {
		Matched int `db:"matched"`
		Case
	}
	if err := s.listWords(ctx, sr, &rows, query, a...); err != nil {
		return nil, 0, fmt.Errorf("search cases: %w", err)
	}
	items, exact := make([]Case, len(rows)), -1
	if offset == 0 {
		exact = 0
	}
	for i, r := range rows {
		items[i], exact = r.Case, r.Matched
	}
	if exact > f.CountLimit {
		// The page is within the cap, so these matches fill it.
		return items, exact, nil
	}
	var total int
	if len(sr.words) == 1 {
		n, sizes, _, err := s.countByWords(ctx, sr, f.CountLimit, exact)
		if err != nil {
			return nil, 0, err
		}
		total, sr.sizes = n, sizes
	} else {
		if exact >= 0 {
			sr.sizes[tierExact] = exact
		}
		n, err := s.countTiers(ctx, f, sr)
		if err != nil {
			return nil, 0, err
		}
		total = n
	}
	if len(items) == f.Limit {
		return items, total, nil
	}
	if exact < 0 {
		// The page starts past the exact tier, whose size this read did
		// not give: the tiers are read from the start.
		items, err := s.readTiers(ctx, f, sr, tierExact, offset, []Case{})
		return items, total, err
	}
	// The page began within the exact tier (or is the first): the prefix
	// tier is read from its start.
	items, err := s.readTiers(ctx, f, sr, tierPrefix, 0, items)
	return items, total, err
}

// searchPage reads f's page of the ranking. A cursor holds the last
// case's place in time only (the API's cursor is that); the tier it was
// in is the tier that case is in now, and a case that no longer matches
// continues the last tier.
//
// Each tier picks the IDs first (readTiers): from case_words where it can
// answer alone, or by a walk of cases_created_idx that reads the newest
// entries and tests the tier on the index alone; only the page's rows are
// read from the table.
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
	return s.readTiers(ctx, f, sr, first, offset, []Case{})
}

// readTiers reads on from tier first, past offset cases of it and after,
// until items holds f's page.
func (s *Store) readTiers(ctx context.Context, f CaseFilter, sr search, first, offset int, items []Case) ([]Case, error) {
	for tier := first; tier < searchTiers && len(items) < f.Limit; tier++ {
		if empty, err := sr.empty(tier); err != nil {
			return nil, err
		} else if empty || sr.sizes[tier] == 0 {
			continue
		}
		// ids are the tier's cases in the list's order, count how many
		// they are, both over a's arguments.
		var a sqlArgs
		var ids, count string
		fromWords := tier == tierExact && sr.byWords(f)
		if fromWords {
			entries := sr.exactEntries(&a)
			if f.After != nil && tier == first {
				entries += " AND (w0.created_at, w0.case_id) < (" + a.add(f.After.CreatedAt) + ", " + a.add(f.After.ID) + "::uuid)"
			}
			ids = `SELECT w0.case_id FROM ` + entries + ` ORDER BY w0.created_at DESC, w0.case_id DESC`
			count = `SELECT count(*) FROM ` + entries
		} else if tier == tierNear && sr.sizes[tierExact] == 0 && sr.sizes[tierPrefix] == 0 && len(sr.words) == 1 && sr.byWords(f) && f.After == nil {
			// No case holds q's word or a longer one (a name mistyped):
			// the tier is the cases of the words a letter away, whose
			// newest are the first entries of each word's range.
			typos, err := sr.typos()
			if err != nil {
				return nil, err
			}
			newest := strconv.Itoa(f.Limit - len(items) + offset)
			var each, all []string
			for _, t := range typos[0] {
				word := a.add(t)
				each = append(each, `(SELECT created_at, case_id FROM case_words WHERE word = `+word+
					` ORDER BY created_at DESC, case_id DESC LIMIT `+newest+`)`)
				all = append(all, `SELECT case_id FROM case_words WHERE word = `+word)
			}
			ids = `SELECT n.case_id FROM (` + strings.Join(each, " UNION ") + `) n ORDER BY n.created_at DESC, n.case_id DESC`
			count = `SELECT count(*) FROM (` + strings.Join(all, " UNION ") + `) n`
		} else {
			cond, err := sr.tier(tier, &a)
			if err != nil {
				return nil, err
			}
			where := append(filterConds(f, &a), cond)
			if f.After != nil && tier == first {
				where = append(where, keysetCond(*f.After, &a))
			}
			ids = `SELECT c.id FROM cases c` + whereClause(where) + ` ORDER BY c.created_at DESC, c.id DESC`
			count = countQuery(where, -1)
		}
		tierArgs := len(a)
		page := []Case{}
		query := `SELECT ` + listColumns + ` FROM cases c WHERE c.id IN (` + ids +
			` LIMIT ` + a.add(f.Limit-len(items)) + ` OFFSET ` + a.add(offset) + `) ORDER BY c.created_at DESC, c.id DESC`
		run := s.db.SelectContext
		if fromWords {
			run = func(ctx context.Context, dest any, query string, args ...any) error {
				return s.listWords(ctx, sr, dest, query, args...)
			}
		}
		if err := run(ctx, &page, query, a...); err != nil {
			return nil, fmt.Errorf("search cases: %w", err)
		}
		items = append(items, page...)
		if offset > 0 && len(page) == 0 {
			// The offset passes this tier: the next starts where its
			// rows end.
			var n int
			if err := s.db.GetContext(ctx, &n, count, a[:tierArgs]...); err != nil {
				return nil, fmt.Errorf("search: count a tier: %w", err)
			}
			offset -= n
		} else {
			offset = 0
		}
	}
	return items, nil
}

// searchCount counts the search's matches, capped as f says: from the
// table of words where it answers alone (countByWords), else tier by tier
// from the cases (countTiers).
func (s *Store) searchCount(ctx context.Context, f CaseFilter, sr search) (int, error) {
	if f.CountLimit > 0 && sr.byWords(f) {
		if n, _, done, err := s.countByWords(ctx, sr, f.CountLimit, -1); err != nil || done {
			return n, err
		}
	}
	return s.countTiers(ctx, f, sr)
}

// countTiers counts the search's matches tier by tier, capped as f says,
// from the cases: the exact and prefix tiers at once, and the near tier
// too only while under the cap.
func (s *Store) countTiers(ctx context.Context, f CaseFilter, sr search) (int, error) {
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

// byWords reports a search the table of words (case_words, migration
// 00016) answers alone, without visiting the cases: one of q's words and
// nothing else, no filter, case number or author.
func (sr search) byWords(f CaseFilter) bool {
	return len(sr.words) > 0 && sr.number == "" && len(sr.authors) == 0 && len(filterConds(f, new(sqlArgs))) == 0
}

// exactEntries is the FROM and WHERE of the exact tier's entries w0 in
// case_words: the first word's, in the list's order, each met by the
// other words' entries of the same case in a merge join, the ranges being
// in the same order.
func (sr search) exactEntries(a *sqlArgs) string {
	entries := "case_words w0"
	for i, w := range sr.words[1:] {
		entries += fmt.Sprintf(" JOIN case_words w%[1]d ON w%[1]d.word = %[2]s AND w%[1]d.created_at = w0.created_at AND w%[1]d.case_id = w0.case_id",
			i+1, a.add(w))
	}
	return entries + " WHERE w0.word = " + a.add(sr.words[0])
}

// countByWords counts a byWords search, capped at limit, from case_words
// alone: the exact tier, which past the cap is the answer (a common name);
// for one word then its starts, then the words a letter from it. sizes
// are the tiers' sizes it read exactly (-1 for the others); done is false
// for several words under the cap, whose starts the caller counts.
func (s *Store) countByWords(ctx context.Context, sr search, limit, exact int) (n int, sizes [searchTiers]int, done bool, err error) {
	sizes = [searchTiers]int{-1, -1, -1}
	n = exact
	if n < 0 {
		var a sqlArgs
		query := `SELECT count(*) FROM (SELECT FROM ` + sr.exactEntries(&a) + ` LIMIT ` + a.add(limit+1) + `) capped`
		if err := s.getWords(ctx, sr, &n, query, a...); err != nil {
			return 0, sizes, false, fmt.Errorf("count cases: %w", err)
		}
	}
	if n > limit || len(sr.words) > 1 {
		return n, sizes, n > limit, nil
	}
	sizes[tierExact] = n
	// Each tier holds the one before it: its size is what it adds.
	counted := n
	w := sr.words[0]
	if n, err = s.countWord(ctx, w, nil, limit); err != nil || n > limit {
		return n, sizes, true, err
	}
	sizes[tierPrefix], counted = n-counted, n
	typos, err := sr.typos()
	if err != nil || len(typos[0]) == 0 {
		sizes[tierNear] = 0
		return n, sizes, true, err
	}
	if n, err = s.countWord(ctx, w, typos[0], limit); err == nil && n <= limit {
		sizes[tierNear] = n - counted
	}
	return n, sizes, true, err
}

// countWord counts, capped at limit, the cases with a word that starts
// with prefix or is one of near. A case with two such words (garcia and
// garcia42) counts once, so the entries are counted distinct, the first
// limit+1 of them and then four times as many each time until they are
// all read or hold more than limit cases: a count never reads a whole
// range of words (a one-letter q's is hundreds of thousands) to find a
// case twice.
func (s *Store) countWord(ctx context.Context, prefix string, near []string, limit int) (int, error) {
	// The words starting with prefix are a range of the C-collated index
	// (below the highest character after it: no word holds that one),
	// written as one so that the statement's plan does not depend on it.
	const entries = `SELECT case_id FROM case_words WHERE word >= $1 AND word < $2
		UNION ALL SELECT case_id FROM case_words WHERE word = ANY($3)`
	for read := limit + 1; ; read *= 4 {
		var got struct {
			Cases   int `db:"cases"`
			Entries int `db:"entries"`
		}
		if err := s.get(ctx, &got, `SELECT count(DISTINCT case_id) AS cases, count(*) AS entries FROM (`+entries+` LIMIT $4) e`,
			prefix, prefix+string(utf8.MaxRune), pq.StringArray(near), read); err != nil {
			return 0, fmt.Errorf("count cases: %w", err)
		}
		if got.Entries < read || got.Cases > limit {
			return min(got.Cases, limit+1), nil
		}
	}
}

// getWords and listWords run a query over the table of words, prepared
// (Store.get) when q has one word: its text is then one of a few, and its
// plan, index ranges chosen by the words' order alone, does not depend on
// the word. Several words make a text for each count of them, which would
// grow the prepared statements without bound, and a join whose generic
// plan could not weigh the words.
func (s *Store) getWords(ctx context.Context, sr search, dest any, query string, args ...any) error {
	if len(sr.words) == 1 {
		return s.get(ctx, dest, query, args...)
	}
	return s.db.GetContext(ctx, dest, query, args...)
}

func (s *Store) listWords(ctx context.Context, sr search, dest any, query string, args ...any) error {
	if len(sr.words) == 1 {
		return s.list(ctx, dest, query, args...)
	}
	return s.db.SelectContext(ctx, dest, query, args...)
}
