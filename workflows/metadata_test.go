package workflows

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/caseflow/caseflow/workflows/temporalclient"
	"github.com/stretchr/testify/require"
)

// personalCase is an onboarding case with personal data wherever a case
// can hold it, and the values to look for.
func personalCase() (contract.Case, []string) {
	due := time.Date(2026, 12, 15, 17, 0, 0, 0, time.UTC)
	officer, analyst := "0195f3b2-7c1e-7d4a-9b1e-2f6f1c2d3e4f", "0195f3b2-7c1e-7d4a-9b1e-000000000001"
	c := contract.Case{
		NewCase: contract.NewCase{ID: "0195f3b2-7c1e-7d4a-9b1e-aaaaaaaaaaaa", Type: "IDENTITY_VERIFICATION", Family: contract.FamilyOnboarding,
			Priority: "HIGH", Title: "Identity verification: Zebedee Quartermaine", Description: "Trust of the Quartermaines.",
			Client:     &contract.Client{Name: "Zebedee Quartermaine", Email: "zq.private@example.org", ExternalID: "KYC-ZQ-77"},
			ExternalID: "EXT-ZQ-77", Metadata: json.RawMessage(`{"branch":"Quartermaine Street"}`),
			Properties: map[string]string{"channel": "Quartermaine app"}, Tags: []string{"quartermaine"},
			AssignedTo: &officer, CreatedBy: analyst, DueDate: &due, FourEyes: true,
			Reminders: contract.ReminderPolicy{Before: []time.Duration{72 * time.Hour}, OverdueEvery: 48 * time.Hour, OverdueMax: 2}},
		CaseNumber: "CASE-2026-00042", Status: contract.StatusOpen, Flag: contract.FlagRecollecting, AwaitingClient: true,
		ResolutionNote: "Quartermaine resolved.", SubmittedBy: &analyst,
		Entities: []contract.Entity{{ID: "e1", Kind: contract.KindIndividual, Name: "Zebedee Quartermaine", Role: "Quartermaine director",
			Details: json.RawMessage(`{"passport":"QM123456"}`), Checks: []contract.Check{
				{ID: "c1", Type: "IDENTITY_DOCUMENT", Status: contract.CheckRejected, Reason: "Quartermaine's scan is blurred."},
				{ID: "c2", Type: "PROOF_OF_ADDRESS", Status: contract.CheckSubmitted},
				{ID: "c3", Type: "SANCTIONS_SCREENING", Status: contract.CheckPending, FromProvider: true, Provider: "Quartermaine Screening"},
			}}},
	}
	c.Plan = contract.ReminderPlan(due, due.Add(-100*time.Hour), c.Reminders, true, false)
	return c, []string{"zebedee", "quartermaine", "zq.private", "kyc-zq", "ext-zq", "qm123456", "blurred"}
}

// Everything Temporal shows of a case may be stored in clear: none of it
// holds a name, e-mail, text or reference the case was given.
func TestMetadataHoldsNoPersonalData(t *testing.T) {
	c, personal := personalCase()
	shown := []string{
		temporalclient.StaticSummary(c.NewCase, c.CaseNumber),
		temporalclient.StaticDetails(c.NewCase, c.CaseNumber, "https://caseflow.bank.example/api/v1/cases/"+c.ID),
		CurrentDetails(c),
		mailSummary(contract.Notify{CaseID: c.ID, Kind: contract.MailRevoked, Seq: 9, Recipient: contract.RecipientClient, Reason: "Quartermaine closed it."}),
		projectionSummary(9, 3, []contract.Event{{Seq: 4, Type: contract.EventNoteAdded, Description: "Zebedee called."}}, nil),
	}
	for _, rem := range c.Plan {
		shown = append(shown, timerSummary(c, rem))
	}
	for _, status := range []contract.Status{contract.StatusDraft, contract.StatusPendingReview, contract.StatusApproved, contract.StatusRevoked} {
		c.Status = status
		shown = append(shown, CurrentDetails(c))
	}
	for _, text := range shown {
		for _, p := range personal {
			require.NotContains(t, strings.ToLower(text), p)
		}
	}
}

