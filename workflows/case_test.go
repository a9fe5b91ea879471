package workflows_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/activities/mailtest"
	"github.com/caseflow/caseflow/config"
	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows"
	"github.com/caseflow/caseflow/workflows/contract"
)

// harness runs the case workflow in the test suite with the real
// projection activity writing to a fresh Postgres database.
type harness struct {
	t       *testing.T
	env     *testsuite.TestWorkflowEnvironment
	store   *store.Store
	smtp    *mailtest.Server
	officer store.User
	analyst store.User
	newCase contract.NewCase
	// number is the case number the case starts with, as the API gives
	// it; empty for the cases started before it did.
	number string
	steps  int
	// start is the simulated clock when the workflow starts.
	start time.Time
}

func newHarness(t *testing.T, wrap func(activities.Projector) activities.Projector) *harness {
	t.Helper()
	s, _ := storetest.New(t)
	ctx := context.Background()
	officer, _, err := s.EnsureUser(ctx, "officer@example.com", contract.RoleComplianceOfficer, "Olivia", "Officer")
	require.NoError(t, err)
	analyst, _, err := s.EnsureUser(ctx, "analyst@example.com", contract.RoleAnalyst, "Andy", "Analyst")
	require.NoError(t, err)

	smtp := mailtest.Start(t)
	env := newEnv(t, s, smtp, wrap)

	return &harness{
		t: t, env: env, store: s, smtp: smtp, officer: officer, analyst: analyst, start: env.Now(),
		newCase: contract.NewCase{
			ID:          uuid.Must(uuid.NewV7()).String(),
			Type:        "SUSPICIOUS_TRANSACTION",
			Family:      contract.FamilyInvestigation,
			Priority:    "HIGH",
			Title:       "Structuring on account 4411",
			Description: "Nine cash deposits just under the reporting threshold.",
			Client:      &contract.Client{Name: "Jane Roe", Email: "jane@example.com"},
			Tags:        []string{"cash"},
			CreatedBy:   analyst.ID,
		},
	}
}

// newEnv is a test environment whose activities are the real ones, on
// this database and mail server.
func newEnv(t *testing.T, s *store.Store, smtp *mailtest.Server, wrap func(activities.Projector) activities.Projector) *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	mailer, err := activities.NewMailer(config.Mail{Transport: "smtp", From: "caseflow <no-reply@bank.example>",
		SMTP: config.SMTP{Host: smtp.Host, Port: smtp.Port, TLS: "none"}}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	acts, err := activities.New(s, mailer, "https://portal.bank.example")
	require.NoError(t, err)
	if wrap != nil {
		acts.Projection = wrap(s)
	}
	acts.Register(env)
	return env
}

// outcome is what an update came back with.
type outcome struct {
	rejected error
	result   any
	err      error
}

// send queues an update one simulated second after the previous one and
// returns where its outcome will be.
func (h *harness) send(name string, arg any) *outcome {
	h.steps++
	o := &outcome{}
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(name, uuid.NewString(), &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { o.rejected = err },
			OnAccept:   func() {},
			OnComplete: func(result any, err error) { o.result, o.err = result, err },
		}, arg)
	}, time.Duration(h.steps)*time.Second)
	return o
}

func (h *harness) status(to contract.Status, note string) *outcome {
	return h.send(contract.UpdateStatus, contract.StatusChange{ActorID: h.officer.ID, Status: to, ResolutionNote: note})
}

func (h *harness) run() {
	h.env.ExecuteWorkflow(workflows.CaseWorkflow, contract.Input{New: h.newCase, CaseNumber: h.number})
}

func (h *harness) timeline() []store.Event {
	events, err := h.store.Timeline(context.Background(), h.newCase.ID)
	require.NoError(h.t, err)
	return events
}

func eventTypes(events []store.Event) []string {
	types := make([]string, len(events))
	for i, e := range events {
		types[i] = e.EventType
	}
	return types
}

func requireAccepted(t *testing.T, o *outcome) {
	t.Helper()
	require.NoError(t, o.rejected)
	require.NoError(t, o.err)
}

func requireRejected(t *testing.T, o *outcome, code string) {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, o.rejected, &appErr)
	require.Equal(t, code, appErr.Type())
}

