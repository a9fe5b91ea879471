package workflows

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// personalCase is an onboarding case with personal data wherever a case
// can hold it, and the values to look for.
func personalCase() (Case, []string) {
	due := time.Date(2026, 12, 15, 17, 0, 0, 0, time.UTC)
	officer, analyst := "0195f3b2-7c1e-7d4a-9b1e-2f6f1c2d3e4f", "0195f3b2-7c1e-7d4a-9b1e-000000000001"
	c := Case{
		NewCase: NewCase{ID: "0195f3b2-7c1e-7d4a-9b1e-aaaaaaaaaaaa", Type: "IDENTITY_VERIFICATION", Family: FamilyOnboarding,
			Priority: "HIGH", Title: "Identity verification: Zebedee Quartermaine", Description: "Trust of the Quartermaines.",
			Client:     &Client{Name: "Zebedee Quartermaine", Email: "zq.private@example.org", ExternalID: "KYC-ZQ-77"},
			ExternalID: "EXT-ZQ-77", Metadata: json.RawMessage(`{"branch":"Quartermaine Street"}`),
			Properties: map[string]string{"channel": "Quartermaine app"}, Tags: []string{"quartermaine"},
			AssignedTo: &officer, CreatedBy: analyst, DueDate: &due, FourEyes: true,
			Reminders: ReminderPolicy{Before: []time.Duration{72 * time.Hour}, OverdueEvery: 48 * time.Hour, OverdueMax: 2}},
		CaseNumber: "CASE-2026-00042", Status: StatusOpen, Flag: FlagRecollecting, AwaitingClient: true,
		ResolutionNote: "Quartermaine resolved.", SubmittedBy: &analyst,
		Entities: []Entity{{ID: "e1", Kind: KindIndividual, Name: "Zebedee Quartermaine", Role: "Quartermaine director",
			Details: json.RawMessage(`{"passport":"QM123456"}`), Checks: []Check{
				{ID: "c1", Type: "IDENTITY_DOCUMENT", Status: CheckRejected, Reason: "Quartermaine's scan is blurred."},
				{ID: "c2", Type: "PROOF_OF_ADDRESS", Status: CheckSubmitted},
				{ID: "c3", Type: "SANCTIONS_SCREENING", Status: CheckPending, FromProvider: true, Provider: "Quartermaine Screening"},
			}}},
	}
	c.Plan = ReminderPlan(due, due.Add(-100*time.Hour), c.Reminders, true, false)
	return c, []string{"zebedee", "quartermaine", "zq.private", "kyc-zq", "ext-zq", "qm123456", "blurred"}
}

