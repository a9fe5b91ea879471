package contract

import "slices"

// Status is where a case stands in its lifecycle.
type Status string

const (
	// Investigation statuses.
	StatusOpen                  Status = "OPEN"
	StatusInProgress            Status = "IN_PROGRESS"
	StatusPendingReview         Status = "PENDING_REVIEW"
	StatusEscalated             Status = "ESCALATED"
	StatusResolvedTruePositive  Status = "RESOLVED_TRUE_POSITIVE"
	StatusResolvedFalsePositive Status = "RESOLVED_FALSE_POSITIVE"
	StatusClosed                Status = "CLOSED"

	// Onboarding statuses (OPEN and CLOSED are shared).
	StatusDraft    Status = "DRAFT"
	StatusApproved Status = "APPROVED"
	StatusRejected Status = "REJECTED"
	StatusRevoked  Status = "REVOKED"
)

// Family is a group of case types that share one lifecycle.
type Family string

const (
	FamilyInvestigation Family = "investigation"
	FamilyOnboarding    Family = "onboarding"
)

// Lifecycle is a family's state machine as data: the workflow validates
// every status change against it, and the API shows its allowed next
// states. Nothing else encodes the rules.
type Lifecycle struct {
	Initial Status
	// Next lists, for each status, the statuses a person may move the case
	// to, in the order they are offered.
	Next map[Status][]Status
	// Terminal statuses end the workflow.
	Terminal []Status
	// NoteRequired statuses cannot be entered without a resolution note.
	NoteRequired []Status
	// Resolving statuses set resolvedAt when entered.
	Resolving []Status
}

// investigation is the lifecycle of an investigation case (the README
// draws it): forward one step at a time, review may resolve directly or send the case back, and CLOSED ends it.
var investigation = Lifecycle{
	Initial: StatusOpen,
	Next: map[Status][]Status{
		StatusOpen:                  {StatusInProgress},
		StatusInProgress:            {StatusPendingReview},
		StatusPendingReview:         {StatusEscalated, StatusResolvedTruePositive, StatusResolvedFalsePositive, StatusInProgress},
		StatusEscalated:             {StatusResolvedTruePositive, StatusResolvedFalsePositive, StatusInProgress},
		StatusResolvedTruePositive:  {StatusClosed},
		StatusResolvedFalsePositive: {StatusClosed},
		StatusClosed:                nil,
	},
	Terminal:     []Status{StatusClosed},
	NoteRequired: []Status{StatusResolvedTruePositive, StatusResolvedFalsePositive, StatusClosed},
	Resolving:    []Status{StatusResolvedTruePositive, StatusResolvedFalsePositive},
}

// onboarding is the lifecycle of an onboarding case (the README draws
// it): a draft is opened only by
// sending the client request (not listed here: the send update does it) or
// discarded; once open, a person may move it among OPEN, APPROVED, REJECTED
// and CLOSED. REVOKED is entered only by revoking the request.
var onboarding = Lifecycle{
	Initial: StatusDraft,
	Next: map[Status][]Status{
		StatusDraft:    {StatusClosed},
		StatusOpen:     {StatusApproved, StatusRejected, StatusClosed},
		StatusApproved: {StatusOpen, StatusRejected, StatusClosed},
		StatusRejected: {StatusOpen, StatusApproved, StatusClosed},
		StatusClosed:   nil,
		StatusRevoked:  nil,
	},
	Terminal:     []Status{StatusClosed, StatusRevoked},
	NoteRequired: []Status{StatusRejected},
	Resolving:    []Status{StatusApproved, StatusRejected},
}

// LifecycleFor returns the lifecycle of a family, and false for an unknown one.
func LifecycleFor(f Family) (Lifecycle, bool) {
	switch f {
	case FamilyInvestigation:
		return investigation, true
	case FamilyOnboarding:
		return onboarding, true
	}
	return Lifecycle{}, false
}

// CheckStatus is where one check of an entity stands.
type CheckStatus string

const (
	CheckPending   CheckStatus = "PENDING"
	CheckSubmitted CheckStatus = "SUBMITTED"
	CheckApproved  CheckStatus = "APPROVED"
	CheckRejected  CheckStatus = "REJECTED"
)

// checkMoves is the lifecycle of one check: the client provides,
// a reviewer decides, and a rejected check may be provided again.
var checkMoves = map[CheckStatus][]CheckStatus{
	CheckPending:   {CheckSubmitted},
	CheckSubmitted: {CheckApproved, CheckRejected},
	CheckRejected:  {CheckSubmitted},
	CheckApproved:  nil,
}

// CheckCanMove reports whether a check may go from one status to another.
func CheckCanMove(from, to CheckStatus) bool {
	return slices.Contains(checkMoves[from], to)
}

// CheckAllowed lists the statuses a check may move to.
func CheckAllowed(from CheckStatus) []CheckStatus {
	return append([]CheckStatus{}, checkMoves[from]...)
}

// ValidCheckStatus reports whether s names a check status.
func ValidCheckStatus(s string) bool {
	_, ok := checkMoves[CheckStatus(s)]
	return ok
}

// Allowed lists the statuses a case in status s may move to: a new slice,
// empty (not nil) at the end of the lifecycle.
func (l Lifecycle) Allowed(s Status) []Status {
	return append([]Status{}, l.Next[s]...)
}

// CanMove reports whether a person may move a case from one status to another.
func (l Lifecycle) CanMove(from, to Status) bool {
	return slices.Contains(l.Next[from], to)
}

// IsTerminal reports whether s ends the case.
func (l Lifecycle) IsTerminal(s Status) bool { return slices.Contains(l.Terminal, s) }

// NeedsNote reports whether entering s requires a resolution note.
func (l Lifecycle) NeedsNote(s Status) bool { return slices.Contains(l.NoteRequired, s) }

// Resolves reports whether entering s resolves the case.
func (l Lifecycle) Resolves(s Status) bool { return slices.Contains(l.Resolving, s) }

// Statuses lists every status of the lifecycle, for validating input.
func (l Lifecycle) Statuses() []Status {
	all := make([]Status, 0, len(l.Next))
	for s := range l.Next {
		all = append(all, s)
	}
	slices.Sort(all)
	return all
}
