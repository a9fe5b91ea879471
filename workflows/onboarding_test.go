package workflows_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
)

// onboardingHarness is a harness whose case verifies one individual with
// an identity document and a sanctions screening.
func onboardingHarness(t *testing.T, autoApprove bool) (*harness, string, string) {
	h := newHarness(t, nil)
	idDoc, sanctions := asOnboarding(h, autoApprove)
	return h, idDoc, sanctions
}

// asOnboarding turns h's case into that onboarding case and returns the
// IDs of its identity document and sanctions screening checks.
func asOnboarding(h *harness, autoApprove bool) (string, string) {
	h.newCase.Type = "IDENTITY_VERIFICATION"
	h.newCase.Family = contract.FamilyOnboarding
	h.newCase.Title = "Identity verification: Jane Roe"
	h.newCase.Description = ""
	h.newCase.AutoApprove = autoApprove
	h.newCase.Entities = []contract.NewEntity{{
		Kind: contract.KindIndividual, Name: "Jane Roe", Role: "applicant",
		Checks: []string{"IDENTITY_DOCUMENT", "SANCTIONS_SCREENING"}, ProviderChecks: []string{"SANCTIONS_SCREENING"},
	}}
	entity := contract.EntityID(h.newCase.ID, 0)
	return contract.CheckID(entity, "IDENTITY_DOCUMENT"), contract.CheckID(entity, "SANCTIONS_SCREENING")
}

func (h *harness) check(id string, to contract.CheckStatus, reason string) *outcome {
	return h.send(contract.UpdateCheck, contract.CheckChange{ActorID: h.officer.ID, CheckID: id, Status: to, Reason: reason})
}

func (h *harness) providerResult(id string, result contract.CheckStatus) {
	h.steps++
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(contract.SignalCheckResult, contract.CheckResult{CheckID: id, Result: result, Provider: "ScreenCo", Reference: "SC-1"})
	}, time.Duration(h.steps)*time.Second)
}

// queryAt records the live state after the steps queued so far.
func (h *harness) queryAt() *contract.State {
	h.steps++
	st := &contract.State{}
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(contract.QueryState)
		require.NoError(h.t, err)
		require.NoError(h.t, v.Get(st))
	}, time.Duration(h.steps)*time.Second)
	return st
}

type flagStep struct {
	typ  string
	flag string // FLAG_CHANGED's new value; "" for other events
}

func requireTimeline(t *testing.T, events []store.Event, want []flagStep) {
	t.Helper()
	require.Len(t, events, len(want), "%v", eventTypes(events))
	for i, w := range want {
		require.Equal(t, w.typ, events[i].EventType, "event %d of %v", i, eventTypes(events))
		if w.typ == contract.EventFlagChanged {
			var flag *string
			require.NoError(t, json.Unmarshal(events[i].NewValue, &flag))
			got := ""
			if flag != nil {
				got = *flag
			}
			require.Equal(t, w.flag, got, "event %d", i)
		}
	}
}

func TestOnboardingCollectReviewRecollectAutoApprove(t *testing.T) {
	h, idDoc, sanctions := onboardingHarness(t, true)
	created := h.send(contract.UpdateCreate, nil)
	sent := h.send(contract.UpdateSend, contract.Send{ActorID: h.analyst.ID})
	steps := []*outcome{
		// The client provides all they owe: REVIEWING, though the
		// provider's screening is still pending.
		h.check(idDoc, contract.CheckSubmitted, ""),
	}
	h.providerResult(sanctions, contract.CheckApproved) // still REVIEWING: one to review
	reviewing := h.queryAt()
	steps = append(steps,
		h.check(idDoc, contract.CheckRejected, "The photo is unreadable."), // RECOLLECTING
		h.check(idDoc, contract.CheckSubmitted, ""),                        // REVIEWING again
		h.check(idDoc, contract.CheckApproved, ""),                         // ALL_APPROVED, auto-approved
	)
	approved := h.queryAt()
	closeIt := h.status(contract.StatusClosed, "")
	h.run()

	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())
	for _, o := range append([]*outcome{created, sent, closeIt}, steps...) {
		requireAccepted(t, o)
	}
	require.Equal(t, contract.StatusDraft, created.result.(contract.Case).Status)
	require.Equal(t, contract.FlagReviewing, reviewing.Case.Flag)
	require.Equal(t, contract.StatusApproved, approved.Case.Status)
	require.Equal(t, contract.FlagAllApproved, approved.Case.Flag)
	require.NotNil(t, approved.Case.ResolvedAt)

	events := h.timeline()
	requireTimeline(t, events, []flagStep{
		{typ: "CASE_CREATED"},
		{typ: "REQUEST_SENT"},
		{typ: "CHECK_UPDATED"}, {typ: "FLAG_CHANGED", flag: "REVIEWING"},
		{typ: "CHECK_UPDATED"}, {typ: "CHECK_UPDATED"}, // provider: PENDING → SUBMITTED → APPROVED
		{typ: "CHECK_UPDATED"}, {typ: "FLAG_CHANGED", flag: "RECOLLECTING"},
		{typ: "CHECK_UPDATED"}, {typ: "FLAG_CHANGED", flag: "REVIEWING"},
		{typ: "CHECK_UPDATED"}, {typ: "FLAG_CHANGED", flag: "ALL_APPROVED"}, {typ: "AUTO_APPROVED"},
		{typ: "STATUS_CHANGED"},
	})
	autoApproved := events[12]
	require.False(t, autoApproved.ActorID.Valid, "the system approves")
	require.JSONEq(t, `"APPROVED"`, string(autoApproved.NewValue))
	providerEvent := events[5]
	require.False(t, providerEvent.ActorID.Valid, "a provider's result is the system's")
	var meta map[string]string
	require.NoError(t, json.Unmarshal(providerEvent.Metadata, &meta))
	require.Equal(t, "ScreenCo", meta["provider"])
	require.Equal(t, sanctions, meta["checkId"])

	// The projection holds the checks as they ended.
	entities, err := h.store.Entities(context.Background(), h.newCase.ID)
	require.NoError(t, err)
	require.Len(t, entities, 1)
	require.Len(t, entities[0].Checks, 2)
	for _, c := range entities[0].Checks {
		require.Equal(t, "APPROVED", c.Status, c.Type)
	}
	require.Equal(t, "SC-1", entities[0].Checks[1].Reference)
	row := mustCase(t, h)
	require.Equal(t, "ALL_APPROVED", row.Flag.String)
	require.Equal(t, "CLOSED", row.Status)

	// The client was asked once, and asked again once after the rejection,
	// with the reason.
	require.Equal(t, map[string]int{"Information requested": 1, "Please provide again": 1}, h.subjects())
	again := h.smtp.To("jane@example.com")[1]
	require.Contains(t, again.Text, "The photo is unreadable.")
}

