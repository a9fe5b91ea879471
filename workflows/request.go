package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The client request of a case: the e-mails, the due date and its durable
// timers, the client's answer and revocation (docs/ARCHITECTURE.md, "Due
// dates and their timers" and "E-mails and the notification list").

// clientRequestOpen is whether the client owes an answer: the request is
// out, the case open, and something is still asked for.
func (r *caseRun) clientRequestOpen() bool {
	return r.c.Family == contract.FamilyOnboarding && r.c.Status == contract.StatusOpen && r.c.AwaitingClient
}

// replan re-arms the timers after anything that moves them.
func (r *caseRun) replan(now time.Time) {
	r.planChanged = true
	switch {
	case r.c.DueDate == nil || r.life.IsTerminal(r.c.Status):
		r.c.Plan = nil
	case r.c.Family == contract.FamilyOnboarding && !r.clientRequestOpen():
		r.c.Plan = nil
	default:
		r.c.Plan = contract.ReminderPlan(*r.c.DueDate, now, r.c.Reminders, r.c.Family == contract.FamilyOnboarding, r.c.OverdueNotified)
	}
}

// fireDue runs every timer whose time has come.
func (r *caseRun) fireDue(ctx workflow.Context) error {
	now := workflow.Now(ctx).UTC()
	for len(r.c.Plan) > 0 && !r.c.Plan[0].At.After(now) {
		rem := r.c.Plan[0]
		r.c.Plan = r.c.Plan[1:]
		var events []contract.Event
		var mails []contract.Notify
		due := contract.JSONValue(r.c.DueDate)
		switch rem.Kind {
		case contract.MailReminder:
			ev := r.event(contract.EventReminderSent, nil, "Reminder sent to the client", nil, due)
			events, mails = append(events, ev), append(mails, r.mail(contract.MailReminder, contract.RecipientClient, ev.Seq, ""))
		case contract.MailOverdue:
			r.c.Overdue, r.c.OverdueNotified = true, true
			ev := r.event(contract.EventOverdue, nil, "Due date passed", contract.JSONValue(false), contract.JSONValue(true))
			events = append(events, ev)
			if r.clientRequestOpen() {
				mails = append(mails, r.mail(contract.MailOverdue, contract.RecipientClient, ev.Seq, ""))
			}
			mails = append(mails, r.mail(contract.MailOverdueAssignee, contract.RecipientAssignee, ev.Seq, ""))
		case contract.MailOverdueReminder:
			ev := r.event(contract.EventReminderSent, nil, "Overdue reminder sent to the client", nil, due)
			ev.Metadata = contract.JSONValue(map[string]bool{"overdue": true})
			events, mails = append(events, ev), append(mails, r.mail(contract.MailOverdueReminder, contract.RecipientClient, ev.Seq, ""))
		}
		if err := r.commit(ctx, events, mails...); err != nil {
			return err
		}
	}
	return nil
}

func (r *caseRun) mail(kind, recipient string, seq int64, reason string) contract.Notify {
	return contract.Notify{CaseID: r.c.ID, Kind: kind, Seq: seq, Recipient: recipient, Reason: reason}
}

// commit persists events and then queues their e-mails: the e-mail
// activity reads the projection, so it must see the change first.
func (r *caseRun) commit(ctx workflow.Context, events []contract.Event, mails ...contract.Notify) error {
	if err := r.persist(ctx, events...); err != nil {
		return err
	}
	r.outbox = append(r.outbox, mails...)
	return nil
}

// sendMail delivers the outbox in order, in its own coroutine, so that no
// update waits for a mail server. The run ends only once it is empty.
func (r *caseRun) sendMail(ctx workflow.Context) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    10 * time.Minute,
		},
	})
	for {
		if err := workflow.Await(ctx, func() bool { return len(r.outbox) > 0 }); err != nil {
			return
		}
		n := r.outbox[0]
		actx := workflow.WithActivityOptions(ctx, withSummary(workflow.GetActivityOptions(ctx), mailSummary(n)))
		if err := workflow.ExecuteActivity(actx, contract.NotifyActivity, n).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Error("e-mail given up", "kind", n.Kind, "seq", n.Seq, "recipient", n.Recipient, "error", err)
		}
		r.outbox = r.outbox[1:]
	}
}

