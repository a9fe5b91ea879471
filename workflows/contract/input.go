package contract

import (
	"regexp"
	"time"
)

// Input starts a case workflow: a new case, or (after Continue-As-New) a
// running one resumed.
type Input struct {
	New    NewCase `json:"new"`
	Resume *Resume `json:"resume,omitempty"`
	// CaseNumber is the new case's number, drawn by the API before the
	// start so the workflow's static summary can name the case; the
	// projection's first write stores it. Cases started without one (all
	// before it existed) get theirs from Postgres at that write, as ever.
	CaseNumber string `json:"caseNumber,omitempty"`
}

// Resume is what one run hands the next: the whole case, timers and all,
// and the e-mails not yet confirmed sent (their keys make a resend safe).
type Resume struct {
	Case    Case      `json:"case"`
	Outbox  []Notify  `json:"outbox,omitempty"`
	Applied []Applied `json:"applied,omitempty"`
	// Unconfirmed are events the audit timeline has yet to take, and
	// HistoryBase the history events of the runs so far (projection.go).
	Unconfirmed []Event `json:"unconfirmed,omitempty"`
	HistoryBase int64   `json:"historyBase,omitempty"`
}

// caseNumberPattern is the shape of a case number: CASE-<year>-<5+ digits>.
var caseNumberPattern = regexp.MustCompile(`^CASE-[0-9]{4}-[0-9]{5,}$`)

// ValidCaseNumber reports whether s is shaped like a case number.
func ValidCaseNumber(s string) bool { return caseNumberPattern.MatchString(s) }

// DefaultHistoryLimit is the history length past which a case continues
// as new when the case names none.
const DefaultHistoryLimit = 10_000

// Applied is one update a case has applied, and what it produced (an
// event, entity or check ID) to answer a retry with.
type Applied struct {
	UpdateID string `json:"updateId"`
	Ref      string `json:"ref,omitempty"`
	// At is when it was applied (zero in hand-overs from before it was
	// kept), so a run hands on every update recent enough to be retried.
	At time.Time `json:"at,omitzero"`
}