func TestCurrentDetails(t *testing.T) {
	onboarding, _ := personalCase()
	due := *onboarding.DueDate
	officer := *onboarding.AssignedTo
	investigation := contract.Case{NewCase: contract.NewCase{ID: "0195f3b2-7c1e-7d4a-9b1e-bbbbbbbbbbbb", Type: "AML_ALERT",
		Family: contract.FamilyInvestigation, Priority: "LOW"}, CaseNumber: "CASE-2026-00043", Status: contract.StatusOpen}
	with := func(c contract.Case, change func(*contract.Case)) contract.Case {
		c.Entities = append([]contract.Entity(nil), c.Entities...)
		change(&c)
		return c
	}
	tests := []struct {
		name string
		c    contract.Case
		want string
	}{
		{"an onboarding case waiting for the client, a review and a provider", onboarding,
			"**CASE-2026-00042** is OPEN, flag RECOLLECTING, assigned to user `" + officer + "`\n" +
				"\n- waiting for: the client (1 item), a review (1 check), a provider (1 check)" +
				"\n- next: reminder 72h before due at 2026-12-12 17:00:00 UTC" +
				"\n- due: 2026-12-15 17:00:00 UTC"},
		{"overdue, its next timer a reminder after the due date", with(onboarding, func(c *contract.Case) {
			c.Overdue, c.OverdueNotified = true, true
			c.Plan = contract.ReminderPlan(due, due.Add(time.Hour), c.Reminders, true, true)
		}), "**CASE-2026-00042** is OPEN, flag RECOLLECTING, assigned to user `" + officer + "`\n" +
			"\n- waiting for: the client (1 item), a review (1 check), a provider (1 check)" +
			"\n- next: overdue reminder 48h after due at 2026-12-17 17:00:00 UTC" +
			"\n- due: 2026-12-15 17:00:00 UTC, **overdue**"},
		{"a draft", with(onboarding, func(c *contract.Case) {
			c.Status, c.Flag, c.AssignedTo, c.DueDate, c.Plan = contract.StatusDraft, "", nil, nil, nil
		}),
			"**CASE-2026-00042** is DRAFT, unassigned\n\n- waiting for: its request to be sent to the client"},
		{"every check decided, no auto-approval", with(onboarding, func(c *contract.Case) {
			c.Flag, c.AwaitingClient, c.DueDate, c.Plan = contract.FlagAllApproved, false, nil, nil
			c.Entities = []contract.Entity{{Checks: []contract.Check{{Status: contract.CheckApproved}, {Status: contract.CheckApproved, FromProvider: true}}}}
		}), "**CASE-2026-00042** is OPEN, flag ALL_APPROVED, assigned to user `" + officer + "`\n\n- waiting for: an officer to approve or reject it"},
		{"a new investigation", investigation, "**CASE-2026-00043** is OPEN, unassigned\n\n- waiting for: an officer to take it"},
		{"an investigation under four-eyes review", with(investigation, func(c *contract.Case) {
			c.Status, c.FourEyes, c.AssignedTo, c.SubmittedBy = contract.StatusPendingReview, true, &officer, &officer
		}), "**CASE-2026-00043** is PENDING_REVIEW, assigned to user `" + officer + "`\n\n- waiting for: a review (four eyes: not by user `" + officer + "`)"},
		{"resolved", with(investigation, func(c *contract.Case) { c.Status = contract.StatusResolvedFalsePositive }),
			"**CASE-2026-00043** is RESOLVED_FALSE_POSITIVE, unassigned\n\n- waiting for: an officer to close it"},
		{"ended", with(investigation, func(c *contract.Case) { c.Status = contract.StatusClosed }), "**CASE-2026-00043** is CLOSED: the case has ended."},
		{"not numbered yet (started before numbers were drawn first)", with(investigation, func(c *contract.Case) { c.CaseNumber = "" }),
			"**case 0195f3b2-7c1e-7d4a-9b1e-bbbbbbbbbbbb** is OPEN, unassigned\n\n- waiting for: an officer to take it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, CurrentDetails(tt.c))
		})
	}
}