// requested reports whether the client still has to provide a check.
func requested(c contract.Check) bool { return contract.ClientOwes(c.Status, c.FromProvider) }

func (r *caseRun) anythingRequested() bool {
	for _, e := range r.c.Entities {
		if slices.ContainsFunc(e.Checks, requested) {
			return true
		}
	}
	return false
}

func (r *caseRun) validateSubmit(s contract.Submission) error {
	if err := r.validateOpen(); err != nil {
		return err
	}
	if r.c.Family != contract.FamilyOnboarding || r.c.Status != contract.StatusOpen {
		return reject(contract.CodeInvalidTransition, fmt.Sprintf("this request is not open for answers: the case is %s", r.c.Status))
	}
	if !r.anythingRequested() {
		return reject(contract.CodeInvalidTransition, "nothing is requested from the client now")
	}
	for n, id := range s.CheckIDs {
		i, j, err := r.findCheck(id)
		if err != nil || !requested(r.c.Entities[i].Checks[j]) {
			return invalid(contract.FieldError{Field: fmt.Sprintf("checkIds[%d]", n), Message: "is not a check requested from the client"})
		}
	}
	return r.validateDocuments(s)
}

// onSubmit records the client's answer from the portal: the checks it
// provides become SUBMITTED. Once nothing is asked any more the timers stop.
func (r *caseRun) onSubmit(ctx workflow.Context, s contract.Submission) (contract.Changed, error) {
	// A file answers its item as a ticked item does; an answer naming no
	// item at all answers everything asked.
	answered := slices.Clone(s.CheckIDs)
	for _, d := range s.Documents {
		answered = append(answered, d.CheckID)
	}
	var provided []string
	for _, e := range r.c.Entities {
		for _, c := range e.Checks {
			if requested(c) && (len(answered) == 0 || slices.Contains(answered, c.ID)) {
				provided = append(provided, c.ID)
			}
		}
	}
	var actor *string
	who := "The client"
	if s.ActorID != "" {
		actor, who = &s.ActorID, "An officer, for the client,"
	}
	submitted := r.event(contract.EventClientSubmit, actor, fmt.Sprintf("%s provided %d item(s)", who, len(provided)), nil, nil)
	meta := map[string]any{"checkIds": provided, "message": strings.TrimSpace(s.Message)}
	if len(s.Documents) > 0 {
		ids := make([]string, len(s.Documents))
		for i, d := range s.Documents {
			ids[i] = d.ID
		}
		meta["documentIds"] = ids
	}
	submitted.Metadata = contract.JSONValue(meta)
	events := append([]contract.Event{submitted}, r.recordDocuments(ctx, s)...)
	for _, id := range provided {
		i, j, _ := r.findCheck(id)
		events = append(events, r.moveCheck(ctx, i, j, nil, contract.CheckSubmitted, "", "", ""))
	}
	if !r.anythingRequested() {
		r.c.AwaitingClient, r.c.Overdue = false, false
	}
	events = append(events, r.afterChecks(ctx)...)
	r.replan(workflow.Now(ctx).UTC())
	var mails []contract.Notify
	if r.officerMails && r.c.AssignedTo != nil {
		mails = append(mails, r.mail(contract.MailClientSubmitted, contract.UserRecipient(*r.c.AssignedTo), submitted.Seq, ""))
	}
	if err := r.commit(ctx, events, mails...); err != nil {
		return contract.Changed{}, err
	}
	return r.changed(), nil
}

func (r *caseRun) validateDueDate(ctx workflow.Context, d contract.DueDateChange) error {
	if err := r.validateOpen(); err != nil {
		return err
	}
	if d.DueDate != nil && !d.DueDate.After(workflow.Now(ctx)) {
		return invalid(contract.FieldError{Field: "dueDate", Message: "must be in the future"})
	}
	return nil
}

