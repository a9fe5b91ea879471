package contract

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// Cases opened by transaction screening (docs/ARCHITECTURE.md, "Cases
// from transaction screening").

// VerdictLink is what a case learns of a verdict; the verdict itself is
// kept in Postgres by the API, out of the workflow history.
type VerdictLink struct {
	VerdictID      string  `json:"verdictId"`
	TransactionID  string  `json:"transactionId"`
	Outcome        string  `json:"outcome"`
	RiskLevel      string  `json:"riskLevel"`
	AggregateScore float64 `json:"aggregateScore"`
}

// SignalsDroppedMetric counts signals a case dropped as malformed.
const SignalsDroppedMetric = "caseflow_signals_dropped"

// Validate holds a verdict link to the contract: it is a signal, checked
// by the API before it is sent and dropped by a case if it still arrives
// malformed.
func (v VerdictLink) Validate() error {
	var errs Errors
	if len(v.VerdictID) != 32 || strings.Trim(v.VerdictID, "0123456789abcdef") != "" {
		errs.Add("verdictId", "must be a verdict ID")
	}
	if _, err := uuid.Parse(v.TransactionID); err != nil {
		errs.Add("transactionId", "must be a UUID")
	}
	if !slices.Contains(outcomes, v.Outcome) {
		errs.Add("outcome", "must be one of %s", strings.Join(outcomes, ", "))
	}
	if !slices.Contains(screeningRisks, v.RiskLevel) {
		errs.Add("riskLevel", "must be one of %s", strings.Join(screeningRisks, ", "))
	}
	if !(v.AggregateScore >= 0 && v.AggregateScore <= 100) {
		errs.Add("aggregateScore", "must be from 0 to 100")
	}
	return errs.Err()
}

// Link is the VerdictLink of a verdict.
func (v Verdict) Link() VerdictLink {
	return VerdictLink{VerdictID: VerdictID(v), TransactionID: strings.ToLower(v.TransactionID),
		Outcome: v.Outcome, RiskLevel: v.RiskLevel, AggregateScore: v.AggregateScore}
}

// Screening outcomes; all but APPROVE open a case.
const (
	OutcomeApprove  = "APPROVE"
	OutcomeReview   = "REVIEW"
	OutcomeEscalate = "ESCALATE"
	OutcomeBlock    = "BLOCK"
)

var (
	outcomes       = []string{OutcomeApprove, OutcomeReview, OutcomeEscalate, OutcomeBlock}
	screeningRisks = []string{"LOW", "MEDIUM", "HIGH", "CRITICAL"}
	decimalAmount  = regexp.MustCompile(`^(0|[1-9][0-9]{0,14})(\.[0-9]{1,4})?$`)
	currencyCode   = regexp.MustCompile(`^[A-Z]{3}$`)
	countryCode    = regexp.MustCompile(`^[A-Z]{2}$`)
	hitTypePattern = regexp.MustCompile(`^[A-Z][A-Z_]{1,39}$`)
	maxHits        = 100
)

// Party is a sender or receiver of a transaction.
type Party struct {
	Name    string `json:"name"`
	Account string `json:"account,omitempty"`
	Country string `json:"country,omitempty"`
}

// Hit is one finding of a screening: its type (SANCTIONS, PEP, BEHAVIORAL,
// …) and whatever the screening system says of it.
type Hit struct {
	Type    string          `json:"type"`
	Score   *float64        `json:"score,omitempty"`
	Details json.RawMessage `json:"details,omitempty"`
}

// Verdict is a transaction screening system's verdict.
type Verdict struct {
	TransactionID  string  `json:"transactionId"`
	ExternalID     string  `json:"externalId"`
	Amount         string  `json:"amount"`
	Currency       string  `json:"currency"`
	Sender         *Party  `json:"sender"`
	Receiver       *Party  `json:"receiver"`
	Outcome        string  `json:"outcome"`
	RiskLevel      string  `json:"riskLevel"`
	AggregateScore float64 `json:"aggregateScore"`
	TotalLatencyMs int64   `json:"totalLatencyMs"`
	Hits           []Hit   `json:"hits"`
}

