package store_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/store/seed"
	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows/contract"
)

// seeded returns a fresh store holding n seeded cases, with the IDs of
// the two officers they are assigned among.
func seeded(t *testing.T, n int) (*store.Store, []string) {
	t.Helper()
	s, _ := storetest.New(t)
	ctx := context.Background()
	var assignees []string
	for _, u := range []struct{ email, first, last string }{
		{"ada@bank.example", "Ada", "Officer"}, {"bo@bank.example", "Bo", "Officer"},
	} {
		user, _, err := s.EnsureUser(ctx, u.email, contract.RoleComplianceOfficer, u.first, u.last)
		require.NoError(t, err)
		assignees = append(assignees, user.ID)
	}
	var reported []int
	require.NoError(t, seed.Cases(ctx, s, n, assignees, assignees[0], func(done int) { reported = append(reported, done) }))
	require.NotEmpty(t, reported)
	require.Equal(t, n, reported[len(reported)-1])
	return s, assignees
}

func TestSeedCases(t *testing.T) {
	const n = 20_000
	s, assignees := seeded(t, n)
	ctx := context.Background()
	db := s.DB()

	var count int
	require.NoError(t, db.GetContext(ctx, &count, `SELECT count(*) FROM cases`))
	require.Equal(t, n, count)

	t.Run("statuses belong to their family", func(t *testing.T) {
		var rows []struct {
			Family string `db:"family"`
			Status string `db:"status"`
		}
		require.NoError(t, db.SelectContext(ctx, &rows, `SELECT DISTINCT family, status FROM cases`))
		for _, r := range rows {
			life, ok := contract.LifecycleFor(contract.Family(r.Family))
			require.True(t, ok, "family %q", r.Family)
			require.True(t, slices.Contains(life.Statuses(), contract.Status(r.Status)), "%s in %s", r.Status, r.Family)
		}
	})

	t.Run("columns are consistent", func(t *testing.T) {
		var bad int
		require.NoError(t, db.GetContext(ctx, &bad, `
			SELECT count(*) FROM cases WHERE updated_at < created_at
				OR (overdue AND (due_date IS NULL OR due_date >= now()))
				OR (family = 'investigation' AND flag IS NOT NULL)
				OR created_by IS NULL OR version < 1 OR NOT 'seed' = ANY (tags)`))
		require.Zero(t, bad)
		var overdue, unassigned int
		require.NoError(t, db.GetContext(ctx, &overdue, `SELECT count(*) FROM cases WHERE overdue`))
		require.InDelta(t, 0.03, float64(overdue)/n, 0.015)
		require.NoError(t, db.GetContext(ctx, &unassigned, `SELECT count(*) FROM cases WHERE assigned_to IS NULL`))
		require.InDelta(t, 0.3, float64(unassigned)/n, 0.05)
	})

	t.Run("every filter finds cases", func(t *testing.T) {
		some, _, err := s.ListCases(ctx, store.CaseFilter{Page: 1, Limit: 1})
		require.NoError(t, err)
		surname := some[0].ClientName.String[strings.LastIndex(some[0].ClientName.String, " ")+1:]
		yes := true
		for name, f := range map[string]store.CaseFilter{
			"status":   {Status: "IN_PROGRESS"},
			"type":     {Type: "AML_ALERT"},
			"priority": {Priority: "CRITICAL"},
			"assignee": {AssigneeID: assignees[1]},
			"flag":     {Flag: "COLLECTING"},
			"overdue":  {Overdue: &yes},
			"q":        {Q: strings.ToLower(surname)},
		} {
			f.Page, f.Limit = 1, 20
			items, total, err := s.ListCases(ctx, f)
			require.NoError(t, err, name)
			require.Len(t, items, 20, name)
			require.Greater(t, total, 20, name)
			require.Less(t, total, n, name)
		}
	})

	t.Run("keyset pages follow on without overlap", func(t *testing.T) {
		const limit = 50
		for _, base := range []store.CaseFilter{{}, {Status: "OPEN"}} {
			var walked []store.Case
			f := base
			f.Page, f.Limit = 1, limit
			page, _, err := s.ListCases(ctx, f)
			require.NoError(t, err)
			for range 10 {
				require.Len(t, page, limit)
				walked = append(walked, page...)
				last := page[len(page)-1]
				f.After = &store.Position{CreatedAt: last.CreatedAt, ID: last.ID}
				page, _, err = s.ListCases(ctx, f)
				require.NoError(t, err)
			}
			seen := map[string]bool{}
			for i, c := range walked {
				require.False(t, seen[c.ID], "case %s twice", c.ID)
				seen[c.ID] = true
				if i > 0 {
					p := walked[i-1]
					require.True(t, c.CreatedAt.Before(p.CreatedAt) || (c.CreatedAt.Equal(p.CreatedAt) && c.ID < p.ID),
						"row %d out of (created_at, id) DESC order", i)
				}
			}
			// The keyset walk is the offset pages, without the offset.
			f = base
			f.Page, f.Limit = 10, limit
			offset, _, err := s.ListCases(ctx, f)
			require.NoError(t, err)
			require.Equal(t, ids(offset), ids(walked[9*limit:]))
		}
	})

	t.Run("seeding again adds rows", func(t *testing.T) {
		require.NoError(t, seed.Cases(ctx, s, 5_000, assignees, assignees[0], nil))
		require.NoError(t, db.GetContext(ctx, &count, `SELECT count(*) FROM cases`))
		require.Equal(t, n+5_000, count)
	})
}

