package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// A case's page: everything about it, and a form for each thing the
// caller may do next. Each form posts to a route that runs the JSON API's
// handler for that change (dashboard_routes.go).

type transition struct {
	Status    string
	NeedsNote bool
	// Escalates offers to give the case to someone in the same change.
	Escalates bool
}

type checkView struct {
	store.Check
	Label             string
	CanDecide         bool
	RequestedOfClient bool
}

type entityView struct {
	store.Entity
	Checks []checkView
}

type documentView struct {
	store.Document
	Item string
}

type caseView struct {
	Case        store.Case
	Family      string
	Assignee    string
	Author      string
	Officers    []store.User
	Allowed     []transition
	Entities    []entityView
	Documents   []documentView
	Timeline    []store.Event
	Tx          []store.Transaction
	Metadata    string
	Properties  string
	TemporalURL string
	Draft       bool
	CanRevoke   bool
	Open        bool
	Terminal    bool
	// Live is the case as its workflow holds it now: the due date and the
	// next reminder come from there, not from the projection.
	Live      *contract.Case
	LiveError string
	IsOfficer bool
	Mine      bool
}

// doneNotices are what a page says after an action went through: fixed
// texts, chosen by a code in the URL, so no URL can make a page say
// anything else.
var doneNotices = map[string]string{
	"status":  "The status has changed.",
	"assign":  "The assignee has changed.",
	"claim":   "The case is now yours.",
	"note":    "Your note is on the timeline.",
	"check":   "The check has been updated.",
	"due":     "The due date has changed.",
	"revoke":  "The request is revoked, and the client has been told.",
	"send":    "The request is sent, and the client has been e-mailed.",
	"created": "The case is created.",
	"draft":   "The draft is saved. Send the request when it is ready.",
}

func (s *Server) casePage(c *fiber.Ctx) error {
	id, err := caseID(c)
	if err != nil {
		return s.pageError(c, err)
	}
	return s.renderCase(c, id, http.StatusOK, doneNotices[c.Query("done")], "")
}

// renderCase shows the case, with a notice or an error above it.
func (s *Server) renderCase(c *fiber.Ctx, id string, status int, notice, failure string) error {
	ctx := c.UserContext()
	row, err := s.store.GetCase(ctx, id)
	if err != nil {
		return s.pageError(c, caseMissing(err))
	}
	me := currentUser(c)
	d := caseView{Case: row, Family: row.Family, TemporalURL: s.temporalURL(row.ID), IsOfficer: me.Role.CanBeAssigned(),
		Mine: row.AssignedTo.Valid && row.AssignedTo.String == me.ID}
	life, _ := contract.LifecycleFor(contract.Family(row.Family))
	st := contract.Status(row.Status)
	for _, next := range life.Allowed(st) {
		d.Allowed = append(d.Allowed, transition{Status: string(next), NeedsNote: life.NeedsNote(next),
			Escalates: next == contract.StatusEscalated})
	}
	d.Terminal = life.IsTerminal(st)
	onboarding := contract.Family(row.Family) == contract.FamilyOnboarding
	d.Draft = onboarding && st == contract.StatusDraft
	d.Open = onboarding && st == contract.StatusOpen
	d.CanRevoke = d.Open && d.IsOfficer
	if d.Officers, err = s.store.Officers(ctx); err != nil {
		return s.pageError(c, err)
	}
	var ids []string
	for _, u := range []string{row.AssignedTo.String, row.CreatedBy.String} {
		if u != "" {
			ids = append(ids, u)
		}
	}
	users, err := s.store.UsersByID(ctx, ids)
	if err != nil {
		return s.pageError(c, err)
	}
	for _, u := range users {
		if u.ID == row.AssignedTo.String {
			d.Assignee = u.Name()
		}
		if u.ID == row.CreatedBy.String {
			d.Author = u.Name()
		}
	}
	entities, err := s.store.Entities(ctx, id)
	if err != nil {
		return s.pageError(c, err)
	}
	items := map[string]string{}
	for _, e := range entities {
		ev := entityView{Entity: e}
		for _, ch := range e.Checks {
			items[ch.ID] = e.Name + ": " + contract.CheckLabel(ch.Type)
			ev.Checks = append(ev.Checks, checkView{Check: ch, Label: contract.CheckLabel(ch.Type),
				CanDecide:         d.IsOfficer && !d.Terminal && contract.CheckCanMove(contract.CheckStatus(ch.Status), contract.CheckApproved),
				RequestedOfClient: ch.Requested()})
		}
		d.Entities = append(d.Entities, ev)
	}
	docs, err := s.store.Documents(ctx, id)
	if err != nil {
		return s.pageError(c, err)
	}
	for _, doc := range docs {
		d.Documents = append(d.Documents, documentView{Document: doc, Item: items[doc.CheckID]})
	}
	if d.Timeline, err = s.store.Timeline(ctx, id); err != nil {
		return s.pageError(c, err)
	}
	if d.Tx, err = s.caseTransactions(c, row, d.Timeline); err != nil {
		return s.pageError(c, err)
	}
	d.Metadata, d.Properties = prettyJSON(row.Metadata), prettyJSON(row.Properties)
	d.Live, d.LiveError = s.liveCase(c, id)
	title := row.CaseNumber
	if row.Title != "" {
		title += ": " + row.Title
	}
	return s.render(c, status, "case", view{Title: title, Nav: "cases", Notice: notice, Error: failure, Data: d})
}