// ValidateVerdict checks a verdict strictly, naming each bad field. The
// API stores what it accepts, so its text and hits are held to the
// contract like a case's.
func ValidateVerdict(v Verdict) error {
	var errs Errors
	if _, err := uuid.Parse(v.TransactionID); err != nil {
		errs.Add("transactionId", "must be a UUID")
	}
	errs.Text("externalId", v.ExternalID, RequiredLine)
	if !decimalAmount.MatchString(v.Amount) {
		errs.Add("amount", "must be a decimal string such as \"1250.00\" (up to 4 decimals, not negative)")
	}
	if !currencyCode.MatchString(v.Currency) {
		errs.Add("currency", "must be an ISO 4217 code such as EUR")
	}
	for _, p := range []struct {
		field string
		party *Party
	}{{"sender", v.Sender}, {"receiver", v.Receiver}} {
		if p.party == nil {
			errs.Add(p.field, "is required")
			continue
		}
		errs.Text(p.field+".name", p.party.Name, RequiredLine)
		errs.Text(p.field+".account", p.party.Account, Line)
		if p.party.Country != "" && !countryCode.MatchString(p.party.Country) {
			errs.Add(p.field+".country", "must be an ISO 3166 alpha-2 code such as GB")
		}
	}
	if !slices.Contains(outcomes, v.Outcome) {
		errs.Add("outcome", "must be one of %s", strings.Join(outcomes, ", "))
	}
	if !slices.Contains(screeningRisks, v.RiskLevel) {
		errs.Add("riskLevel", "must be one of %s", strings.Join(screeningRisks, ", "))
	}
	if !(v.AggregateScore >= 0 && v.AggregateScore <= 100) {
		errs.Add("aggregateScore", "must be from 0 to 100")
	}
	if v.TotalLatencyMs < 0 {
		errs.Add("totalLatencyMs", "must not be negative")
	}
	if len(v.Hits) > maxHits {
		errs.Add("hits", "at most %d", maxHits)
	}
	for i, h := range v.Hits {
		if !hitTypePattern.MatchString(h.Type) {
			errs.Add(fmt.Sprintf("hits[%d].type", i), "must be an upper-case type such as SANCTIONS, PEP or BEHAVIORAL")
		}
		if hasObject(h.Details) {
			errs.Object(fmt.Sprintf("hits[%d].details", i), h.Details, HitDetails)
		}
	}
	return errs.Err()
}

// VerdictID names a verdict by its content, so the same verdict delivered
// many times is recognised as one.
func VerdictID(v Verdict) string {
	b, _ := json.Marshal(v) // struct fields marshal in a fixed order
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// TransactionCaseID is the case of a transaction: derived, so every
// delivery of its verdicts, however concurrent, names the same workflow.
func TransactionCaseID(transactionID string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("caseflow:transaction/"+strings.ToLower(transactionID))).String()
}

// ScreeningRule maps a verdict to a case type. A rule matches when its
// hit type (if any) is among the verdict's hits and its outcome (if any)
// is the verdict's; the first matching rule wins.
type ScreeningRule struct {
	Hit      string `json:"hit,omitempty" mapstructure:"hit"`
	Outcome  string `json:"outcome,omitempty" mapstructure:"outcome"`
	CaseType string `json:"caseType" mapstructure:"caseType"`
}

// CaseTypeFor picks the case a verdict opens, and false when it opens
// none: APPROVE never does, nor a verdict no rule matches.
func CaseTypeFor(rules []ScreeningRule, v Verdict) (string, bool) {
	if v.Outcome == OutcomeApprove {
		return "", false
	}
	for _, r := range rules {
		if r.Hit != "" && !slices.ContainsFunc(v.Hits, func(h Hit) bool { return h.Type == r.Hit }) {
			continue
		}
		if r.Outcome != "" && r.Outcome != v.Outcome {
			continue
		}
		return r.CaseType, true
	}
	return "", false
}

// ScreeningPriority is a case's priority from the verdict's risk level.
func ScreeningPriority(v Verdict) Priority {
	if v.Outcome == OutcomeBlock && (v.RiskLevel == "LOW" || v.RiskLevel == "MEDIUM") {
		return "HIGH" // a blocked payment is never routine
	}
	return Priority(v.RiskLevel)
}

// ScreeningCase is the case a verdict opens.
func ScreeningCase(caseType string, family Family, v Verdict) NewCase {
	risk := v.RiskLevel
	if risk == "CRITICAL" {
		risk = "HIGH" // a case's risk level tops out at HIGH
	}
	verb := map[string]string{OutcomeReview: "Review", OutcomeEscalate: "Escalated", OutcomeBlock: "Blocked"}[v.Outcome]
	var hits []string
	for _, h := range v.Hits {
		if !slices.Contains(hits, h.Type) {
			hits = append(hits, h.Type)
		}
	}
	desc := fmt.Sprintf("Transaction %s of %s %s from %s to %s was screened %s (risk %s, score %.1f).",
		v.ExternalID, v.Amount, v.Currency, v.Sender.Name, v.Receiver.Name, v.Outcome, v.RiskLevel, v.AggregateScore)
	if len(hits) > 0 {
		desc += " Hits: " + strings.Join(hits, ", ") + "."
	}
	txID := strings.ToLower(v.TransactionID)
	return NewCase{
		ID:                   TransactionCaseID(v.TransactionID),
		Type:                 caseType,
		Family:               family,
		Priority:             ScreeningPriority(v),
		Title:                truncate(fmt.Sprintf("%s transaction %s: %s %s", verb, v.ExternalID, v.Amount, v.Currency), MaxTitle),
		Description:          desc,
		RiskLevel:            &risk,
		ExternalID:           v.ExternalID,
		Tags:                 append([]string{"screening", strings.ToLower(v.Outcome)}, lower(hits[:min(len(hits), MaxTags-2)])...),
		RelatedTransactionID: &txID,
		FromScreening:        true,
	}
}

// truncate cuts s to at most n characters, with an ellipsis: a case a
// verdict opens always fits the contract however long its parts.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func lower(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}
