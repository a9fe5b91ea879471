package activities_test

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/activities/mailtest"
	"github.com/caseflow/caseflow/config"
	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows/contract"
)

type fixture struct {
	acts   *activities.Activities
	store  *store.Store
	smtp   *mailtest.Server
	caseID string
}

func newFixture(t *testing.T) fixture {
	s, _ := storetest.New(t)
	smtp := mailtest.Start(t)
	mailer, err := activities.NewMailer(config.Mail{
		Transport: "smtp", From: "caseflow <no-reply@bank.example>",
		SMTP: config.SMTP{Host: smtp.Host, Port: smtp.Port, TLS: "none"},
	}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	acts, err := activities.New(s, mailer, "https://portal.bank.example")
	require.NoError(t, err)

	ctx := context.Background()
	author, _, err := s.EnsureUser(ctx, "author@bank.example", contract.RoleAnalyst, "Ann", "Author")
	require.NoError(t, err)
	due := time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)
	id := uuid.Must(uuid.NewV7()).String()
	entity := contract.EntityID(id, 0)
	c := contract.Case{
		NewCase: contract.NewCase{
			ID: id, Type: "IDENTITY_VERIFICATION", Family: contract.FamilyOnboarding, Priority: "MEDIUM",
			Title: "Identity verification: Jane Roe", Description: "We verify every new client.",
			Client: &contract.Client{Name: "Jane Roe", Email: "jane.roe@example.com"}, CreatedBy: author.ID, DueDate: &due,
		},
		Status: contract.StatusOpen, CreatedAt: due.Add(-72 * time.Hour), UpdatedAt: due.Add(-72 * time.Hour), Version: 1,
		Entities: []contract.Entity{{ID: entity, Kind: contract.KindIndividual, Name: "Jane Roe", Checks: []contract.Check{
			{ID: contract.CheckID(entity, "IDENTITY_DOCUMENT"), EntityID: entity, Type: "IDENTITY_DOCUMENT", Status: contract.CheckRejected, Reason: "The photo is unreadable."},
			{ID: contract.CheckID(entity, "PROOF_OF_ADDRESS"), EntityID: entity, Type: "PROOF_OF_ADDRESS", Status: contract.CheckPending},
			{ID: contract.CheckID(entity, "PEP_SCREENING"), EntityID: entity, Type: "PEP_SCREENING", Status: contract.CheckApproved, FromProvider: true},
			{ID: contract.CheckID(entity, "SANCTIONS_SCREENING"), EntityID: entity, Type: "SANCTIONS_SCREENING", Status: contract.CheckPending, FromProvider: true},
		}}},
	}
	_, err = s.Project(ctx, contract.Projection{Case: c})
	require.NoError(t, err)
	return fixture{acts: acts, store: s, smtp: smtp, caseID: id}
}

var linkPattern = regexp.MustCompile(`https://portal\.bank\.example/portal/r/([A-Za-z0-9_-]{43})`)

