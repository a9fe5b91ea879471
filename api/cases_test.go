package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/caseflow/caseflow/store/seed"
	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

func TestInvestigationLifecycleEndToEnd(t *testing.T) {
	h := suite(t)
	analyst, officer := h.users[contract.RoleAnalyst], h.users[contract.RoleComplianceOfficer]

	created := h.createCase(t, contract.RoleAnalyst, investigation("Jane Roe"))
	require.Regexp(t, `^CASE-\d{4}-\d{5,}$`, created.CaseNumber)
	require.Equal(t, "OPEN", created.Status)
	require.Equal(t, analyst.ID, created.CreatedBy)
	require.Equal(t, []string{"cash", "structuring"}, created.Tags)
	require.Equal(t, "monitoring", created.Metadata["source"])
	require.Equal(t, "Leeds", created.Properties["branch"])
	require.Equal(t, "jane.roe@example.com", *created.Client.Email)
	require.Equal(t, []string{"IN_PROGRESS"}, created.AllowedTransitions)
	require.Equal(t, "http://localhost:8233/namespaces/default/workflows/"+created.ID, created.TemporalURL)
	require.Len(t, created.Timeline, 1)
	require.Equal(t, "CASE_CREATED", created.Timeline[0].EventType)
	require.Equal(t, "Andy Example", *created.Timeline[0].ActorName)

	// Skipping states is refused and names the allowed next state.
	r := h.move(t, created.ID, "CLOSED", "done")
	requireError(t, r, http.StatusConflict, contract.CodeInvalidTransition)
	require.Contains(t, r.env.Error.Message, "IN_PROGRESS")
	require.JSONEq(t, `{"from":"OPEN","to":"CLOSED","allowed":["IN_PROGRESS"]}`, string(r.env.Error.Details[0]))

	r = h.do(t, contract.RoleComplianceOfficer, http.MethodPatch, "/cases/"+created.ID+"/assign", map[string]any{"assigneeId": h.officer2.ID})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assigned := decode[caseOut](t, r)
	require.Equal(t, h.officer2.ID, *assigned.AssignedTo)
	require.Equal(t, "Otto Example", assigned.Assignee.Name)
	require.Equal(t, "COMPLIANCE_OFFICER", assigned.Assignee.Role)

	r = h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+created.ID+"/notes", map[string]any{"content": "Customer called back."})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	note := decode[eventOut](t, r)
	require.Equal(t, "NOTE_ADDED", note.EventType)
	require.Equal(t, "Customer called back.", note.Description)
	require.Equal(t, analyst.ID, *note.ActorID)
	require.Equal(t, created.ID, note.CaseID)
	// The detail shows the note at once, as the answer gave it.
	r = h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases/"+created.ID, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	shown := decode[caseOut](t, r).Timeline
	require.NotEmpty(t, shown)
	require.Equal(t, note, shown[len(shown)-1])

	for _, step := range []struct{ status, note string }{
		{"IN_PROGRESS", ""}, {"PENDING_REVIEW", ""}, {"ESCALATED", ""},
	} {
		r := h.move(t, created.ID, step.status, step.note)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, step.status, decode[caseOut](t, r).Status)
	}
	r = h.move(t, created.ID, "RESOLVED_TRUE_POSITIVE", "")
	requireError(t, r, http.StatusUnprocessableEntity, contract.CodeValidation)
	require.Contains(t, string(r.env.Error.Details[0]), "resolutionNote")

	r = h.move(t, created.ID, "RESOLVED_TRUE_POSITIVE", "SAR filed with the FIU.")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	resolved := decode[caseOut](t, r)
	require.NotNil(t, resolved.ResolvedAt)
	require.Equal(t, "SAR filed with the FIU.", *resolved.ResolutionNote)
	require.Equal(t, []string{"CLOSED"}, resolved.AllowedTransitions)

	r = h.move(t, created.ID, "CLOSED", "No further action.")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	closed := decode[caseOut](t, r)
	require.Equal(t, "CLOSED", closed.Status)
	require.Empty(t, closed.AllowedTransitions)

	// The case is closed for good: every write is refused.
	requireError(t, h.move(t, created.ID, "IN_PROGRESS", ""), http.StatusConflict, contract.CodeCaseClosed)
	requireError(t, h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+created.ID+"/notes", map[string]any{"content": "late"}),
		http.StatusConflict, contract.CodeCaseClosed)
	requireError(t, h.do(t, contract.RoleBankAdmin, http.MethodPatch, "/cases/"+created.ID+"/assign", map[string]any{"assigneeId": nil}),
		http.StatusConflict, contract.CodeCaseClosed)

	// The timeline, event by event, with who did what.
	r = h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases/"+created.ID, nil)
	require.Equal(t, http.StatusOK, r.status)
	detail := decode[caseOut](t, r)
	want := []struct{ typ, actor, prev, next string }{
		{"CASE_CREATED", analyst.ID, "null", `"OPEN"`},
		{"ASSIGNED", officer.ID, "null", fmt.Sprintf("%q", h.officer2.ID)},
		{"NOTE_ADDED", analyst.ID, "null", "null"},
		{"STATUS_CHANGED", officer.ID, `"OPEN"`, `"IN_PROGRESS"`},
		{"STATUS_CHANGED", officer.ID, `"IN_PROGRESS"`, `"PENDING_REVIEW"`},
		{"STATUS_CHANGED", officer.ID, `"PENDING_REVIEW"`, `"ESCALATED"`},
		{"STATUS_CHANGED", officer.ID, `"ESCALATED"`, `"RESOLVED_TRUE_POSITIVE"`},
		{"STATUS_CHANGED", officer.ID, `"RESOLVED_TRUE_POSITIVE"`, `"CLOSED"`},
	}
	require.Len(t, detail.Timeline, len(want))
	for i, w := range want {
		ev := detail.Timeline[i]
		require.Equal(t, w.typ, ev.EventType, "event %d", i)
		require.Equal(t, w.actor, *ev.ActorID, "event %d", i)
		require.NotNil(t, ev.ActorName, "event %d", i)
		require.JSONEq(t, w.prev, string(ev.PreviousValue), "event %d", i)
		require.JSONEq(t, w.next, string(ev.NewValue), "event %d", i)
		require.False(t, ev.CreatedAt.Before(detail.CreatedAt), "event %d", i)
	}

	// The audit table refuses to be rewritten, even by the database owner.
	_, err := h.store.DB().Exec(`UPDATE case_events SET description = 'x' WHERE case_id = $1`, created.ID)
	require.ErrorContains(t, err, "append-only")
	_, err = h.store.DB().Exec(`DELETE FROM case_events WHERE case_id = $1`, created.ID)
	require.ErrorContains(t, err, "append-only")

	// A closed case's workflow has completed, and still answers its query.
	r = h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases/"+created.ID+"/state", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.JSONEq(t, `[]`, string(decode[map[string]json.RawMessage](t, r)["allowedTransitions"]))
}

