package contract

import (
	"slices"
	"time"
)

// ReminderPlan lists the timers a due date calls for after now: reminders
// before it (client requests only), the overdue notice at it (at once when
// it has passed and the notice is not sent yet), and reminders after it.
func ReminderPlan(due, now time.Time, p ReminderPolicy, client, overdueNotified bool) []Reminder {
	var plan []Reminder
	if client {
		for _, before := range p.Before {
			if at := due.Add(-before); at.After(now) {
				plan = append(plan, Reminder{At: at, Kind: MailReminder})
			}
		}
	}
	if !overdueNotified {
		at := due
		if now.After(at) {
			at = now
		}
		plan = append(plan, Reminder{At: at, Kind: MailOverdue})
	}
	if client && p.OverdueEvery > 0 {
		for k := 1; k <= p.OverdueMax; k++ {
			if at := due.Add(time.Duration(k) * p.OverdueEvery); at.After(now) {
				plan = append(plan, Reminder{At: at, Kind: MailOverdueReminder})
			}
		}
	}
	slices.SortStableFunc(plan, func(a, b Reminder) int { return a.At.Compare(b.At) })
	return plan
}

// The request item: what a request's description asks for, owed by the
// client like a check, when nothing else is asked of them (an information
// request made of a description and a due date). As a check of its own
// it goes through the one mechanism of what the client owes: the portal
// shows it, reminders run until it is answered, an officer accepts the
// answer or asks again with a reason, and the flag moves.
const (
	// KindRequest is the entity that stands for the request itself.
	KindRequest = "REQUEST"
	// CheckRequestedInformation is what the request's description asks.
	CheckRequestedInformation = "REQUESTED_INFORMATION"
)