func TestOnboardingWithoutAutoApproveStaysOpen(t *testing.T) {
	h, idDoc, sanctions := onboardingHarness(t, false)
	h.send(contract.UpdateSend, contract.Send{ActorID: h.analyst.ID})
	for _, id := range []string{idDoc, sanctions} {
		requireLater(h, h.check(id, contract.CheckSubmitted, ""))
		requireLater(h, h.check(id, contract.CheckApproved, ""))
	}
	st := h.queryAt()
	approve := h.status(contract.StatusApproved, "")
	after := h.queryAt()
	h.steps++
	h.env.RegisterDelayedCallback(h.env.CancelWorkflow, time.Duration(h.steps)*time.Second)
	h.run()

	require.Equal(t, contract.FlagAllApproved, st.Case.Flag)
	require.Equal(t, contract.StatusOpen, st.Case.Status, "autoApprove off: a person decides")
	requireAccepted(t, approve)
	require.Equal(t, contract.StatusApproved, after.Case.Status)
	for _, e := range h.timeline() {
		require.NotEqual(t, contract.EventAutoApproved, e.EventType)
	}
}

// requireLater asserts, when the test ends, that an update was accepted.
func requireLater(h *harness, o *outcome) {
	h.t.Cleanup(func() { requireAccepted(h.t, o) })
}

func TestOnboardingNeverAutoApprovesUnlessOpen(t *testing.T) {
	h, idDoc, sanctions := onboardingHarness(t, true)
	// Every check approved while the case is still a draft.
	for _, id := range []string{idDoc, sanctions} {
		requireLater(h, h.check(id, contract.CheckSubmitted, ""))
		requireLater(h, h.check(id, contract.CheckApproved, ""))
	}
	draft := h.queryAt()
	h.steps++
	h.env.RegisterDelayedCallback(h.env.CancelWorkflow, time.Duration(h.steps)*time.Second)
	h.run()
	require.Equal(t, contract.FlagAllApproved, draft.Case.Flag)
	require.Equal(t, contract.StatusDraft, draft.Case.Status)
}

func TestOnboardingRejectedCaseIsNotAutoApproved(t *testing.T) {
	h, idDoc, sanctions := onboardingHarness(t, true)
	requireLater(h, h.send(contract.UpdateSend, contract.Send{ActorID: h.analyst.ID}))
	requireLater(h, h.status(contract.StatusRejected, "Client withdrew."))
	for _, id := range []string{idDoc, sanctions} {
		requireLater(h, h.check(id, contract.CheckSubmitted, ""))
		requireLater(h, h.check(id, contract.CheckApproved, ""))
	}
	st := h.queryAt()
	h.steps++
	h.env.RegisterDelayedCallback(h.env.CancelWorkflow, time.Duration(h.steps)*time.Second)
	h.run()
	require.Equal(t, contract.FlagAllApproved, st.Case.Flag)
	require.Equal(t, contract.StatusRejected, st.Case.Status)
}

