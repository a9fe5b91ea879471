package workflows

// DeriveFlag is an onboarding case's progress, from the statuses of all
// its checks (DESIGN.md §4). The empty flag means nothing has been provided
// yet. The rules are checked in order: a rejection outranks everything but
// full approval, and review needs every check provided.
func DeriveFlag(checks []CheckStatus) Flag {
	if len(checks) == 0 {
		return ""
	}
	var pending, submitted, approved, rejected int
	for _, c := range checks {
		switch c {
		case CheckPending:
			pending++
		case CheckSubmitted:
			submitted++
		case CheckApproved:
			approved++
		case CheckRejected:
			rejected++
		}
	}
	switch {
	case approved == len(checks):
		return FlagAllApproved
	case rejected > 0:
		return FlagRecollecting
	case pending == 0:
		return FlagReviewing
	case pending < len(checks):
		return FlagCollecting
	}
	return ""
}
