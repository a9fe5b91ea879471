package contract

import (
	"fmt"
	"time"
)

// DefaultDueYears is how far ahead a due date may lie when the
// configuration says nothing: far enough for any request or deadline a
// compliance team sets, near enough to catch a mistyped year.
const DefaultDueYears = 5

// DueDate says what is wrong with a due date given at now, or "" when
// nothing is. A due date lies within maxYears of now, either way, once in
// UTC: a date past year 9999 cannot even be written as RFC 3339, and
// nobody means one. Whether it must be in the future is the caller's rule.
func DueDate(due, now time.Time, maxYears int) string {
	if maxYears <= 0 {
		maxYears = DefaultDueYears
	}
	due, now = due.UTC(), now.UTC()
	if due.After(now.AddDate(maxYears, 0, 0)) {
		return fmt.Sprintf("must be at most %d years ahead", maxYears)
	}
	if due.Before(now.AddDate(-maxYears, 0, 0)) {
		return fmt.Sprintf("must be at most %d years back", maxYears)
	}
	return ""
}