func ids(cases []store.Case) []string {
	out := make([]string, len(cases))
	for i, c := range cases {
		out[i] = c.ID
	}
	return out
}

// keysetColumns and the queries below are ListCases' SQL for a keyset page,
// unfiltered and by status, as it issues them.
const keysetColumns = `c.id, c.case_number, c.type, c.family, c.priority, c.title, c.description,
	c.status, c.flag, c.assigned_to, c.client_name, c.client_email, c.client_external_id,
	c.risk_level, c.external_id, c.metadata, c.properties, c.tags, c.related_transaction_id,
	c.related_kyc_application_id, c.due_date, c.created_by, c.resolved_at, c.resolution_note,
	c.created_at, c.updated_at, c.version, c.auto_approve, c.overdue`

func TestKeysetPageIsIndexSeek(t *testing.T) {
	s, _ := seeded(t, 20_000)
	ctx := context.Background()
	db := s.DB()
	_, err := db.ExecContext(ctx, `VACUUM ANALYZE cases`)
	require.NoError(t, err)

	// Two filters count from one filter's index, never the table.
	var out string
	require.NoError(t, db.GetContext(ctx, &out, `EXPLAIN (FORMAT JSON) SELECT count(*) FROM (SELECT 1 FROM cases c
		WHERE c.status = $1 AND c.priority = $2 LIMIT 10001) capped`, "OPEN", "HIGH"))
	require.Contains(t, out, `"Index Only Scan"`)
	require.NotContains(t, out, `"Seq Scan"`)

	// A search's word finds its few cases in the GIN index; a word most
	// cases hold is walked in the list's order on the index alone, and a
	// case number's start seeks the pattern index.
	require.NoError(t, db.GetContext(ctx, &out, `EXPLAIN (FORMAT JSON) SELECT 1 FROM cases c
		WHERE c.search_vector @@ $1::tsquery`, "'garcia'"))
	require.Contains(t, out, `"cases_search_vector"`)
	require.NoError(t, db.GetContext(ctx, &out, `EXPLAIN (FORMAT JSON) SELECT c.id FROM cases c
		WHERE c.search_vector @@ $1::tsquery ORDER BY c.created_at DESC, c.id DESC LIMIT 20`, "'example'"))
	require.Contains(t, out, `"Index Only Scan"`)
	require.Contains(t, out, `"cases_created_idx"`)
	require.NoError(t, db.GetContext(ctx, &out, `EXPLAIN (FORMAT JSON) SELECT 1 FROM cases c
		WHERE c.case_number LIKE upper($1)`, "case-2026-0001%"))
	require.Contains(t, out, `"cases_case_number_prefix"`)

	// A deep position: three quarters of the way down the list.
	var deep struct {
		CreatedAt time.Time `db:"created_at"`
		ID        string    `db:"id"`
	}
	require.NoError(t, db.GetContext(ctx, &deep, `SELECT c.created_at, c.id FROM cases c
		ORDER BY c.created_at DESC, c.id DESC OFFSET 15000 LIMIT 1`))

	for _, q := range []struct {
		name, sql, index string
		args             []any
	}{
		{"unfiltered", `SELECT ` + keysetColumns + ` FROM cases c WHERE (c.created_at, c.id) < ($1, $2::uuid)
			ORDER BY c.created_at DESC, c.id DESC LIMIT $3`, "cases_created_idx",
			[]any{deep.CreatedAt, deep.ID, 20}},
		{"by status", `SELECT ` + keysetColumns + ` FROM cases c WHERE c.status = $1 AND (c.created_at, c.id) < ($2, $3::uuid)
			ORDER BY c.created_at DESC, c.id DESC LIMIT $4`, "cases_status_cover_idx",
			[]any{"OPEN", deep.CreatedAt, deep.ID, 20}},
	} {
		t.Run(q.name, func(t *testing.T) {
			var out string
			require.NoError(t, db.GetContext(ctx, &out, `EXPLAIN (FORMAT JSON) `+q.sql, q.args...))
			var plans []struct{ Plan planNode }
			require.NoError(t, json.Unmarshal([]byte(out), &plans))
			var nodes []planNode
			plans[0].Plan.walk(func(n planNode) { nodes = append(nodes, n) })
			seek := false
			for _, n := range nodes {
				require.NotEqual(t, "Seq Scan", n.NodeType, "plan: %s", out)
				require.NotEqual(t, "Sort", n.NodeType, "plan: %s", out)
				if strings.Contains(n.NodeType, "Index") && n.RelationName == "cases" {
					// A seek: the keyset bound is an index condition, not a
					// filter over the rows an index walk reads.
					require.Equal(t, q.index, n.IndexName, "plan: %s", out)
					require.Contains(t, n.IndexCond, "created_at", "plan: %s", out)
					require.NotContains(t, n.Filter, "created_at", "plan: %s", out)
					seek = true
				}
			}
			require.True(t, seek, "no index scan on cases: %s", out)
		})
	}
}

