package contract

import "slices"

// The flag: an onboarding case's progress, derived from its checks and
// what the client still owes (docs/ARCHITECTURE.md, "The flag").

// Flag is an onboarding case's progress, derived from its checks.
type Flag string

const (
	FlagCollecting   Flag = "COLLECTING"
	FlagReviewing    Flag = "REVIEWING"
	FlagRecollecting Flag = "RECOLLECTING"
	FlagAllApproved  Flag = "ALL_APPROVED"
)

// ValidFlag reports whether f names a flag.
func ValidFlag(f string) bool {
	return slices.Contains([]Flag{FlagCollecting, FlagReviewing, FlagRecollecting, FlagAllApproved}, Flag(f))
}

// DeriveFlag is an onboarding case's progress, from all its checks. The
// flag is about what the client owes: a check a provider answers
// (FromProvider) is never the client's to provide. The
// empty flag means nothing has been provided yet. The rules are checked in
// order: a rejection outranks everything but full approval, and once the
// client owes nothing more the case is in review, waiting on officers or
// providers.
func DeriveFlag(checks []Check) Flag {
	if len(checks) == 0 {
		return ""
	}
	var approved, rejected, provided, owed int
	for _, c := range checks {
		switch c.Status {
		case CheckApproved:
			approved++
		case CheckRejected:
			rejected++
		}
		if c.Status != CheckPending {
			provided++
		} else if !c.FromProvider {
			owed++
		}
	}
	switch {
	case approved == len(checks):
		return FlagAllApproved
	case rejected > 0:
		return FlagRecollecting
	case owed == 0:
		return FlagReviewing
	case provided > 0:
		return FlagCollecting
	}
	return ""
}

// ClientOwes is the one rule for what the client still has to provide: a
// check of theirs (not a provider's) not yet provided, or rejected. The
// e-mails and the portal read it from the projection through store.Check.
func ClientOwes(status CheckStatus, fromProvider bool) bool {
	return !fromProvider && (status == CheckPending || status == CheckRejected)
}
