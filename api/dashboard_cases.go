package api

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
)

// casesFilter is the Cases tab's search form as the page shows it again.
type casesFilter struct {
	Q, Status, Type, Priority, Assignee, Flag, Overdue, Sort string
}

type caseRow struct {
	store.Case
	Assignee string
}

type casesData struct {
	Filter     casesFilter
	Rows       []caseRow
	Statuses   []string
	Types      []string
	Priorities []string
	Flags      []string
	Officers   []store.User
	Total      int
	Capped     bool
	Page       int
	Pages      int
	Prev, Next string
	First      string
}

// casesPage is the Cases tab: the list the JSON API serves (the same
// store.ListCases), searched, filtered, sorted and paged from the form.
func (s *Server) casesPage(c *fiber.Ctx) error {
	me := currentUser(c)
	in := casesFilter{Q: strings.TrimSpace(c.Query("q")), Status: c.Query("status"), Type: c.Query("type"),
		Priority: c.Query("priority"), Assignee: c.Query("assignee"), Flag: c.Query("flag"),
		Overdue: c.Query("overdue"), Sort: c.Query("sort")}
	f := store.CaseFilter{Q: in.Q, Page: 1, Limit: defaultLimit, CountLimit: ListCountLimit}
	var problems []string
	// A value the list does not know is said, and that filter dropped.
	drop := func(what string, value *string) {
		problems = append(problems, what+" "+strconv.Quote(*value)+" is not one this list knows")
		*value = ""
	}
	if in.Status != "" && !contract.ValidStatus(in.Status) {
		drop("status", &in.Status)
	}
	if _, ok := s.cfg.Cases.Types[in.Type]; in.Type != "" && !ok {
		drop("type", &in.Type)
	}
	if in.Priority != "" && !contract.ValidPriority(in.Priority) {
		drop("priority", &in.Priority)
	}
	if in.Flag != "" && !contract.ValidFlag(in.Flag) {
		drop("flag", &in.Flag)
	}
	switch in.Overdue {
	case "", "true", "false":
	default:
		drop("overdue", &in.Overdue)
	}
	switch in.Sort {
	case "", "created", "due":
	default:
		drop("sort", &in.Sort)
	}
	switch in.Assignee {
	case "":
	case "mine":
		f.AssigneeID = me.ID
	case "unassigned":
		f.Unassigned = true
	default:
		if _, err := uuid.Parse(in.Assignee); err != nil {
			drop("assignee", &in.Assignee)
		} else {
			f.AssigneeID = in.Assignee
		}
	}
	if msg := contract.Query.Problem(in.Q); msg != "" {
		problems = append(problems, "the search "+msg)
		in.Q, f.Q = "", ""
	}
	f.Status, f.Type, f.Priority, f.Flag, f.ByDue = in.Status, in.Type, in.Priority, in.Flag, in.Sort == "due"
	if in.Overdue != "" {
		v := in.Overdue == "true"
		f.Overdue = &v
	}
	if p, err := strconv.Atoi(c.Query("page")); err == nil && p >= 1 && p <= 1_000_000 {
		f.Page = p
	}
	if cur := c.Query("cursor"); cur != "" && !f.ByDue {
		if pos, ok := decodeCursor(cur); ok {
			f.After = &pos
		} else {
			problems = append(problems, "the page link is not one this list gave out")
		}
	}

	rows, total, err := s.store.ListCases(c.UserContext(), f)
	if err != nil {
		return s.pageError(c, err)
	}
	officers, err := s.store.Officers(c.UserContext())
	if err != nil {
		return s.pageError(c, err)
	}
	d := casesData{Filter: in, Officers: officers, Page: f.Page,
		Priorities: []string{"LOW", "MEDIUM", "HIGH", "CRITICAL"},
		Flags:      []string{string(contract.FlagCollecting), string(contract.FlagReviewing), string(contract.FlagRecollecting), string(contract.FlagAllApproved)}}
	for t := range s.cfg.Cases.Types {
		d.Types = append(d.Types, t)
	}
	sort.Strings(d.Types)
	for _, fam := range []contract.Family{contract.FamilyInvestigation, contract.FamilyOnboarding} {
		life, _ := contract.LifecycleFor(fam)
		for _, st := range life.Statuses() {
			if !slices.Contains(d.Statuses, string(st)) {
				d.Statuses = append(d.Statuses, string(st))
			}
		}
	}
	if err := s.caseRows(c, rows, &d); err != nil {
		return s.pageError(c, err)
	}
	// Links keep the search and filters; pages go by number while they
	// are counted, and by cursor past that (the JSON list's cursors).
	link := func(set map[string]string) string {
		q := url.Values{}
		for k, v := range map[string]string{"q": in.Q, "status": in.Status, "type": in.Type, "priority": in.Priority,
			"assignee": in.Assignee, "flag": in.Flag, "overdue": in.Overdue, "sort": in.Sort} {
			if v != "" {
				q.Set(k, v)
			}
		}
		for k, v := range set {
			q.Set(k, v)
		}
		return "/ui/cases?" + q.Encode()
	}
	if f.After == nil {
		d.Capped = total > f.CountLimit
		d.Total = min(total, f.CountLimit)
		d.Pages = max(1, (d.Total+f.Limit-1)/f.Limit)
		if f.Page > 1 {
			d.Prev = link(map[string]string{"page": strconv.Itoa(f.Page - 1)})
		}
	} else {
		d.First = link(nil)
	}
	if len(rows) == f.Limit {
		if f.ByDue {
			d.Next = link(map[string]string{"page": strconv.Itoa(f.Page + 1)})
		} else {
			last := rows[len(rows)-1]
			d.Next = link(map[string]string{"cursor": EncodeCursor(store.Position{CreatedAt: last.CreatedAt, ID: last.ID})})
		}
	}
	v := view{Title: "Cases", Nav: "cases", Data: d}
	if f.ByDue && in.Q != "" && f.After == nil {
		v.Notice = "A search lists the best matches first; the due-date order applies to lists without a search."
	}
	if len(problems) > 0 {
		v.Error = sentence(strings.Join(problems, "; "))
	}
	return s.render(c, http.StatusOK, "cases", v)
}

// caseRows names each case's assignee, all read in one query.
func (s *Server) caseRows(c *fiber.Ctx, rows []store.Case, d *casesData) error {
	var ids []string
	for _, r := range rows {
		if r.AssignedTo.Valid {
			ids = append(ids, r.AssignedTo.String)
		}
	}
	users, err := s.store.UsersByID(c.UserContext(), ids)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, u := range users {
		names[u.ID] = u.Name()
	}
	for _, r := range rows {
		d.Rows = append(d.Rows, caseRow{Case: r, Assignee: names[r.AssignedTo.String]})
	}
	return nil
}