// planNode is the part of an EXPLAIN (FORMAT JSON) node the test reads.
type planNode struct {
	NodeType     string     `json:"Node Type"`
	RelationName string     `json:"Relation Name"`
	IndexName    string     `json:"Index Name"`
	IndexCond    string     `json:"Index Cond"`
	Filter       string     `json:"Filter"`
	Plans        []planNode `json:"Plans"`
}

func (n planNode) walk(visit func(planNode)) {
	visit(n)
	for _, c := range n.Plans {
		c.walk(visit)
	}
}

// TestCappedCount counts no further than asked: a million rows must not
// cost a full count on every page.
func TestCappedCount(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	author, _, err := s.EnsureUser(ctx, "author@bank.example", contract.RoleAnalyst, "A", "Uthor")
	require.NoError(t, err)
	require.NoError(t, seed.Cases(ctx, s, 500, nil, author.ID, nil))

	_, total, err := s.ListCases(ctx, store.CaseFilter{Page: 1, Limit: 10})
	require.NoError(t, err)
	require.Equal(t, 500, total, "exact without a limit")
	_, total, err = s.ListCases(ctx, store.CaseFilter{Page: 1, Limit: 10, CountLimit: 100})
	require.NoError(t, err)
	require.Equal(t, 101, total, "one past the limit means more than it")
	_, total, err = s.ListCases(ctx, store.CaseFilter{Page: 1, Limit: 10, CountLimit: 1_000})
	require.NoError(t, err)
	require.Equal(t, 500, total, "exact below the limit")
}