func TestCaseWorkflowFullLifecycle(t *testing.T) {
	h := newHarness(t, nil)
	created := h.send(contract.UpdateCreate, nil)
	assigned := h.send(contract.UpdateAssign, contract.Assignment{ActorID: h.officer.ID, AssigneeID: &h.officer.ID, AssigneeRole: h.officer.Role})
	noted := h.send(contract.UpdateNote, contract.Note{ActorID: h.analyst.ID, Content: "Called the branch."})
	steps := []*outcome{
		h.status(contract.StatusInProgress, ""),
		h.status(contract.StatusPendingReview, ""),
		h.status(contract.StatusEscalated, ""),
		h.status(contract.StatusResolvedTruePositive, "SAR filed."),
		h.status(contract.StatusClosed, "Closed after filing."),
	}
	h.run()

	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())
	for _, o := range append([]*outcome{created, assigned, noted}, steps...) {
		requireAccepted(t, o)
	}
	createdCase := created.result.(contract.Case)
	require.Regexp(t, `^CASE-\d{4}-\d{5,}$`, createdCase.CaseNumber)
	require.Equal(t, contract.StatusOpen, createdCase.Status)
	// A change to the case as a whole is answered compactly: where the
	// case stands, not a copy of it kept in the history.
	require.Equal(t, contract.Changed{Version: 2, Status: contract.StatusOpen}, assigned.result)
	require.Equal(t, contract.Changed{Version: 4, Status: contract.StatusInProgress}, steps[0].result)
	require.Equal(t, contract.Changed{Version: 8, Status: contract.StatusClosed}, steps[4].result)

	var final contract.Case
	require.NoError(t, h.env.GetWorkflowResult(&final))
	require.Equal(t, contract.StatusClosed, final.Status)
	require.NotNil(t, final.ResolvedAt)
	require.Equal(t, "Closed after filing.", final.ResolutionNote)

	row, err := h.store.GetCase(context.Background(), h.newCase.ID)
	require.NoError(t, err)
	require.Equal(t, "CLOSED", row.Status)
	require.Equal(t, createdCase.CaseNumber, row.CaseNumber)
	require.Equal(t, h.officer.ID, row.AssignedTo.String)
	require.True(t, row.ResolvedAt.Valid)
	require.Equal(t, int64(8), row.Version, "one version per event")

	events := h.timeline()
	require.Equal(t, []string{"CASE_CREATED", "ASSIGNED", "NOTE_ADDED", "STATUS_CHANGED", "STATUS_CHANGED",
		"STATUS_CHANGED", "STATUS_CHANGED", "STATUS_CHANGED"}, eventTypes(events))
	require.Equal(t, "Called the branch.", events[2].Description)
	require.Equal(t, "Andy Analyst", events[2].ActorName.String)
	require.Equal(t, h.analyst.ID, events[0].ActorID.String, "creation is recorded as its author's")
	require.JSONEq(t, `"PENDING_REVIEW"`, string(events[5].PreviousValue))
	require.JSONEq(t, `"ESCALATED"`, string(events[5].NewValue))
}

func TestCaseWorkflowResolvesFromReviewAndSendsBack(t *testing.T) {
	h := newHarness(t, nil)
	steps := []*outcome{
		h.status(contract.StatusInProgress, ""),
		h.status(contract.StatusPendingReview, ""),
		h.status(contract.StatusInProgress, ""), // sent back
		h.status(contract.StatusPendingReview, ""),
		h.status(contract.StatusEscalated, ""),
		h.status(contract.StatusInProgress, ""), // sent back from escalation
		h.status(contract.StatusPendingReview, ""),
		h.status(contract.StatusResolvedFalsePositive, "Salary payments."),
		h.status(contract.StatusClosed, "No further action."),
	}
	h.run()
	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())
	for _, o := range steps {
		requireAccepted(t, o)
	}
	require.Len(t, h.timeline(), 10)
}