func TestCaseStateQuery(t *testing.T) {
	h := suite(t)
	c := h.createCase(t, contract.RoleAnalyst, investigation("Query Person"))
	require.Equal(t, http.StatusOK, h.move(t, c.ID, "IN_PROGRESS", "").status)
	r := h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases/"+c.ID+"/state", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	st := decode[struct {
		Status             string   `json:"status"`
		CaseNumber         string   `json:"caseNumber"`
		AllowedTransitions []string `json:"allowedTransitions"`
		Version            int      `json:"version"`
		NextTimer          *struct {
			Kind string `json:"kind"`
		} `json:"nextTimer"`
	}](t, r)
	require.Equal(t, "IN_PROGRESS", st.Status)
	require.Equal(t, c.CaseNumber, st.CaseNumber)
	require.Equal(t, []string{"PENDING_REVIEW"}, st.AllowedTransitions)
	require.Equal(t, 2, st.Version)
	require.Nil(t, st.NextTimer, "no due date, no timers")
}

func TestResolveFromReviewAndUnassign(t *testing.T) {
	h := suite(t)
	c := h.createCase(t, contract.RoleBankAdmin, investigation("Review Person"))
	for _, s := range []string{"IN_PROGRESS", "PENDING_REVIEW", "IN_PROGRESS", "PENDING_REVIEW"} {
		require.Equal(t, http.StatusOK, h.move(t, c.ID, s, "").status)
	}
	r := h.move(t, c.ID, "RESOLVED_FALSE_POSITIVE", "Salary payments.")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)

	r = h.do(t, contract.RoleBankAdmin, http.MethodPatch, "/cases/"+c.ID+"/assign", map[string]any{"assigneeId": h.users[contract.RoleBankAdmin].ID})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r = h.do(t, contract.RoleBankAdmin, http.MethodPatch, "/cases/"+c.ID+"/assign", map[string]any{"assigneeId": nil})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	out := decode[caseOut](t, r)
	require.Nil(t, out.AssignedTo)
	require.Nil(t, out.Assignee)
	require.Equal(t, "ASSIGNED", out.Timeline[len(out.Timeline)-1].EventType)
	require.JSONEq(t, "null", string(out.Timeline[len(out.Timeline)-1].NewValue))
}

