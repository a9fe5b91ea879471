package contract

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text is the rule for one text field. Every text a case keeps is valid
// UTF-8 without NUL or other control characters, which Postgres refuses
// (NUL) or which hide in logs, e-mails and pages; only text that is meant
// to span lines may hold tab, newline and carriage return (a browser's
// form sends CRLF).
type Text struct {
	// Max is the most characters (runes) the field holds.
	Max int
	// Required refuses text that is empty or only spaces.
	Required bool
	// Multiline allows tab, newline and carriage return.
	Multiline bool
}

// The rules of a case's text fields.
var (
	// Line is a short single-line value: a name, a role, an identifier.
	Line = Text{Max: MaxLine}
	// RequiredLine is a Line that must be given.
	RequiredLine = Text{Max: MaxLine, Required: true}
	// Title is a case's title.
	Title = Text{Max: MaxTitle}
	// Prose is multi-line text: a description, a note, a reason, a message.
	Prose = Text{Max: MaxProse, Multiline: true}
	// RequiredProse is Prose that must be given.
	RequiredProse = Text{Max: MaxProse, Required: true, Multiline: true}
	// Tag is one of a case's tags.
	Tag = Text{Max: MaxTag, Required: true}
	// PropertyKey and PropertyValue are one of a case's custom properties.
	PropertyKey   = Text{Max: MaxPropertyKey, Required: true}
	PropertyValue = Text{Max: MaxPropertyValue}
	// Email is an e-mail address (its form is checked apart).
	Email = Text{Max: MaxEmail}
	// Query is what a search box sends.
	Query = Text{Max: MaxQuery}
)

// Bounds of text, in characters, and of lists.
const (
	MaxLine          = 200
	MaxTitle         = 200
	MaxProse         = 10_000
	MaxTag           = 64
	MaxTags          = 50
	MaxPropertyKey   = 64
	MaxPropertyValue = 1_000
	MaxProperties    = 50
	// MaxEmail is RFC 5321's limit on a forward path.
	MaxEmail = 254
	MaxQuery = 200
)

// Problem says what is wrong with s under r, or "" when nothing is.
func (r Text) Problem(s string) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8 text"
	}
	if i := strings.IndexFunc(s, r.refused); i >= 0 {
		c, _ := utf8.DecodeRuneInString(s[i:])
		if r.Multiline {
			return fmt.Sprintf("must not contain control characters other than tab and line breaks (found %U)", c)
		}
		return fmt.Sprintf("must be one line without control characters (found %U)", c)
	}
	if r.Required && strings.TrimSpace(s) == "" {
		return "is required"
	}
	if n := utf8.RuneCountInString(s); n > r.Max {
		return fmt.Sprintf("must be at most %d characters (got %d)", r.Max, n)
	}
	return ""
}

func (r Text) refused(c rune) bool {
	if r.Multiline && (c == '\t' || c == '\n' || c == '\r') {
		return false
	}
	return unicode.IsControl(c)
}
