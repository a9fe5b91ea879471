package workflows

import (
	"testing"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
)

// Benchmarks of the pure functions on every change's path
// (go test -bench . ./workflows).

func BenchmarkDeriveFlag(b *testing.B) {
	// Ten entities of four checks: a large onboarding case.
	checks := make([]contract.Check, 40)
	for i := range checks {
		checks[i] = contract.Check{Status: []contract.CheckStatus{contract.CheckPending, contract.CheckSubmitted, contract.CheckApproved, contract.CheckRejected}[i%4], FromProvider: i%3 == 0}
	}
	for b.Loop() {
		contract.DeriveFlag(checks)
	}
}

func BenchmarkReminderPlan(b *testing.B) {
	due := time.Date(2026, 12, 15, 17, 0, 0, 0, time.UTC)
	now := due.Add(-10 * 24 * time.Hour)
	p := contract.ReminderPolicy{Before: []time.Duration{72 * time.Hour, 24 * time.Hour}, OverdueEvery: 72 * time.Hour, OverdueMax: 3}
	for b.Loop() {
		contract.ReminderPlan(due, now, p, true, false)
	}
}

func BenchmarkCaseTypeFor(b *testing.B) {
	rules := []contract.ScreeningRule{
		{Hit: "SANCTIONS", CaseType: "SANCTIONS_HIT"}, {Hit: "PEP", CaseType: "PEP_MATCH"},
		{Hit: "BEHAVIORAL", CaseType: "BEHAVIORAL_ANOMALY"}, {Outcome: contract.OutcomeBlock, CaseType: "SUSPICIOUS_TRANSACTION"},
		{Outcome: contract.OutcomeEscalate, CaseType: "AML_ALERT"}, {Outcome: contract.OutcomeReview, CaseType: "AML_ALERT"},
	}
	v := contract.Verdict{Outcome: contract.OutcomeReview, Hits: []contract.Hit{{Type: "VELOCITY"}, {Type: "GEO"}}}
	for b.Loop() {
		contract.CaseTypeFor(rules, v)
	}
}

func BenchmarkVerdictID(b *testing.B) {
	v := contract.Verdict{TransactionID: "0b5b6a8e-7f6a-4c61-9d55-3f1c2b7d9a10", ExternalID: "TX-1029", Amount: "12500.00",
		Currency: "EUR", Sender: &contract.Party{Name: "Jane Roe"}, Receiver: &contract.Party{Name: "Acme"}, Outcome: contract.OutcomeBlock,
		RiskLevel: "HIGH", AggregateScore: 87.5, Hits: []contract.Hit{{Type: "SANCTIONS"}}}
	for b.Loop() {
		contract.VerdictID(v)
	}
}

func BenchmarkValidateNewCase(b *testing.B) {
	now := time.Now()
	risk := "LOW"
	c := contract.NewCase{ID: "0b5b6a8e-7f6a-4c61-9d55-3f1c2b7d9a10", Type: "IDENTITY_VERIFICATION", Family: contract.FamilyOnboarding,
		Priority: "MEDIUM", Title: "Identity verification: Jane Roe", RiskLevel: &risk, CreatedBy: "0b5b6a8e-7f6a-4c61-9d55-3f1c2b7d9a11",
		Client:   &contract.Client{Name: "Jane Roe", Email: "jane.roe@example.com"},
		Entities: []contract.NewEntity{{Kind: contract.KindIndividual, Name: "Jane Roe", Checks: []string{"IDENTITY_DOCUMENT"}}}}
	for b.Loop() {
		_ = contract.ValidateNewCase(c, now)
	}
}

func BenchmarkEventID(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		contract.EventID("0b5b6a8e-7f6a-4c61-9d55-3f1c2b7d9a10", int64(i))
	}
}