func TestListFiltersAndPages(t *testing.T) {
	h := suite(t)
	// A client-name prefix of its own keeps this test's cases apart from
	// the others' in the shared database.
	prefix := "Lister" + uuid.NewString()[:8]
	var ids []string
	for i := range 7 {
		body := investigation(fmt.Sprintf("%s %d", prefix, i))
		if i%2 == 1 {
			body["priority"] = "LOW"
		}
		if i == 6 {
			body["type"] = "FRAUD_ALERT"
		}
		c := h.createCase(t, contract.RoleAnalyst, body)
		ids = append(ids, c.ID)
	}
	require.Equal(t, http.StatusOK, h.move(t, ids[0], "IN_PROGRESS", "").status)
	require.Equal(t, http.StatusOK, h.do(t, contract.RoleBankAdmin, http.MethodPatch, "/cases/"+ids[2]+"/assign", map[string]any{"assigneeId": h.officer2.ID}).status)

	list := func(query url.Values) pageOut {
		t.Helper()
		query.Set("q", prefix)
		r := h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases?"+query.Encode(), nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		return decode[pageOut](t, r)
	}

	all := list(url.Values{})
	require.Equal(t, 7, all.Total)
	require.False(t, *all.Capped, "an exact count below the cap")
	require.Equal(t, 1, all.TotalPages)
	require.Equal(t, ids[6], all.Items[0].ID, "newest first")

	require.Equal(t, 4, list(url.Values{"priority": {"HIGH"}}).Total)
	require.Equal(t, 3, list(url.Values{"priority": {"LOW"}}).Total)
	require.Equal(t, 1, list(url.Values{"status": {"IN_PROGRESS"}}).Total)
	require.Equal(t, 3, list(url.Values{"status": {"OPEN"}, "priority": {"HIGH"}}).Total, "filters combine")
	require.Equal(t, 3, list(url.Values{"status": {"OPEN"}, "priority": {"LOW"}}).Total)
	require.Equal(t, 1, list(url.Values{"type": {"FRAUD_ALERT"}}).Total)
	onlyAssigned := list(url.Values{"assigneeId": {h.officer2.ID}})
	require.Equal(t, 1, onlyAssigned.Total)
	require.Equal(t, ids[2], onlyAssigned.Items[0].ID)
	require.Equal(t, 0, list(url.Values{"flag": {"REVIEWING"}}).Total)

	p1 := list(url.Values{"limit": {"3"}})
	p3 := list(url.Values{"limit": {"3"}, "page": {"3"}})
	require.Equal(t, 3, p1.TotalPages)
	require.Len(t, p1.Items, 3)
	require.Len(t, p3.Items, 1)
	require.Equal(t, ids[0], p3.Items[0].ID, "the oldest is last")
	require.Equal(t, 3, p3.Page)
	require.Equal(t, 3, p3.Limit)
	require.Empty(t, list(url.Values{"limit": {"3"}, "page": {"9"}}).Items)

	// The cursor walks the same list, newest first, without counting.
	var walked []string
	cursor := ""
	for {
		q := url.Values{"limit": {"3"}, "q": {prefix}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		r := h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases?"+q.Encode(), nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		page := decode[struct {
			Items      []caseOut `json:"items"`
			Total      *int      `json:"total"`
			NextCursor *string   `json:"nextCursor"`
		}](t, r)
		for _, it := range page.Items {
			walked = append(walked, it.ID)
		}
		if cursor != "" {
			require.Nil(t, page.Total, "a cursor page does not count")
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	require.Len(t, walked, 7)
	require.Equal(t, ids[6], walked[0])
	require.Equal(t, ids[0], walked[6])
	requireError(t, h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases?cursor=nonsense", nil), http.StatusUnprocessableEntity, contract.CodeValidation)
	requireError(t, h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases?page=2&cursor="+cursor, nil), http.StatusUnprocessableEntity, contract.CodeValidation)

	// q matches the case number, client name or e-mail, and the author.
	search := func(q string) int {
		r := h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases?"+url.Values{"q": {q}, "limit": {"100"}}.Encode(), nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		return decode[pageOut](t, r).Total
	}
	byNumber := all.Items[3].CaseNumber
	require.Equal(t, 1, search(byNumber))
	require.Equal(t, 1, search(strings.ToLower(byNumber)), "a case number, case-insensitive")
	require.GreaterOrEqual(t, search(byNumber[:len(byNumber)-1]), 1, "the start of a case number")
	require.Equal(t, 1, search(byNumber[len("CASE-"):]), "a fragment of a case number")
	require.Equal(t, 1, search(fmt.Sprintf("%s 4", prefix)))
	require.Equal(t, 1, search(fmt.Sprintf("%s.4@EXAMPLE.com", prefix)), "e-mail, case-insensitive")
	require.GreaterOrEqual(t, search("Andy Example"), 7, "by author name")
	require.Equal(t, 0, search("100%_no_such"), "LIKE wildcards are matched literally")
}

// A page counts to 1,000 and says when more match.
func TestListTotalIsCapped(t *testing.T) {
	h := suite(t)
	ctx := context.Background()
	name := "Capped" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	author, _, err := h.store.EnsureUser(ctx, name+"@bank.example", contract.RoleAnalyst, "Cap", name)
	require.NoError(t, err)
	require.NoError(t, seed.Cases(ctx, h.store, 1_001, nil, author.ID, nil))

	r := h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases?"+url.Values{"q": {name}, "limit": {"20"}}.Encode(), nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	page := decode[pageOut](t, r)
	require.Equal(t, 1_000, page.Total)
	require.True(t, *page.Capped, "more than the total match")
	require.Equal(t, 50, page.TotalPages)
	require.Len(t, page.Items, 20)
}

// TestRoleMatrix sends every endpoint as every role.
func TestRoleMatrix(t *testing.T) {
	h := suite(t)
	admin, officer, analyst := contract.RoleBankAdmin, contract.RoleComplianceOfficer, contract.RoleAnalyst
	roles := []contract.Role{admin, officer, analyst}

	type endpoint struct {
		name    string
		allowed []contract.Role
		// send makes the request on a fresh case and returns its answer.
		send func(t *testing.T, role contract.Role, c caseOut) response
		ok   int
	}
	endpoints := []endpoint{
		{"create", roles, func(t *testing.T, role contract.Role, _ caseOut) response {
			return h.do(t, role, http.MethodPost, "/cases", investigation("Matrix Create"))
		}, http.StatusCreated},
		{"list", roles, func(t *testing.T, role contract.Role, _ caseOut) response {
			return h.do(t, role, http.MethodGet, "/cases?limit=1", nil)
		}, http.StatusOK},
		{"detail", roles, func(t *testing.T, role contract.Role, c caseOut) response {
			return h.do(t, role, http.MethodGet, "/cases/"+c.ID, nil)
		}, http.StatusOK},
		{"state", roles, func(t *testing.T, role contract.Role, c caseOut) response {
			return h.do(t, role, http.MethodGet, "/cases/"+c.ID+"/state", nil)
		}, http.StatusOK},
		{"note", roles, func(t *testing.T, role contract.Role, c caseOut) response {
			return h.do(t, role, http.MethodPost, "/cases/"+c.ID+"/notes", map[string]string{"content": "n"})
		}, http.StatusCreated},
		{"status", []contract.Role{admin, officer}, func(t *testing.T, role contract.Role, c caseOut) response {
			return h.do(t, role, http.MethodPatch, "/cases/"+c.ID+"/status", map[string]string{"status": "IN_PROGRESS"})
		}, http.StatusOK},
		{"assign", []contract.Role{admin, officer}, func(t *testing.T, role contract.Role, c caseOut) response {
			return h.do(t, role, http.MethodPatch, "/cases/"+c.ID+"/assign", map[string]string{"assigneeId": h.officer2.ID})
		}, http.StatusOK},
	}
	for _, ep := range endpoints {
		for _, role := range roles {
			t.Run(fmt.Sprintf("%s as %s", ep.name, role), func(t *testing.T) {
				c := h.createCase(t, analyst, investigation("Matrix Case"))
				r := ep.send(t, role, c)
				allowed := false
				for _, a := range ep.allowed {
					allowed = allowed || a == role
				}
				if allowed {
					require.Equal(t, ep.ok, r.status, "%s", r.body)
					return
				}
				requireError(t, r, http.StatusForbidden, "FORBIDDEN")
				// A refused request changed nothing.
				detail := decode[caseOut](t, h.do(t, admin, http.MethodGet, "/cases/"+c.ID, nil))
				require.Len(t, detail.Timeline, 1)
			})
		}
	}

	t.Run("no token or a bad one", func(t *testing.T) {
		for _, tok := range []string{"", "cf_not-a-real-token"} {
			r := call(t, h.baseURL, http.MethodGet, "/api/v1/cases", tok, nil)
			requireError(t, r, http.StatusUnauthorized, "UNAUTHORIZED")
			require.Contains(t, r.header.Get("WWW-Authenticate"), "Bearer")
		}
	})
}

func TestAssigneeMustBeAnOfficerOrAdmin(t *testing.T) {
	h := suite(t)
	c := h.createCase(t, contract.RoleAnalyst, investigation("Assignee Person"))
	for name, id := range map[string]string{
		"an analyst":   h.users[contract.RoleAnalyst].ID,
		"unknown user": uuid.NewString(),
	} {
		t.Run(name, func(t *testing.T) {
			r := h.do(t, contract.RoleBankAdmin, http.MethodPatch, "/cases/"+c.ID+"/assign", map[string]string{"assigneeId": id})
			requireError(t, r, http.StatusUnprocessableEntity, contract.CodeInvalidAssignee)
		})
	}
	detail := decode[caseOut](t, h.do(t, contract.RoleBankAdmin, http.MethodGet, "/cases/"+c.ID, nil))
	require.Nil(t, detail.AssignedTo)
	require.Len(t, detail.Timeline, 1)
}

// TestTimelineValuesAreJSON guards the shape clients parse.
func TestTimelineValuesAreJSON(t *testing.T) {
	h := suite(t)
	c := h.createCase(t, contract.RoleAnalyst, investigation("Json Person"))
	r := h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases/"+c.ID, nil)
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(r.env.Data, &raw))
	for _, key := range []string{"id", "caseNumber", "type", "priority", "title", "description", "status", "assignedTo",
		"tags", "resolvedAt", "createdAt", "updatedAt", "timeline", "entities", "relatedTransaction", "assignee",
		"allowedTransitions", "temporalUrl", "client", "metadata", "properties"} {
		require.Contains(t, raw, key)
	}
	require.Regexp(t, `^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"$`, string(raw["createdAt"]), "RFC 3339 UTC")
}

func TestMetrics(t *testing.T) {
	h := suite(t)
	c := h.createCase(t, contract.RoleAnalyst, investigation("Metric Person"))
	h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases/"+c.ID, nil)
	res, err := http.Get(h.baseURL + "/metrics")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	body := string(b)
	require.Contains(t, body, `caseflow_http_request_duration_seconds_count{method="GET",route="/api/v1/cases/:id",status="200"}`)
	require.Contains(t, body, `caseflow_http_request_duration_seconds_count{method="POST",route="/api/v1/cases",status="201"}`)
	require.NotContains(t, body, c.ID, "route templates, never raw paths")
	require.Contains(t, body, "go_goroutines")
}

// Under `caseflow serve` a case starts on the API's own worker and is
// answered once its first task wrote it (temporalclient.FirstWrites): no
// create update reaches the workflow, and the 201 is the case as the
// workflow made it. A repeat of the create, which finds the workflow
// running, gets the same case from the create update.
func TestEagerCreateIsAnsweredByItsFirstWrite(t *testing.T) {
	h := suite(t)
	created := h.createCase(t, contract.RoleAnalyst, investigation("Eager Person"))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	updates := func() int {
		n := 0
		it := h.temporal.GetWorkflowHistory(ctx, created.ID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			require.NoError(t, err)
			if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED {
				n++
			}
		}
		return n
	}
	require.Zero(t, updates(), "the create was answered without an update")

	// The repeat, as the API's client sends it: the workflow is running, so
	// the start is not eager and the create update answers.
	it := h.temporal.GetWorkflowHistory(ctx, created.ID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	first, err := it.Next()
	require.NoError(t, err)
	var in contract.Input
	require.NoError(t, temporalclient.DataConverter(nil).FromPayloads(first.GetWorkflowExecutionStartedEventAttributes().GetInput(), &in))
	cases := temporalclient.NewCases(h.temporal, h.cfg.Temporal.TaskQueue, h.cfg.Temporal.CaseflowURL)
	cases.StartEagerly(h.written)
	again, err := cases.Create(ctx, in)
	require.NoError(t, err)
	require.Equal(t, 1, updates())
	require.Equal(t, created.CaseNumber, again.CaseNumber)
	require.Equal(t, created.Status, string(again.Status))
	// Postgres keeps microseconds.
	require.WithinDuration(t, again.CreatedAt, created.CreatedAt, time.Microsecond)
	require.WithinDuration(t, again.UpdatedAt, created.UpdatedAt, time.Microsecond)
}