func TestCaseWorkflowValidatorsRefuseBeforeWriting(t *testing.T) {
	h := newHarness(t, nil)
	skip := h.status(contract.StatusClosed, "done")
	unknown := h.status("ARCHIVED", "")
	same := h.status(contract.StatusOpen, "")
	analystAssignee := h.send(contract.UpdateAssign, contract.Assignment{ActorID: h.officer.ID, AssigneeID: &h.analyst.ID, AssigneeRole: h.analyst.Role})
	emptyNote := h.send(contract.UpdateNote, contract.Note{ActorID: h.officer.ID, Content: "  "})
	h.status(contract.StatusInProgress, "")
	h.status(contract.StatusPendingReview, "")
	noNote := h.status(contract.StatusResolvedTruePositive, " ")
	h.status(contract.StatusResolvedTruePositive, "Confirmed.")
	h.status(contract.StatusClosed, "Done.")
	h.run()
	require.True(t, h.env.IsWorkflowCompleted())

	requireRejected(t, skip, contract.CodeInvalidTransition)
	require.ErrorContains(t, skip.rejected, "allowed next states: IN_PROGRESS")
	requireRejected(t, unknown, contract.CodeValidation)
	requireRejected(t, same, contract.CodeInvalidTransition)
	requireRejected(t, analystAssignee, contract.CodeInvalidAssignee)
	requireRejected(t, emptyNote, contract.CodeValidation)
	requireRejected(t, noNote, contract.CodeValidation)
	require.ErrorContains(t, noNote.rejected, "resolutionNote")

	// Only the accepted changes reached the timeline.
	require.Equal(t, []string{"CASE_CREATED", "STATUS_CHANGED", "STATUS_CHANGED", "STATUS_CHANGED", "STATUS_CHANGED"}, eventTypes(h.timeline()))
}

func TestCaseWorkflowRefusesChangesOnceClosed(t *testing.T) {
	h := newHarness(t, nil)
	// The last status change and a note race: the note's validator runs
	// while CLOSED is being written, and must refuse.
	for _, s := range []contract.Status{contract.StatusInProgress, contract.StatusPendingReview, contract.StatusResolvedFalsePositive} {
		h.status(s, "reason")
	}
	h.steps++
	var late outcome
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(contract.UpdateStatus, "close", &testsuite.TestUpdateCallback{
			OnReject: func(error) {}, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, contract.StatusChange{ActorID: h.officer.ID, Status: contract.StatusClosed, ResolutionNote: "Closed."})
		h.env.UpdateWorkflow(contract.UpdateNote, "late", &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { late.rejected = err },
			OnAccept:   func() {},
			OnComplete: func(any, error) {},
		}, contract.Note{ActorID: h.officer.ID, Content: "too late"})
	}, time.Duration(h.steps)*time.Second)
	h.run()
	require.True(t, h.env.IsWorkflowCompleted())
	requireRejected(t, &late, contract.CodeCaseClosed)
}

func TestCaseWorkflowUnassignAndNoOpAssign(t *testing.T) {
	h := newHarness(t, nil)
	assign := contract.Assignment{ActorID: h.officer.ID, AssigneeID: &h.officer.ID, AssigneeRole: h.officer.Role}
	first := h.send(contract.UpdateAssign, assign)
	again := h.send(contract.UpdateAssign, assign)
	unassign := h.send(contract.UpdateAssign, contract.Assignment{ActorID: h.officer.ID})
	query := &contract.State{}
	h.steps++
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(contract.QueryState)
		require.NoError(t, err)
		require.NoError(t, v.Get(query))
		h.env.CancelWorkflow()
	}, time.Duration(h.steps)*time.Second)
	h.run()

	for _, o := range []*outcome{first, again, unassign} {
		requireAccepted(t, o)
	}
	require.Nil(t, query.Case.AssignedTo)
	require.Equal(t, []contract.Status{contract.StatusInProgress}, query.AllowedTransitions)
	require.Equal(t, []string{"CASE_CREATED", "ASSIGNED", "ASSIGNED"}, eventTypes(h.timeline()), "a repeated assignment records nothing")
}

// flaky commits each write and then reports a failure, as when the
// connection drops after COMMIT: the retry must not write anything twice.
type flaky struct {
	activities.Projector
	mu       sync.Mutex
	failures int
}

func (f *flaky) Project(ctx context.Context, p contract.Projection) (string, error) {
	number, err := f.Projector.Project(ctx, p)
	if err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures++
	if f.failures%2 == 1 {
		return "", errors.New("connection reset after commit")
	}
	return number, nil
}