func TestOnboardingValidators(t *testing.T) {
	h, idDoc, _ := onboardingHarness(t, true)
	toOpen := h.status(contract.StatusOpen, "")
	skipReview := h.check(idDoc, contract.CheckApproved, "")
	unknownCheck := h.check(contract.CheckID("nope", "X"), contract.CheckSubmitted, "")
	badEntity := h.send(contract.UpdateEntity, contract.AddEntity{ActorID: h.officer.ID, Entity: contract.NewEntity{Kind: "TRUST", Name: "x"}})
	addCompany := h.send(contract.UpdateEntity, contract.AddEntity{ActorID: h.officer.ID, Entity: contract.NewEntity{
		Kind: contract.KindCompany, Name: "Roe Ltd", Role: "employer", Checks: []string{"COMPANY_REGISTRY"}}})
	sent := h.send(contract.UpdateSend, contract.Send{ActorID: h.analyst.ID})
	sentAgain := h.send(contract.UpdateSend, contract.Send{ActorID: h.analyst.ID})
	requireLater(h, h.check(idDoc, contract.CheckSubmitted, ""))
	rejectNoReason := h.check(idDoc, contract.CheckRejected, " ")
	rejectCase := h.status(contract.StatusRejected, "")
	h.status(contract.StatusClosed, "")
	h.run()
	require.True(t, h.env.IsWorkflowCompleted())

	requireRejected(t, toOpen, contract.CodeInvalidTransition)
	require.ErrorContains(t, toOpen.rejected, "a draft opens when its request is sent")
	requireRejected(t, skipReview, contract.CodeInvalidTransition)
	requireRejected(t, unknownCheck, contract.CodeNotFound)
	requireRejected(t, badEntity, contract.CodeValidation)
	requireAccepted(t, addCompany)
	company := addCompany.result.(contract.Entity)
	require.Equal(t, contract.EntityID(h.newCase.ID, 1), company.ID)
	require.Len(t, company.Checks, 1)
	requireAccepted(t, sent)
	requireRejected(t, sentAgain, contract.CodeInvalidTransition)
	requireRejected(t, rejectNoReason, contract.CodeValidation)
	requireRejected(t, rejectCase, contract.CodeValidation)

	entities, err := h.store.Entities(context.Background(), h.newCase.ID)
	require.NoError(t, err)
	require.Len(t, entities, 2)
	require.Equal(t, "Roe Ltd", entities[1].Name)
}

func TestInvestigationRefusesOnboardingUpdates(t *testing.T) {
	h := newHarness(t, nil)
	send := h.send(contract.UpdateSend, contract.Send{ActorID: h.officer.ID})
	entity := h.send(contract.UpdateEntity, contract.AddEntity{ActorID: h.officer.ID, Entity: contract.NewEntity{Kind: contract.KindIndividual, Name: "x"}})
	h.steps++
	h.env.RegisterDelayedCallback(h.env.CancelWorkflow, time.Duration(h.steps)*time.Second)
	h.run()
	requireRejected(t, send, contract.CodeInvalidTransition)
	requireRejected(t, entity, contract.CodeInvalidTransition)
}

func TestFourEyes(t *testing.T) {
	t.Run("investigation: who asked for review does not resolve", func(t *testing.T) {
		h := newHarness(t, nil)
		h.newCase.FourEyes = true
		requireLater(h, h.status(contract.StatusInProgress, ""))
		requireLater(h, h.status(contract.StatusPendingReview, ""))
		same := h.status(contract.StatusResolvedTruePositive, "Confirmed.")
		other := h.send(contract.UpdateStatus, contract.StatusChange{ActorID: h.analyst.ID, Status: contract.StatusResolvedTruePositive, ResolutionNote: "Confirmed."})
		h.steps++
		h.env.RegisterDelayedCallback(h.env.CancelWorkflow, time.Duration(h.steps)*time.Second)
		h.run()
		requireRejected(t, same, contract.CodeFourEyes)
		requireAccepted(t, other)
	})
	t.Run("onboarding: who sent the request does not approve", func(t *testing.T) {
		h, _, _ := onboardingHarness(t, false)
		h.newCase.FourEyes = true
		requireLater(h, h.send(contract.UpdateSend, contract.Send{ActorID: h.officer.ID}))
		same := h.status(contract.StatusApproved, "")
		other := h.send(contract.UpdateStatus, contract.StatusChange{ActorID: h.analyst.ID, Status: contract.StatusApproved})
		h.steps++
		h.env.RegisterDelayedCallback(h.env.CancelWorkflow, time.Duration(h.steps)*time.Second)
		h.run()
		requireRejected(t, same, contract.CodeFourEyes)
		requireAccepted(t, other)
	})
	t.Run("off by default", func(t *testing.T) {
		h := newHarness(t, nil)
		requireLater(h, h.status(contract.StatusInProgress, ""))
		requireLater(h, h.status(contract.StatusPendingReview, ""))
		requireLater(h, h.status(contract.StatusResolvedTruePositive, "Confirmed."))
		h.steps++
		h.env.RegisterDelayedCallback(h.env.CancelWorkflow, time.Duration(h.steps)*time.Second)
		h.run()
	})
}
