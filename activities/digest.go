package activities

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
)

type digestData struct {
	Name       string
	Day        string
	Mine       []store.OverdueCase
	Unassigned []store.OverdueCase
}

// SendOverdueDigests e-mails every officer who owns an overdue case the
// list of them; bank admins also get the overdue cases nobody owns. Each
// officer's digest is keyed by the day, so a rerun sends nothing twice.
// It returns how many digests went out.
func (a *Activities) SendOverdueDigests(ctx context.Context, day string) (int, error) {
	date, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return 0, temporal.NewNonRetryableApplicationError("bad digest day "+day, "DIGEST", err)
	}
	seq, _ := strconv.ParseInt(date.Format("20060102"), 10, 64)
	overdue, err := a.Store.OverdueCases(ctx)
	if err != nil {
		return 0, err
	}
	officers, err := a.Store.Officers(ctx)
	if err != nil {
		return 0, err
	}
	var unassigned []store.OverdueCase
	byOwner := map[string][]store.OverdueCase{}
	for _, c := range overdue {
		if c.AssignedTo.Valid {
			byOwner[c.AssignedTo.String] = append(byOwner[c.AssignedTo.String], c)
		} else {
			unassigned = append(unassigned, c)
		}
	}
	sent := 0
	for _, u := range officers {
		d := digestData{Name: u.Name(), Day: day, Mine: byOwner[u.ID]}
		if u.Role == contract.RoleBankAdmin {
			d.Unassigned = unassigned
		}
		if len(d.Mine) == 0 && len(d.Unassigned) == 0 {
			continue
		}
		id, already, err := a.Store.ClaimNotification(ctx, store.NotificationKey{Kind: contract.MailDigest, Seq: seq, Recipient: u.ID})
		if err != nil {
			return sent, err
		}
		if already {
			continue
		}
		subject, text, html, err := a.templates.render(contract.MailDigest, d)
		if err != nil {
			return sent, temporal.NewNonRetryableApplicationError(err.Error(), "TEMPLATE", err)
		}
		if err := a.Mailer.Send(ctx, Email{To: u.Email, Subject: subject, Text: text, HTML: html, MessageID: id + "@caseflow"}); err != nil {
			return sent, fmt.Errorf("digest to %s: %w", strings.ToLower(u.Email), err)
		}
		if err := a.Store.MarkNotificationSent(ctx, id, u.Email, subject, u.ID); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}
