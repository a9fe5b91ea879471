package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"go.temporal.io/sdk/workflow"
)

// What the Temporal UI and CLI show of a case besides its search
// attributes: the static summary and details its starter sets, the current
// details the workflow keeps, and a summary on each timer and activity, so
// an operator reads from the history alone which case a workflow is, where
// it stands and what it waits for.
//
// All of it goes through the data converter like any payload, so the codec
// encrypts it when keys are configured; without keys it is stored in clear.
// Either way it is shown to everyone who may list workflows, so it holds no
// personal data, by construction: every function here reads only IDs, the
// case number, codes (type, priority, status, flag, event types), counts and
// times, never a name, e-mail, title, description, note or reason.

// CurrentDetails says where a case stands, in a few lines of markdown: its
// status, flag and assignee, what it waits for, its next timer and its due
// date. The workflow keeps it as its current details (describe).
func CurrentDetails(c contract.Case) string {
	life, _ := contract.LifecycleFor(c.Family)
	name := c.CaseNumber
	if name == "" {
		name = "case " + c.ID
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** is %s", name, c.Status)
	if c.Flag != "" {
		fmt.Fprintf(&b, ", flag %s", c.Flag)
	}
	if life.IsTerminal(c.Status) {
		b.WriteString(": the case has ended.")
		return b.String()
	}
	if c.AssignedTo != nil {
		fmt.Fprintf(&b, ", assigned to user `%s`", *c.AssignedTo)
	} else {
		b.WriteString(", unassigned")
	}
	b.WriteString("\n")
	line := func(label, text string) {
		if text != "" {
			fmt.Fprintf(&b, "\n- %s: %s", label, text)
		}
	}
	line("waiting for", strings.Join(waitingFor(c), ", "))
	if len(c.Plan) > 0 {
		line("next", fmt.Sprintf("%s at %s", timerSummary(c, c.Plan[0]), clock(c.Plan[0].At)))
	}
	if c.DueDate != nil {
		due := clock(*c.DueDate)
		if c.Overdue {
			due += ", **overdue**"
		}
		line("due", due)
	}
	return b.String()
}

// waitingFor lists what a case waits for, from its status and checks.
func waitingFor(c contract.Case) []string {
	switch c.Status {
	case contract.StatusDraft:
		return []string{"its request to be sent to the client"}
	case contract.StatusOpen:
		if c.Family == contract.FamilyOnboarding {
			return onboardingWaits(c)
		}
		if c.AssignedTo == nil {
			return []string{"an officer to take it"}
		}
		return []string{"its assignee to start work"}
	case contract.StatusInProgress:
		return []string{"its assignee's investigation"}
	case contract.StatusPendingReview:
		if c.FourEyes && c.SubmittedBy != nil {
			return []string{fmt.Sprintf("a review (four eyes: not by user `%s`)", *c.SubmittedBy)}
		}
		return []string{"a review"}
	case contract.StatusEscalated:
		return []string{"a review of the escalation"}
	case contract.StatusResolvedTruePositive, contract.StatusResolvedFalsePositive, contract.StatusApproved, contract.StatusRejected:
		return []string{"an officer to close it"}
	}
	return nil
}

// onboardingWaits lists what an open onboarding case waits for: the
// client, a reviewer, a screening provider, or a decision.
func onboardingWaits(c contract.Case) []string {
	var client, review, provider int
	for _, e := range c.Entities {
		for _, ch := range e.Checks {
			switch {
			case requested(ch):
				client++
			case ch.FromProvider && (ch.Status == contract.CheckPending || ch.Status == contract.CheckSubmitted):
				provider++
			case ch.Status == contract.CheckSubmitted:
				review++
			}
		}
	}
	var waits []string
	if client > 0 && c.AwaitingClient {
		waits = append(waits, "the client ("+count(client, "item")+")")
	}
	if review > 0 {
		waits = append(waits, "a review ("+count(review, "check")+")")
	}
	if provider > 0 {
		waits = append(waits, "a provider ("+count(provider, "check")+")")
	}
	if len(waits) == 0 {
		waits = append(waits, "an officer to approve or reject it")
	}
	return waits
}

// timerSummary names a planned timer: "reminder 72h before due".
func timerSummary(c contract.Case, rem contract.Reminder) string {
	var due time.Time
	if c.DueDate != nil {
		due = *c.DueDate
	}
	switch rem.Kind {
	case contract.MailReminder:
		return "reminder " + span(due.Sub(rem.At)) + " before due"
	case contract.MailOverdue:
		return "overdue notice"
	case contract.MailOverdueReminder:
		return "overdue reminder " + span(rem.At.Sub(due)) + " after due"
	}
	return strings.ToLower(rem.Kind)
}

// Summaries of the timers and activities that are not the plan's.
const (
	confirmSummary = "confirm projection"
	revokeSummary  = "revoke the client's portal links"
)

// withSummary is opts with a summary, for one activity.
func withSummary(opts workflow.ActivityOptions, summary string) workflow.ActivityOptions {
	opts.Summary = summary
	return opts
}

func retrySummary(wait time.Duration) string {
	return "retry the refused projection write in " + span(wait)
}

// mailSummary names an e-mail: "e-mail: request to the client (event 2)".
func mailSummary(n contract.Notify) string {
	what := map[string]string{
		contract.MailRequest: "request", contract.MailRecollect: "request to provide again", contract.MailReminder: "reminder",
		contract.MailOverdue: "overdue notice", contract.MailOverdueAssignee: "overdue notice", contract.MailOverdueReminder: "overdue reminder",
		contract.MailRevoked: "revocation", contract.MailNewCase: "new case", contract.MailDigest: "digest",
		contract.MailAssigned: "case assigned", contract.MailClientSubmitted: "client's answer",
	}[n.Kind]
	if what == "" { // a kind without a label yet reads as its name
		what = strings.ToLower(strings.ReplaceAll(n.Kind, "_", " "))
	}
	who := map[string]string{contract.RecipientClient: "the client", contract.RecipientAssignee: "the assignee", contract.RecipientOfficers: "every officer"}[n.Recipient]
	if id, ok := strings.CutPrefix(n.Recipient, contract.UserRecipient("")); ok && who == "" {
		who = "user `" + id + "`" // one user, by ID (never an address)
	} else if who == "" {
		who = n.Recipient
	}
	return fmt.Sprintf("e-mail: %s to %s (event %d)", what, who, n.Seq)
}

// projectionSummary names a projection write by the events it brings to
// Postgres first, those after version shown: "projection v5:
// STATUS_CHANGED"; a write that only confirms events for the audit
// timeline says how many.
func projectionSummary(version, shown int64, committed, pending []contract.Event) string {
	var types []string
	counts := map[string]int{}
	for _, e := range slices.Concat(committed, pending) {
		if e.Seq <= shown {
			continue
		}
		if counts[e.Type] == 0 {
			types = append(types, e.Type)
		}
		counts[e.Type]++
	}
	s := fmt.Sprintf("projection v%d", version)
	if len(types) == 0 {
		if len(committed) == 0 {
			return s
		}
		return s + ": " + count(len(committed), "event") + " to the audit timeline"
	}
	for i, t := range types {
		if counts[t] > 1 {
			types[i] = fmt.Sprintf("%s ×%d", t, counts[t])
		}
	}
	const most = 6 // one line, however many checks one change moved
	if len(types) > most {
		types = append(types[:most:most], "…")
	}
	return s + ": " + strings.Join(types, ", ")
}

// describe keeps the workflow's current details in line with the case. It
// is no command (the SDK answers the UI's metadata query with it), so
// setting it changes nothing on replay.
func (r *caseRun) describe(ctx workflow.Context) {
	details := CurrentDetails(r.c)
	if r.p.stalled {
		details += "\n- held: Postgres refused the last projection write; it is tried again with the next change, or within " + span(r.p.backoff)
	}
	workflow.SetCurrentDetails(ctx, details)
}

// span writes a duration the short way: 72h, 90m, 2s.
func span(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}

func clock(t time.Time) string { return t.UTC().Format(time.DateTime) + " UTC" }

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
