package contract_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/config"
	"github.com/caseflow/caseflow/workflows/contract"
)

func verdict(outcome, risk string, hits ...string) contract.Verdict {
	v := contract.Verdict{
		TransactionID: "0b5b6a8e-7f6a-4c61-9d55-3f1c2b7d9a10", ExternalID: "TX-1029", Amount: "12500.00", Currency: "EUR",
		Sender:   &contract.Party{Name: "Jane Roe", Account: "GB29NWBK60161331926819", Country: "GB"},
		Receiver: &contract.Party{Name: "Acme Trading FZE", Country: "AE"},
		Outcome:  outcome, RiskLevel: risk, AggregateScore: 87.5, TotalLatencyMs: 42,
	}
	for _, h := range hits {
		v.Hits = append(v.Hits, contract.Hit{Type: h})
	}
	return v
}

// TestDefaultRules maps every outcome and hit as the README's "Cases from
// transaction screening" says.
func TestDefaultRules(t *testing.T) {
	rules := config.DefaultScreeningRules()
	tests := []struct {
		name  string
		v     contract.Verdict
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
			got, opens := contract.CaseTypeFor(rules, tt.v)
			require.Equal(t, tt.opens, opens)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestConfiguredRules(t *testing.T) {
	rules := []contract.ScreeningRule{
		{Hit: "VELOCITY", Outcome: "BLOCK", CaseType: "FRAUD_ALERT"},
		{Outcome: "BLOCK", CaseType: "SUSPICIOUS_TRANSACTION"},
	}
	got, _ := contract.CaseTypeFor(rules, verdict("BLOCK", "HIGH", "VELOCITY"))
	require.Equal(t, "FRAUD_ALERT", got, "both conditions hold")
	got, _ = contract.CaseTypeFor(rules, verdict("BLOCK", "HIGH"))
	require.Equal(t, "SUSPICIOUS_TRANSACTION", got)
	_, opens := contract.CaseTypeFor(rules, verdict("REVIEW", "HIGH", "VELOCITY"))
	require.False(t, opens, "no rule, no case")
}

func TestValidateVerdictNamesEachField(t *testing.T) {
	ok := verdict("BLOCK", "HIGH", "SANCTIONS")
	require.NoError(t, contract.ValidateVerdict(ok))
	tests := []struct {
		field string
		edit  func(v *contract.Verdict)
	}{
		{"transactionId", func(v *contract.Verdict) { v.TransactionID = "TX-1" }},
		{"externalId", func(v *contract.Verdict) { v.ExternalID = " " }},
		{"amount", func(v *contract.Verdict) { v.Amount = "12,500" }},
		{"amount", func(v *contract.Verdict) { v.Amount = "-5" }},
		{"amount", func(v *contract.Verdict) { v.Amount = "1.23456" }},
		{"amount", func(v *contract.Verdict) { v.Amount = "007" }},
		{"currency", func(v *contract.Verdict) { v.Currency = "eur" }},
		{"sender", func(v *contract.Verdict) { v.Sender = nil }},
		{"receiver.name", func(v *contract.Verdict) { v.Receiver.Name = "" }},
		{"sender.country", func(v *contract.Verdict) { v.Sender.Country = "GBR" }},
		{"outcome", func(v *contract.Verdict) { v.Outcome = "DENY" }},
		{"riskLevel", func(v *contract.Verdict) { v.RiskLevel = "SEVERE" }},
		{"aggregateScore", func(v *contract.Verdict) { v.AggregateScore = 101 }},
		{"totalLatencyMs", func(v *contract.Verdict) { v.TotalLatencyMs = -1 }},
		{"hits[0].type", func(v *contract.Verdict) { v.Hits[0].Type = "sanctions" }},
	}
	for _, tt := range tests {
		v := verdict("BLOCK", "HIGH", "SANCTIONS")
		v.Sender, v.Receiver = &contract.Party{Name: "Jane Roe", Country: "GB"}, &contract.Party{Name: "Acme"}
		tt.edit(&v)
		var errs contract.ValidationError
		require.ErrorAs(t, contract.ValidateVerdict(v), &errs, tt.field)
		require.Equal(t, tt.field, errs[0].Field)
	}
}

func TestVerdictIdentity(t *testing.T) {
	a, b := verdict("BLOCK", "HIGH", "SANCTIONS"), verdict("BLOCK", "HIGH", "SANCTIONS")
	require.Equal(t, contract.VerdictID(a), contract.VerdictID(b), "the same verdict twice is one verdict")
	b.AggregateScore = 90
	require.NotEqual(t, contract.VerdictID(a), contract.VerdictID(b))
	require.Equal(t, contract.TransactionCaseID(a.TransactionID), contract.TransactionCaseID("0B5B6A8E-7F6A-4C61-9D55-3F1C2B7D9A10"),
		"one case per transaction, however its ID is spelt")
	_, err := uuid.Parse(contract.TransactionCaseID(a.TransactionID))
	require.NoError(t, err)
}

func TestScreeningCase(t *testing.T) {
	v := verdict("BLOCK", "MEDIUM", "SANCTIONS", "SANCTIONS")
	nc := contract.ScreeningCase("SANCTIONS_HIT", contract.FamilyInvestigation, v)
	require.NoError(t, contract.ValidateNewCase(nc, time.Now()))
	require.Equal(t, contract.Priority("HIGH"), nc.Priority, "a blocked payment is at least HIGH")
	require.Equal(t, "Blocked transaction TX-1029: 12500.00 EUR", nc.Title)
	require.Contains(t, nc.Description, "Jane Roe to Acme Trading FZE")
	require.Equal(t, []string{"screening", "block", "sanctions"}, nc.Tags)
	require.Empty(t, nc.CreatedBy, "the system opens it")
	crit := contract.ScreeningCase("AML_ALERT", contract.FamilyInvestigation, verdict("ESCALATE", "CRITICAL"))
	require.Equal(t, contract.Priority("CRITICAL"), crit.Priority)
	require.Equal(t, "HIGH", *crit.RiskLevel, "a case's risk level tops out at HIGH")
}

// Whatever a valid verdict holds, the case it opens fits the contract: a
// long external ID and many hit types are cut, not a 500.
func TestScreeningCaseAlwaysFits(t *testing.T) {
	v := verdict("REVIEW", "LOW")
	v.ExternalID = strings.Repeat("X", 200)
	for i := range 60 {
		v.Hits = append(v.Hits, contract.Hit{Type: "HIT_" + strings.Repeat("A", i%30) + string(rune('A'+i%26)) + string(rune('A'+i/26))})
	}
	require.NoError(t, contract.ValidateVerdict(v))
	nc := contract.ScreeningCase("AML_ALERT", contract.FamilyInvestigation, v)
	require.NoError(t, contract.ValidateNewCase(nc, time.Now()))
	require.Len(t, []rune(nc.Title), contract.MaxTitle)
	require.Len(t, nc.Tags, contract.MaxTags)
}