// Everything Temporal shows of a case may be stored in clear: none of it
// holds a name, e-mail, text or reference the case was given.
func TestMetadataHoldsNoPersonalData(t *testing.T) {
	c, personal := personalCase()
	shown := []string{
		StaticSummary(c.NewCase, c.CaseNumber),
		StaticDetails(c.NewCase, c.CaseNumber, "https://caseflow.bank.example/api/v1/cases/"+c.ID),
		CurrentDetails(c),
		mailSummary(Notify{CaseID: c.ID, Kind: MailRevoked, Seq: 9, Recipient: RecipientClient, Reason: "Quartermaine closed it."}),
		projectionSummary(9, 3, []Event{{Seq: 4, Type: EventNoteAdded, Description: "Zebedee called."}}, nil),
	}
	for _, rem := range c.Plan {
		shown = append(shown, timerSummary(c, rem))
	}
	for _, status := range []Status{StatusDraft, StatusPendingReview, StatusApproved, StatusRevoked} {
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
	investigation := Case{NewCase: NewCase{ID: "0195f3b2-7c1e-7d4a-9b1e-bbbbbbbbbbbb", Type: "AML_ALERT",
		Family: FamilyInvestigation, Priority: "LOW"}, CaseNumber: "CASE-2026-00043", Status: StatusOpen}
	with := func(c Case, change func(*Case)) Case {
		c.Entities = append([]Entity(nil), c.Entities...)
		change(&c)
		return c
	}
	tests := []struct {
		name string
		c    Case
		want string
	}{
		{"an onboarding case waiting for the client, a review and a provider", onboarding,
			"**CASE-2026-00042** is OPEN, flag RECOLLECTING, assigned to user `" + officer + "`\n" +
				"\n- waiting for: the client (1 item), a review (1 check), a provider (1 check)" +
				"\n- next: reminder 72h before due at 2026-12-12 17:00:00 UTC" +
				"\n- due: 2026-12-15 17:00:00 UTC"},
		{"overdue, its next timer a reminder after the due date", with(onboarding, func(c *Case) {
			c.Overdue, c.OverdueNotified = true, true
			c.Plan = ReminderPlan(due, due.Add(time.Hour), c.Reminders, true, true)
		}), "**CASE-2026-00042** is OPEN, flag RECOLLECTING, assigned to user `" + officer + "`\n" +
			"\n- waiting for: the client (1 item), a review (1 check), a provider (1 check)" +
			"\n- next: overdue reminder 48h after due at 2026-12-17 17:00:00 UTC" +
			"\n- due: 2026-12-15 17:00:00 UTC, **overdue**"},
		{"a draft", with(onboarding, func(c *Case) { c.Status, c.Flag, c.AssignedTo, c.DueDate, c.Plan = StatusDraft, "", nil, nil, nil }),
			"**CASE-2026-00042** is DRAFT, unassigned\n\n- waiting for: its request to be sent to the client"},
		{"every check decided, no auto-approval", with(onboarding, func(c *Case) {
			c.Flag, c.AwaitingClient, c.DueDate, c.Plan = FlagAllApproved, false, nil, nil
			c.Entities = []Entity{{Checks: []Check{{Status: CheckApproved}, {Status: CheckApproved, FromProvider: true}}}}
		}), "**CASE-2026-00042** is OPEN, flag ALL_APPROVED, assigned to user `" + officer + "`\n\n- waiting for: an officer to approve or reject it"},
		{"a new investigation", investigation, "**CASE-2026-00043** is OPEN, unassigned\n\n- waiting for: an officer to take it"},
		{"an investigation under four-eyes review", with(investigation, func(c *Case) {
			c.Status, c.FourEyes, c.AssignedTo, c.SubmittedBy = StatusPendingReview, true, &officer, &officer
		}), "**CASE-2026-00043** is PENDING_REVIEW, assigned to user `" + officer + "`\n\n- waiting for: a review (four eyes: not by user `" + officer + "`)"},
		{"resolved", with(investigation, func(c *Case) { c.Status = StatusResolvedFalsePositive }),
			"**CASE-2026-00043** is RESOLVED_FALSE_POSITIVE, unassigned\n\n- waiting for: an officer to close it"},
		{"ended", with(investigation, func(c *Case) { c.Status = StatusClosed }), "**CASE-2026-00043** is CLOSED: the case has ended."},
		{"not numbered yet (started before numbers were drawn first)", with(investigation, func(c *Case) { c.CaseNumber = "" }),
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
		{StaticSummary(c.NewCase, c.CaseNumber), "CASE-2026-00042 · IDENTITY_VERIFICATION · HIGH"},
		{StaticSummary(NewCase{ID: "x", Type: "SANCTIONS_HIT", Priority: "CRITICAL", FromScreening: true}, "CASE-2026-00044"),
			"CASE-2026-00044 · SANCTIONS_HIT · CRITICAL · from screening"},
		{timerSummary(c, Reminder{At: due.Add(-72 * time.Hour), Kind: MailReminder}), "reminder 72h before due"},
		{timerSummary(c, Reminder{At: due.Add(-90 * time.Minute), Kind: MailReminder}), "reminder 90m before due"},
		{timerSummary(c, Reminder{At: due, Kind: MailOverdue}), "overdue notice"},
		{timerSummary(c, Reminder{At: due.Add(96 * time.Hour), Kind: MailOverdueReminder}), "overdue reminder 96h after due"},
		{mailSummary(Notify{Kind: MailRequest, Seq: 2, Recipient: RecipientClient}), "e-mail: request to the client (event 2)"},
		{mailSummary(Notify{Kind: MailOverdueAssignee, Seq: 5, Recipient: RecipientAssignee}), "e-mail: overdue notice to the assignee (event 5)"},
		{mailSummary(Notify{Kind: MailNewCase, Seq: 1, Recipient: RecipientOfficers}), "e-mail: new case to every officer (event 1)"},
		{mailSummary(Notify{Kind: MailClientSubmitted, Seq: 4, Recipient: UserRecipient("0195f3b2-7c1e-7d4a-9b1e-2f6f1c2d3e4f")}),
			"e-mail: client's answer to user `0195f3b2-7c1e-7d4a-9b1e-2f6f1c2d3e4f` (event 4)"},
		{mailSummary(Notify{Kind: MailAssigned, Seq: 3, Recipient: UserRecipient("0195f3b2-7c1e-7d4a-9b1e-2f6f1c2d3e4f")}),
			"e-mail: case assigned to user `0195f3b2-7c1e-7d4a-9b1e-2f6f1c2d3e4f` (event 3)"},
		{mailSummary(Notify{Kind: "LATER_KIND", Seq: 4, Recipient: RecipientClient}), "e-mail: later kind to the client (event 4)"},
		{projectionSummary(1, 0, []Event{{Seq: 1, Type: EventCaseCreated}}, nil), "projection v1: CASE_CREATED"},
		{projectionSummary(8, 5, []Event{{Seq: 5, Type: EventNoteAdded}}, []Event{{Seq: 6, Type: EventCheckUpdated},
			{Seq: 7, Type: EventCheckUpdated}, {Seq: 8, Type: EventFlagChanged}}), "projection v8: CHECK_UPDATED ×2, FLAG_CHANGED"},
		{projectionSummary(8, 8, []Event{{Seq: 7}, {Seq: 8}}, nil), "projection v8: 2 events to the audit timeline"},
		{projectionSummary(8, 8, nil, nil), "projection v8"},
		{retrySummary(5 * time.Minute), "retry the refused projection write in 5m"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.got)
	}
}
