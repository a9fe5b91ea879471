package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/config"
	"github.com/caseflow/caseflow/workflows"
	"github.com/caseflow/caseflow/workflows/contract"
)

func verdict(outcome, risk string, hits ...string) workflows.Verdict {
	v := workflows.Verdict{
		TransactionID: "0b5b6a8e-7f6a-4c61-9d55-3f1c2b7d9a10", ExternalID: "TX-1029", Amount: "12500.00", Currency: "EUR",
		Sender:   &workflows.Party{Name: "Jane Roe", Account: "GB29NWBK60161331926819", Country: "GB"},
		Receiver: &workflows.Party{Name: "Acme Trading FZE", Country: "AE"},
		Outcome:  outcome, RiskLevel: risk, AggregateScore: 87.5, TotalLatencyMs: 42,
	}
	for _, h := range hits {
		v.Hits = append(v.Hits, workflows.Hit{Type: h})
	}
	return v
}

// TestDefaultRules maps every outcome and hit as the README's "Cases from
// transaction screening" says.
func TestDefaultRules(t *testing.T) {
	rules := config.DefaultScreeningRules()
	tests := []struct {
		name  string
		v     workflows.Verdict
		want  string
		opens bool
	}{
		{"approve opens nothing", verdict("APPROVE", "LOW"), "", false},
		{"approve with a hit opens nothing", verdict("APPROVE", "LOW", "PEP"), "", false},
		{"block", verdict("BLOCK", "HIGH"), "SUSPICIOUS_TRANSACTION", true},
		{"escalate", verdict("ESCALATE", "MEDIUM"), "AML_ALERT", true},
		{"review", verdict("REVIEW", "LOW"), "AML_ALERT", true},
		{"sanctions hit", verdict("REVIEW", "HIGH", "SANCTIONS"), "SANCTIONS_HIT", true},
		{"sanctions hit outranks block", verdict("BLOCK", "CRITICAL", "BEHAVIORAL", "SANCTIONS"), "SANCTIONS_HIT", true},
		{"pep hit", verdict("ESCALATE", "MEDIUM", "PEP"), "PEP_MATCH", true},
		{"behavioural hit", verdict("REVIEW", "MEDIUM", "BEHAVIORAL"), "BEHAVIORAL_ANOMALY", true},
		{"unknown hit falls to the outcome", verdict("BLOCK", "HIGH", "VELOCITY"), "SUSPICIOUS_TRANSACTION", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, opens := workflows.CaseTypeFor(rules, tt.v)
			require.Equal(t, tt.opens, opens)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestConfiguredRules(t *testing.T) {
	rules := []workflows.ScreeningRule{
		{Hit: "VELOCITY", Outcome: "BLOCK", CaseType: "FRAUD_ALERT"},
		{Outcome: "BLOCK", CaseType: "SUSPICIOUS_TRANSACTION"},
	}
	got, _ := workflows.CaseTypeFor(rules, verdict("BLOCK", "HIGH", "VELOCITY"))
	require.Equal(t, "FRAUD_ALERT", got, "both conditions hold")
	got, _ = workflows.CaseTypeFor(rules, verdict("BLOCK", "HIGH"))
	require.Equal(t, "SUSPICIOUS_TRANSACTION", got)
	_, opens := workflows.CaseTypeFor(rules, verdict("REVIEW", "HIGH", "VELOCITY"))
	require.False(t, opens, "no rule, no case")
}

func TestValidateVerdictNamesEachField(t *testing.T) {
	ok := verdict("BLOCK", "HIGH", "SANCTIONS")
	require.NoError(t, workflows.ValidateVerdict(ok))
	tests := []struct {
		field string
		edit  func(v *workflows.Verdict)
	}{
		{"transactionId", func(v *workflows.Verdict) { v.TransactionID = "TX-1" }},
		{"externalId", func(v *workflows.Verdict) { v.ExternalID = " " }},
		{"amount", func(v *workflows.Verdict) { v.Amount = "12,500" }},
		{"amount", func(v *workflows.Verdict) { v.Amount = "-5" }},
		{"amount", func(v *workflows.Verdict) { v.Amount = "1.23456" }},
		{"amount", func(v *workflows.Verdict) { v.Amount = "007" }},
		{"currency", func(v *workflows.Verdict) { v.Currency = "eur" }},
		{"sender", func(v *workflows.Verdict) { v.Sender = nil }},
		{"receiver.name", func(v *workflows.Verdict) { v.Receiver.Name = "" }},
		{"sender.country", func(v *workflows.Verdict) { v.Sender.Country = "GBR" }},
		{"outcome", func(v *workflows.Verdict) { v.Outcome = "DENY" }},
		{"riskLevel", func(v *workflows.Verdict) { v.RiskLevel = "SEVERE" }},
		{"aggregateScore", func(v *workflows.Verdict) { v.AggregateScore = 101 }},
		{"totalLatencyMs", func(v *workflows.Verdict) { v.TotalLatencyMs = -1 }},
		{"hits[0].type", func(v *workflows.Verdict) { v.Hits[0].Type = "sanctions" }},
	}
	for _, tt := range tests {
		v := verdict("BLOCK", "HIGH", "SANCTIONS")
		v.Sender, v.Receiver = &workflows.Party{Name: "Jane Roe", Country: "GB"}, &workflows.Party{Name: "Acme"}
		tt.edit(&v)
		var errs workflows.ValidationError
		require.ErrorAs(t, workflows.ValidateVerdict(v), &errs, tt.field)
		require.Equal(t, tt.field, errs[0].Field)
	}
}

func TestVerdictIdentity(t *testing.T) {
	a, b := verdict("BLOCK", "HIGH", "SANCTIONS"), verdict("BLOCK", "HIGH", "SANCTIONS")
	require.Equal(t, workflows.VerdictID(a), workflows.VerdictID(b), "the same verdict twice is one verdict")
	b.AggregateScore = 90
	require.NotEqual(t, workflows.VerdictID(a), workflows.VerdictID(b))
	require.Equal(t, workflows.TransactionCaseID(a.TransactionID), workflows.TransactionCaseID("0B5B6A8E-7F6A-4C61-9D55-3F1C2B7D9A10"),
		"one case per transaction, however its ID is spelt")
	_, err := uuid.Parse(workflows.TransactionCaseID(a.TransactionID))
	require.NoError(t, err)
}

func TestScreeningCase(t *testing.T) {
	v := verdict("BLOCK", "MEDIUM", "SANCTIONS", "SANCTIONS")
	nc := workflows.ScreeningCase("SANCTIONS_HIT", workflows.FamilyInvestigation, v)
	require.NoError(t, workflows.ValidateNewCase(nc, time.Now()))
	require.Equal(t, workflows.Priority("HIGH"), nc.Priority, "a blocked payment is at least HIGH")
	require.Equal(t, "Blocked transaction TX-1029: 12500.00 EUR", nc.Title)
	require.Contains(t, nc.Description, "Jane Roe to Acme Trading FZE")
	require.Equal(t, []string{"screening", "block", "sanctions"}, nc.Tags)
	require.Empty(t, nc.CreatedBy, "the system opens it")
	crit := workflows.ScreeningCase("AML_ALERT", workflows.FamilyInvestigation, verdict("ESCALATE", "CRITICAL"))
	require.Equal(t, workflows.Priority("CRITICAL"), crit.Priority)
	require.Equal(t, "HIGH", *crit.RiskLevel, "a case's risk level tops out at HIGH")
}

// Whatever a valid verdict holds, the case it opens fits the contract: a
// long external ID and many hit types are cut, not a 500.
func TestScreeningCaseAlwaysFits(t *testing.T) {
	v := verdict("REVIEW", "LOW")
	v.ExternalID = strings.Repeat("X", 200)
	for i := range 60 {
		v.Hits = append(v.Hits, workflows.Hit{Type: "HIT_" + strings.Repeat("A", i%30) + string(rune('A'+i%26)) + string(rune('A'+i/26))})
	}
	require.NoError(t, workflows.ValidateVerdict(v))
	nc := workflows.ScreeningCase("AML_ALERT", workflows.FamilyInvestigation, v)
	require.NoError(t, workflows.ValidateNewCase(nc, time.Now()))
	require.Len(t, []rune(nc.Title), contract.MaxTitle)
	require.Len(t, nc.Tags, contract.MaxTags)
}