func TestSummaries(t *testing.T) {
	c, _ := personalCase()
	due := *c.DueDate
	tests := []struct {
		got, want string
	}{
		{temporalclient.StaticSummary(c.NewCase, c.CaseNumber), "CASE-2026-00042 · IDENTITY_VERIFICATION · HIGH"},
		{temporalclient.StaticSummary(contract.NewCase{ID: "x", Type: "SANCTIONS_HIT", Priority: "CRITICAL", FromScreening: true}, "CASE-2026-00044"),
			"CASE-2026-00044 · SANCTIONS_HIT · CRITICAL · from screening"},
		{timerSummary(c, contract.Reminder{At: due.Add(-72 * time.Hour), Kind: contract.MailReminder}), "reminder 72h before due"},
		{timerSummary(c, contract.Reminder{At: due.Add(-90 * time.Minute), Kind: contract.MailReminder}), "reminder 90m before due"},
		{timerSummary(c, contract.Reminder{At: due, Kind: contract.MailOverdue}), "overdue notice"},
		{timerSummary(c, contract.Reminder{At: due.Add(96 * time.Hour), Kind: contract.MailOverdueReminder}), "overdue reminder 96h after due"},
		{mailSummary(contract.Notify{Kind: contract.MailRequest, Seq: 2, Recipient: contract.RecipientClient}), "e-mail: request to the client (event 2)"},
		{mailSummary(contract.Notify{Kind: contract.MailOverdueAssignee, Seq: 5, Recipient: contract.RecipientAssignee}), "e-mail: overdue notice to the assignee (event 5)"},
		{mailSummary(contract.Notify{Kind: contract.MailNewCase, Seq: 1, Recipient: contract.RecipientOfficers}), "e-mail: new case to every officer (event 1)"},
		{mailSummary(contract.Notify{Kind: contract.MailClientSubmitted, Seq: 4, Recipient: contract.UserRecipient("0195f3b2-7c1e-7d4a-9b1e-2f6f1c2d3e4f")}),
			"e-mail: client's answer to user `0195f3b2-7c1e-7d4a-9b1e-2f6f1c2d3e4f` (event 4)"},
		{mailSummary(contract.Notify{Kind: contract.MailAssigned, Seq: 3, Recipient: contract.UserRecipient("0195f3b2-7c1e-7d4a-9b1e-2f6f1c2d3e4f")}),
			"e-mail: case assigned to user `0195f3b2-7c1e-7d4a-9b1e-2f6f1c2d3e4f` (event 3)"},
		{mailSummary(contract.Notify{Kind: "LATER_KIND", Seq: 4, Recipient: contract.RecipientClient}), "e-mail: later kind to the client (event 4)"},
		{projectionSummary(1, 0, []contract.Event{{Seq: 1, Type: contract.EventCaseCreated}}, nil), "projection v1: CASE_CREATED"},
		{projectionSummary(8, 5, []contract.Event{{Seq: 5, Type: contract.EventNoteAdded}}, []contract.Event{{Seq: 6, Type: contract.EventCheckUpdated},
			{Seq: 7, Type: contract.EventCheckUpdated}, {Seq: 8, Type: contract.EventFlagChanged}}), "projection v8: CHECK_UPDATED ×2, FLAG_CHANGED"},
		{projectionSummary(8, 8, []contract.Event{{Seq: 7}, {Seq: 8}}, nil), "projection v8: 2 events to the audit timeline"},
		{projectionSummary(8, 8, nil, nil), "projection v8"},
		{retrySummary(5 * time.Minute), "retry the refused projection write in 5m"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.got)
	}
}