func TestCaseWorkflowRetriedProjectionWritesEachEventOnce(t *testing.T) {
	var f *flaky
	h := newHarness(t, func(p activities.Projector) activities.Projector {
		f = &flaky{Projector: p}
		return f
	})
	created := h.send(contract.UpdateCreate, nil)
	h.send(contract.UpdateNote, contract.Note{ActorID: h.officer.ID, Content: "first"})
	for _, s := range []contract.Status{contract.StatusInProgress, contract.StatusPendingReview, contract.StatusResolvedTruePositive, contract.StatusClosed} {
		h.status(s, "reason")
	}
	h.run()
	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())
	requireAccepted(t, created)

	// Six changes, and the writes that move their events to the timeline.
	require.GreaterOrEqual(t, f.failures, 12)
	require.Zero(t, f.failures%2, "every write failed once, then succeeded")
	events := h.timeline()
	require.Equal(t, []string{"CASE_CREATED", "NOTE_ADDED", "STATUS_CHANGED", "STATUS_CHANGED", "STATUS_CHANGED", "STATUS_CHANGED"}, eventTypes(events))

	var cases int
	require.NoError(t, h.store.DB().Get(&cases, `SELECT count(*) FROM cases`))
	require.Equal(t, 1, cases)
	// The retried create kept its first number.
	require.Equal(t, created.result.(contract.Case).CaseNumber, mustCase(t, h).CaseNumber)
}

func mustCase(t *testing.T, h *harness) store.Case {
	c, err := h.store.GetCase(context.Background(), h.newCase.ID)
	require.NoError(t, err)
	return c
}

func TestCaseWorkflowRefusesInvalidInput(t *testing.T) {
	h := newHarness(t, nil)
	h.newCase.Title = ""
	h.run()
	require.True(t, h.env.IsWorkflowCompleted())
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, h.env.GetWorkflowError(), &appErr)
	require.Equal(t, contract.CodeValidation, appErr.Type())
}

// A change shows in the projection as soon as its update is answered; its
// event reaches the append-only audit timeline once the workflow task
// that made it is known committed: a later task, here the timer a quiet
// case sets. The run ends only with its timeline complete.
func TestCaseWorkflowCommitsEventsToTheAuditTimeline(t *testing.T) {
	h := newHarness(t, nil)
	audited := func() []string {
		var types []string
		require.NoError(t, h.store.DB().Select(&types, `SELECT event_type FROM case_events WHERE case_id = $1 ORDER BY seq`, h.newCase.ID))
		return types
	}
	h.send(contract.UpdateCreate, nil) // at 1 s
	var atCreate []string
	h.at(1100*time.Millisecond, func() { atCreate = audited() })
	h.updateAt(time.Hour, contract.UpdateNote, contract.Note{ActorID: h.officer.ID, Content: "Called the branch."})
	var shown, auditedSoon, auditedLater []string
	h.at(time.Hour+100*time.Millisecond, func() {
		shown, auditedSoon = eventTypes(h.timeline()), audited()
	})
	h.at(time.Hour+time.Minute, func() { auditedLater = audited() })
	for i, to := range []contract.Status{contract.StatusInProgress, contract.StatusPendingReview, contract.StatusResolvedTruePositive, contract.StatusClosed} {
		h.updateAt(2*time.Hour+time.Duration(i)*time.Minute, contract.UpdateStatus, contract.StatusChange{ActorID: h.officer.ID, Status: to, ResolutionNote: "Confirmed."})
	}
	h.run()
	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())

	require.Equal(t, []string{"CASE_CREATED"}, atCreate, "the creation follows from the start alone: audited at once")
	require.Equal(t, []string{"CASE_CREATED", "NOTE_ADDED"}, shown, "the case shows the note at once")
	require.Equal(t, []string{"CASE_CREATED"}, auditedSoon, "its task is not known committed yet")
	require.Equal(t, []string{"CASE_CREATED", "NOTE_ADDED"}, auditedLater)
	require.Equal(t, []string{"CASE_CREATED", "NOTE_ADDED", "STATUS_CHANGED", "STATUS_CHANGED", "STATUS_CHANGED", "STATUS_CHANGED"},
		audited(), "complete when the run ends")
	row := mustCase(t, h)
	require.Equal(t, "CLOSED", row.Status)
}