func TestRequestEmail(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	require.NoError(t, f.acts.SendNotification(ctx, contract.Notify{CaseID: f.caseID, Kind: contract.MailRequest, Seq: 2, Recipient: contract.RecipientClient}))

	msgs := f.smtp.Messages()
	require.Len(t, msgs, 1)
	m := msgs[0]
	require.Equal(t, []string{"jane.roe@example.com"}, m.To)
	require.Equal(t, "no-reply@bank.example", m.From)
	require.Equal(t, "Information requested: Identity verification: Jane Roe", m.Subject)
	require.Contains(t, m.Text, "Dear Jane Roe")
	require.Contains(t, m.Text, "We verify every new client.")
	require.Contains(t, m.Text, "Jane Roe: Identity document (asked again: The photo is unreadable.)")
	require.Contains(t, m.Text, "Jane Roe: Proof of address")
	require.NotContains(t, m.Text, "PEP", "approved checks are not asked for")
	require.NotContains(t, m.Text, "Sanctions", "a provider's screening is never asked of the client")
	require.Contains(t, m.Text, "Tuesday 1 December 2026, 17:00 UTC")
	require.Contains(t, m.HTML, `<a href="https://portal.bank.example/portal/r/`)

	// The link's token leads to the case; only its hash is stored.
	match := linkPattern.FindStringSubmatch(m.Text)
	require.NotNil(t, match, m.Text)
	tok, err := f.store.PortalTokenCase(ctx, match[1])
	require.NoError(t, err)
	require.Equal(t, f.caseID, tok.CaseID)
	var stored int
	require.NoError(t, f.store.DB().Get(&stored, `SELECT count(*) FROM portal_tokens WHERE encode(token_hash, 'escape') LIKE '%' || $1 || '%'`, match[1]))
	require.Zero(t, stored, "the token itself is not stored")

	notes, err := f.store.Notifications(ctx, f.caseID)
	require.NoError(t, err)
	require.Len(t, notes, 1)
	require.True(t, notes[0].SentAt.Valid)
	require.Equal(t, "<"+notes[0].ID+"@caseflow>", m.MessageID)
}

func TestRetriedNotificationSendsOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	n := contract.Notify{CaseID: f.caseID, Kind: contract.MailRecollect, Seq: 7, Recipient: contract.RecipientClient}

	// The mail server refuses the first delivery: the activity fails and
	// Temporal retries it.
	f.smtp.FailNext(1)
	require.Error(t, f.acts.SendNotification(ctx, n))
	require.Empty(t, f.smtp.Messages())
	require.NoError(t, f.acts.SendNotification(ctx, n))
	// A retry after success (the worker died before reporting) sends nothing.
	require.NoError(t, f.acts.SendNotification(ctx, n))

	msgs := f.smtp.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, "Please provide again: Identity verification: Jane Roe", msgs[0].Subject)
	require.Contains(t, msgs[0].Text, "The photo is unreadable.")
	require.NotContains(t, msgs[0].Text, "Proof of address", "a recollection asks only for what was rejected")

	// Another event's e-mail of the same kind is a new e-mail.
	n.Seq = 9
	require.NoError(t, f.acts.SendNotification(ctx, n))
	require.Len(t, f.smtp.Messages(), 2)
}

func TestNotificationWithoutRecipient(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	n := contract.Notify{CaseID: f.caseID, Kind: contract.MailOverdueAssignee, Seq: 3, Recipient: contract.RecipientAssignee}
	require.NoError(t, f.acts.SendNotification(ctx, n), "an unassigned case has nobody to tell")
	require.Empty(t, f.smtp.Messages())
}

func TestEveryTemplateRenders(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i, kind := range []string{contract.MailRequest, contract.MailRecollect, contract.MailReminder,
		contract.MailOverdue, contract.MailOverdueReminder, contract.MailRevoked} {
		n := contract.Notify{CaseID: f.caseID, Kind: kind, Seq: int64(10 + i), Recipient: contract.RecipientClient, Reason: "Client no longer a customer."}
		require.NoError(t, f.acts.SendNotification(ctx, n), kind)
	}
	msgs := f.smtp.Messages()
	require.Len(t, msgs, 6)
	revoked := msgs[5]
	require.Equal(t, "Request withdrawn: Identity verification: Jane Roe", revoked.Subject)
	require.Contains(t, revoked.Text, "Reason: Client no longer a customer.")
	require.False(t, linkPattern.MatchString(revoked.Text), "a withdrawal carries no link")
	require.NotContains(t, revoked.Text, "the link is yours alone", "no link, no warning about one")
	require.NotContains(t, revoked.HTML, "the link is yours alone")
	for _, m := range msgs[:5] {
		require.True(t, linkPattern.MatchString(m.Text), m.Subject)
		require.Contains(t, m.Text, "the link is yours alone", m.Subject)
		require.False(t, strings.Contains(m.Text, "<no value>"), m.Text)
	}
}
