// Package contract is what the API, the store, the configuration, the
// activities and the case workflow agree on: the case and its events, the
// lifecycles, the flag, the message names and payloads, and what a case
// may hold. It holds no engine: package workflows runs cases by it.
//
// What a case may hold: the bounds every value must keep to be accepted, so that whatever a case accepts can be stored in
// Postgres, encoded as JSON and shown back. The API checks a request with
// these functions before it sends anything, and the case workflow's
// validators check the same values again with the same functions, because
// the workflow is the authority and not every caller is the API.
//
// It is a leaf: it imports nothing of caseflow.
package contract

import (
	"fmt"
	"slices"
	"strings"
)

// FieldError names one field that failed validation and says why.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError is one or more bad fields.
type ValidationError []FieldError

func (v ValidationError) Error() string {
	parts := make([]string, len(v))
	for i, f := range v {
		parts[i] = f.Field + ": " + f.Message
	}
	return strings.Join(parts, "; ")
}

// Errors collects the field errors of one value as it is checked.
type Errors struct {
	list ValidationError
}

// Add records a bad field.
func (e *Errors) Add(field, format string, args ...any) {
	e.list = append(e.list, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Append records field errors found elsewhere.
func (e *Errors) Append(errs ...FieldError) { e.list = append(e.list, errs...) }

// Text checks s against rule r under the given field name.
func (e *Errors) Text(field, s string, r Text) {
	if msg := r.Problem(s); msg != "" {
		e.Add(field, "%s", msg)
	}
}

// Object checks a JSON object against limits o under the given field name.
func (e *Errors) Object(field string, raw []byte, o Object) {
	if path, msg := o.Problem(raw); msg != "" {
		e.Add(field+path, "%s", msg)
	}
}

// List is what was collected, sorted by field so that the same value always
// reads the same: nil when nothing was wrong.
func (e *Errors) List() ValidationError {
	if len(e.list) == 0 {
		return nil
	}
	out := slices.Clone(e.list)
	slices.SortStableFunc(out, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
	return out
}

// Err is List as an error: nil when nothing was wrong.
func (e *Errors) Err() error {
	if l := e.List(); l != nil {
		return l
	}
	return nil
}