// caseTransactions are the case's related transaction and those linked
// since, as the timeline recorded them (the JSON detail's rule).
func (s *Server) caseTransactions(c *fiber.Ctx, row store.Case, events []store.Event) ([]store.Transaction, error) {
	var ids []string
	if row.RelatedTransactionID.Valid {
		ids = append(ids, row.RelatedTransactionID.String)
	}
	for _, e := range events {
		var tx string
		if e.EventType == contract.EventTxLinked && json.Unmarshal(e.NewValue, &tx) == nil && !slices.Contains(ids, tx) {
			ids = append(ids, tx)
		}
	}
	var out []store.Transaction
	for _, id := range ids {
		t, err := s.store.GetTransaction(c.UserContext(), id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// liveCase asks the case's workflow for its state; a case whose history
// Temporal no longer keeps has none, and the page says so.
func (s *Server) liveCase(c *fiber.Ctx, id string) (*contract.Case, string) {
	ctx, cancel := s.temporalCtx(c)
	defer cancel()
	st, err := s.cases.State(ctx, id)
	if errors.Is(err, temporalclient.ErrNoWorkflow) {
		return nil, "This case has ended and its live state is no longer kept."
	}
	if err != nil {
		s.log.WarnContext(c.UserContext(), "case page: live state unavailable", "case", id, "err", err, "requestId", requestID(c))
		return nil, "The live state of this case is unavailable just now."
	}
	return &st.Case, ""
}

func prettyJSON(j store.JSON) string {
	raw := strings.TrimSpace(string(j))
	if raw == "" || raw == "null" || raw == "{}" {
		return ""
	}
	var v any
	if json.Unmarshal(j, &v) != nil {
		return raw
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// caseForm is formAction for a form on a case's page: after it, the page
// again with what happened, or with why nothing did.
func (s *Server) caseForm(done string, toJSON func(c *fiber.Ctx, f url.Values) (any, error)) fiber.Handler {
	return s.formAction(toJSON,
		func(c *fiber.Ctx, _ url.Values, _ json.RawMessage) error {
			return c.Redirect("/ui/cases/"+c.Params("id")+"?done="+done, http.StatusSeeOther)
		},
		func(c *fiber.Ctx, _ url.Values, status int, e *Error) error {
			id, err := caseID(c)
			if err != nil {
				return s.pageError(c, err)
			}
			return s.renderCase(c, id, status, "", failureText(e))
		})
}

// failureText says why a form did nothing, in the API's words.
func failureText(e *Error) string {
	switch e.Code {
	case codeStaleForm:
		return "This case changed while your form was open, so nothing was done. Look at it again below, and resubmit if it is still needed."
	case codeInternal:
		return "Something went wrong on our side; please try again."
	}
	return "Nothing was done: " + sentence(e.Message)
}

const codeStaleForm = "STALE_FORM"

// freshForm refuses a form shown for an earlier version of the case: the
// case has changed since, and the form would act on what its sender has
// not seen. It runs after the form's key is claimed, so the same form
// sent twice gets the first answer, not this refusal.
func (s *Server) freshForm(c *fiber.Ctx) error {
	f := formValues(c)
	shown, err := strconv.ParseInt(f.Get("version"), 10, 64)
	if err != nil {
		return invalid(contract.FieldError{Field: "version", Message: "the form must say which version of the case it was shown for"})
	}
	row, err := s.existingCase(c)
	if err != nil {
		return err
	}
	if row.Version != shown {
		events, err := s.store.Timeline(c.UserContext(), row.ID)
		if err != nil {
			return err
		}
		for _, e := range events {
			if e.Seq > shown && !slices.Contains(unchanging, e.EventType) {
				return apiError(http.StatusConflict, codeStaleForm, "case %s changed since the form was shown (version %d, now %d: %s)",
					row.CaseNumber, shown, row.Version, e.Description)
			}
		}
	}
	return c.Next()
}

// unchanging are the events that leave what a form acts on as it was: a
// form shown before them is still current. (Reading a document, as its
// officer does before deciding on it, would otherwise make every form on
// the page stale.)
var unchanging = []string{contract.EventNoteAdded, contract.EventDocumentViewed, contract.EventReminderSent}

// The forms' bodies, as the JSON API takes them.

func statusBody(_ *fiber.Ctx, f url.Values) (any, error) {
	body := map[string]any{"status": f.Get("status"), "resolutionNote": strings.TrimSpace(f.Get("resolutionNote"))}
	if a := f.Get("assigneeId"); a != "" {
		body["assigneeId"] = a
	}
	return body, nil
}

func assignBody(_ *fiber.Ctx, f url.Values) (any, error) {
	if a := f.Get("assigneeId"); a != "" {
		return map[string]any{"assigneeId": a}, nil
	}
	return map[string]any{"assigneeId": nil}, nil
}

func emptyBody(*fiber.Ctx, url.Values) (any, error) { return map[string]any{}, nil }

func noteBody(_ *fiber.Ctx, f url.Values) (any, error) {
	return map[string]any{"content": f.Get("content")}, nil
}

func checkBody(_ *fiber.Ctx, f url.Values) (any, error) {
	return map[string]any{"status": f.Get("status"), "reason": strings.TrimSpace(f.Get("reason"))}, nil
}

func revokeBody(_ *fiber.Ctx, f url.Values) (any, error) {
	if f.Get("confirm") != "yes" {
		return nil, invalid(contract.FieldError{Field: "confirm", Message: "tick the box to confirm the revocation"})
	}
	return map[string]any{"reason": strings.TrimSpace(f.Get("reason"))}, nil
}

// dueBody takes a date (the end of that day, UTC, is when it falls due)
// or nothing, which clears it.
func dueBody(_ *fiber.Ctx, f url.Values) (any, error) {
	raw := strings.TrimSpace(f.Get("dueDate"))
	if raw == "" {
		return map[string]any{"dueDate": nil}, nil
	}
	due, err := dueDate(raw)
	if err != nil {
		return nil, err
	}
	return map[string]any{"dueDate": due}, nil
}

// dueDate reads a date field: a client answers within that day.
func dueDate(raw string) (string, error) {
	day, err := time.Parse("2006-01-02", raw)
	if err != nil {
		return "", invalid(contract.FieldError{Field: "dueDate", Message: "must be a date"})
	}
	return day.Add(24*time.Hour - time.Second).UTC().Format(time.RFC3339), nil
}

// pageErrors shows a handler's failure as a page rather than JSON.
func (s *Server) pageErrors(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := h(c); err != nil {
			return s.pageError(c, err)
		}
		return nil
	}
}
