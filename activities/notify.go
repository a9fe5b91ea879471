package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
)

// mailData is what an e-mail template sees.
type mailData struct {
	Case struct {
		Number      string
		Title       string
		Description string
		ClientName  string
		DueDate     *time.Time
	}
	Requested []requestedCheck
	Link      string
	Reason    string
	Priority  string
}

type requestedCheck struct {
	Entity string
	Label  string
	Reason string
}

// SendNotification e-mails what the workflow decided, once: the
// notification row keyed by the workflow's choice says whether an earlier
// attempt already sent it. The Message-ID is the row's, so a mail server
// can drop the duplicate that a crash between sending and recording could
// still cause.
func (a *Activities) SendNotification(ctx context.Context, n contract.Notify) error {
	if n.Recipient == contract.RecipientOfficers {
		return a.notifyOfficers(ctx, n)
	}
	key := store.NotificationKey{CaseID: n.CaseID, Kind: n.Kind, Seq: n.Seq, Recipient: n.Recipient}
	id, sent, err := a.Store.ClaimNotification(ctx, key)
	if err != nil || sent {
		return err
	}
	c, err := a.Store.GetCase(ctx, n.CaseID)
	if err != nil {
		return fmt.Errorf("notification %s: %w", n.Kind, err)
	}
	to, user, err := a.recipientAddress(ctx, c, n.Recipient)
	if err != nil && !errors.Is(err, errNoRecipient) {
		return err
	}
	return a.send(ctx, id, to, user, c, n)
}

// notifyOfficers e-mails every compliance officer and bank admin, each
// under a key of their own, so a retry reaches only those not yet told.
func (a *Activities) notifyOfficers(ctx context.Context, n contract.Notify) error {
	officers, err := a.Store.Officers(ctx)
	if err != nil {
		return err
	}
	c, err := a.Store.GetCase(ctx, n.CaseID)
	if err != nil {
		return fmt.Errorf("notification %s: %w", n.Kind, err)
	}
	for _, u := range officers {
		id, sent, err := a.Store.ClaimNotification(ctx, store.NotificationKey{CaseID: n.CaseID, Kind: n.Kind, Seq: n.Seq, Recipient: "user:" + u.ID})
		if err != nil {
			return err
		}
		if sent {
			continue
		}
		if err := a.send(ctx, id, u.Email, u.ID, c, n); err != nil {
			return err
		}
	}
	return nil
}

// send renders and delivers one claimed notification, then records it,
// in the notification list of the user it went to (userID, empty for a
// client).
func (a *Activities) send(ctx context.Context, id, to, userID string, c store.Case, n contract.Notify) error {
	var err error
	if to == "" {
		// Nobody to tell (no assignee, say): nothing to retry either.
		return a.Store.MarkNotificationSent(ctx, id, "", "(no recipient)", "")
	}

	data := mailData{Reason: n.Reason, Priority: c.Priority}
	data.Case.Number, data.Case.Title, data.Case.Description = c.CaseNumber, c.Title, c.Description
	data.Case.ClientName = c.ClientName.String
	if c.DueDate.Valid {
		due := c.DueDate.Time.UTC()
		data.Case.DueDate = &due
	}
	if data.Requested, err = a.requested(ctx, c.ID, n.Kind == contract.MailRecollect); err != nil {
		return err
	}
	if n.Recipient == contract.RecipientClient && n.Kind != contract.MailRevoked {
		token, err := a.Store.CreatePortalToken(ctx, c.ID, id)
		if err != nil {
			return err
		}
		data.Link = strings.TrimRight(a.PortalBaseURL, "/") + "/portal/r/" + token
	}

	subject, text, html, err := a.templates.render(templateFor(n.Kind), data)
	if err != nil {
		return temporal.NewNonRetryableApplicationError(err.Error(), "TEMPLATE", err)
	}
	email := Email{To: to, Subject: subject, Text: text, HTML: html, MessageID: id + "@caseflow"}
	if err := a.Mailer.Send(ctx, email); err != nil {
		return err
	}
	return a.Store.MarkNotificationSent(ctx, id, to, subject, userID)
}

var errNoRecipient = errors.New("no recipient")

// recipientAddress is where an e-mail goes, and the user it goes to
// (empty for the client).
func (a *Activities) recipientAddress(ctx context.Context, c store.Case, recipient string) (string, string, error) {
	switch recipient {
	case contract.RecipientClient:
		if !c.ClientEmail.Valid || c.ClientEmail.String == "" {
			return "", "", errNoRecipient
		}
		return c.ClientEmail.String, "", nil
	case contract.RecipientAssignee:
		if !c.AssignedTo.Valid {
			return "", "", errNoRecipient
		}
		u, err := a.Store.UserByID(ctx, c.AssignedTo.String)
		if errors.Is(err, store.ErrNotFound) || err == nil && !u.Active() {
			return "", "", errNoRecipient
		}
		return u.Email, u.ID, err
	}
	if id, ok := strings.CutPrefix(recipient, contract.UserRecipient("")); ok {
		u, err := a.Store.UserByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && !u.Active() {
			return "", "", errNoRecipient
		}
		return u.Email, u.ID, err
	}
	return "", "", temporal.NewNonRetryableApplicationError("unknown recipient "+recipient, "RECIPIENT", nil)
}

// requested lists what the client still has to provide: every check not
// yet provided, or, for a recollection, the rejected ones with the reason.
func (a *Activities) requested(ctx context.Context, caseID string, rejectedOnly bool) ([]requestedCheck, error) {
	entities, err := a.Store.Entities(ctx, caseID)
	if err != nil {
		return nil, err
	}
	var out []requestedCheck
	for _, e := range entities {
		for _, c := range e.Checks {
			if c.Requested() && (!rejectedOnly || c.Status == string(contract.CheckRejected)) {
				out = append(out, requestedCheck{Entity: e.Name, Label: contract.CheckLabel(c.Type), Reason: c.Reason})
			}
		}
	}
	return out, nil
}

func templateFor(kind string) string {
	if kind == contract.MailOverdueReminder {
		return contract.MailOverdue
	}
	return kind
}