// dueDateValues holds a new due date to the contract, within this case's
// horizon.
func (r *caseRun) dueDateValues(ctx workflow.Context, d contract.DueDateChange) error {
	return d.ValidateAt(workflow.Now(ctx), r.c.MaxDueYears)
}

// onDueDate moves or clears the due date and re-arms the timers.
func (r *caseRun) onDueDate(ctx workflow.Context, d contract.DueDateChange) (contract.Changed, error) {
	prev := r.c.DueDate
	var next *time.Time
	if d.DueDate != nil {
		t := d.DueDate.UTC()
		next = &t
	}
	r.c.DueDate = next
	// A new date ahead (or none) is not overdue, and earns a new notice.
	r.c.Overdue, r.c.OverdueNotified = false, false
	desc := "Due date cleared"
	if next != nil {
		desc = "Due date set to " + next.Format(time.RFC3339)
	}
	ev := r.event(contract.EventDueDateChanged, &d.ActorID, desc, contract.JSONValue(prev), contract.JSONValue(next))
	r.replan(workflow.Now(ctx).UTC())
	if err := r.commit(ctx, []contract.Event{ev}); err != nil {
		return contract.Changed{}, err
	}
	return r.changed(), nil
}

func (r *caseRun) validateRevoke(v contract.Revocation) error {
	if err := r.validateOnboarding(); err != nil {
		return err
	}
	if r.c.Status != contract.StatusOpen {
		return reject(contract.CodeInvalidTransition, fmt.Sprintf("only an open request can be revoked: the case is %s", r.c.Status),
			map[string]any{"from": r.c.Status, "to": contract.StatusRevoked, "allowed": r.life.Allowed(r.c.Status)})
	}
	return nil
}

// onRevoke withdraws the request: the case ends REVOKED, every link stops
// working, and the client is told.
func (r *caseRun) onRevoke(ctx workflow.Context, v contract.Revocation) (contract.Changed, error) {
	reason := strings.TrimSpace(v.Reason)
	r.c.Status, r.c.AwaitingClient, r.c.Overdue = contract.StatusRevoked, false, false
	now := workflow.Now(ctx).UTC()
	r.replan(now)
	ev := r.event(contract.EventRequestRevoked, &v.ActorID, "Client request revoked", contract.JSONValue(contract.StatusOpen), contract.JSONValue(contract.StatusRevoked))
	ev.Metadata = contract.JSONValue(map[string]string{"reason": reason})
	if err := r.persist(ctx, ev); err != nil {
		return contract.Changed{}, err
	}
	actx := workflow.WithActivityOptions(ctx, withSummary(writeOptions(), revokeSummary))
	if err := workflow.ExecuteActivity(actx, contract.RevokePortalActivity, r.c.ID, now).Get(ctx, nil); err != nil {
		return contract.Changed{}, fmt.Errorf("revoke links of case %s: %w", r.c.ID, err)
	}
	r.outbox = append(r.outbox, r.mail(contract.MailRevoked, contract.RecipientClient, ev.Seq, reason))
	return r.changed(), nil
}

// requestItem adds the request item to a case being sent with a
// description and nothing else the client owes, and returns its event.
func (r *caseRun) requestItem(ctx workflow.Context) (contract.Event, bool) {
	if !r.describedOwed || r.anythingRequested() || strings.TrimSpace(r.c.Description) == "" {
		return contract.Event{}, false
	}
	name := "Your request"
	if r.c.Client != nil && strings.TrimSpace(r.c.Client.Name) != "" {
		name = strings.TrimSpace(r.c.Client.Name)
	}
	e := r.addEntity(contract.NewEntity{Kind: contract.KindRequest, Name: name, Role: "what the request asks",
		Checks: []string{contract.CheckRequestedInformation}}, workflow.Now(ctx).UTC())
	return r.event(contract.EventEntityAdded, nil, "The request's description is asked of the client", nil, contract.JSONValue(e)), true
}
