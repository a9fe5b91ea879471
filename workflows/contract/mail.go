package contract

import "time"

// Kinds of e-mail the workflow sends.
const (
	MailRequest         = "REQUEST"
	MailRecollect       = "RECOLLECT"
	MailReminder        = "REMINDER"
	MailOverdue         = "OVERDUE"
	MailOverdueAssignee = "OVERDUE_ASSIGNEE"
	MailOverdueReminder = "OVERDUE_REMINDER"
	MailRevoked         = "REVOKED"
	MailDigest          = "DIGEST"
	MailNewCase         = "NEW_CASE"
	MailAssigned        = "ASSIGNED"
	MailClientSubmitted = "CLIENT_SUBMITTED"
)

// Recipients of a case's e-mails.
const (
	RecipientClient   = "client"
	RecipientAssignee = "assignee"
	// RecipientOfficers is every compliance officer and bank admin, each
	// e-mailed (and keyed) on their own.
	RecipientOfficers = "officers"
)

// UserRecipient names one user as an e-mail's recipient, by ID: the
// address is read when the e-mail goes out.
func UserRecipient(userID string) string { return "user:" + userID }

// Notify asks for one e-mail. Case, kind, seq (the timeline event that
// caused it) and recipient identify it, so a retry never sends it twice;
// the activity reads the rest (addresses, what is requested) from the
// projection, keeping personal data out of the history.
type Notify struct {
	CaseID    string `json:"caseId"`
	Kind      string `json:"kind"`
	Seq       int64  `json:"seq"`
	Recipient string `json:"recipient"`
	Reason    string `json:"reason,omitempty"`
}

// ReminderPolicy is when a client is reminded, copied from configuration
// into each case when it opens.
type ReminderPolicy struct {
	// Before are the reminders ahead of the due date (72h: three days before).
	Before []time.Duration `json:"before"`
	// OverdueEvery and OverdueMax space and bound the reminders after it.
	OverdueEvery time.Duration `json:"overdueEvery"`
	OverdueMax   int           `json:"overdueMax"`
}

// Reminder is one planned timer of a case: a reminder, the overdue notice,
// or a reminder after it.
type Reminder struct {
	At   time.Time `json:"at"`
	Kind string    `json:"kind"`
}
