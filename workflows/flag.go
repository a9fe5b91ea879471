package workflows

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
