package workflows

import (
	"testing"
	"time"
)

// Benchmarks of the pure functions on every change's path
// (go test -bench . ./workflows).

func BenchmarkDeriveFlag(b *testing.B) {
	// Ten entities of four checks: a large onboarding case.
	checks := make([]Check, 40)
	for i := range checks {
		checks[i] = Check{Status: []CheckStatus{CheckPending, CheckSubmitted, CheckApproved, CheckRejected}[i%4], FromProvider: i%3 == 0}
	}
	for b.Loop() {
		DeriveFlag(checks)
	}
}

func BenchmarkReminderPlan(b *testing.B) {
	due := time.Date(2026, 12, 15, 17, 0, 0, 0, time.UTC)
	now := due.Add(-10 * 24 * time.Hour)
	p := ReminderPolicy{Before: []time.Duration{72 * time.Hour, 24 * time.Hour}, OverdueEvery: 72 * time.Hour, OverdueMax: 3}
	for b.Loop() {
		ReminderPlan(due, now, p, true, false)
	}
}

func BenchmarkCaseTypeFor(b *testing.B) {
	rules := []ScreeningRule{
		{Hit: "SANCTIONS", CaseType: "SANCTIONS_HIT"}, {Hit: "PEP", CaseType: "PEP_MATCH"},
		{Hit: "BEHAVIORAL", CaseType: "BEHAVIORAL_ANOMALY"}, {Outcome: OutcomeBlock, CaseType: "SUSPICIOUS_TRANSACTION"},
		{Outcome: OutcomeEscalate, CaseType: "AML_ALERT"}, {Outcome: OutcomeReview, CaseType: "AML_ALERT"},
	}
	v := Verdict{Outcome: OutcomeReview, Hits: []Hit{{Type: "VELOCITY"}, {Type: "GEO"}}}
	for b.Loop() {
		CaseTypeFor(rules, v)
	}
}

func BenchmarkVerdictID(b *testing.B) {
	v := Verdict{TransactionID: "0b5b6a8e-7f6a-4c61-9d55-3f1c2b7d9a10", ExternalID: "TX-1029", Amount: "12500.00",
		Currency: "EUR", Sender: &Party{Name: "Jane Roe"}, Receiver: &Party{Name: "Acme"}, Outcome: OutcomeBlock,
		RiskLevel: "HIGH", AggregateScore: 87.5, Hits: []Hit{{Type: "SANCTIONS"}}}
	for b.Loop() {
		VerdictID(v)
	}
}

func BenchmarkValidateNewCase(b *testing.B) {
	now := time.Now()
	risk := "LOW"
	c := NewCase{ID: "0b5b6a8e-7f6a-4c61-9d55-3f1c2b7d9a10", Type: "IDENTITY_VERIFICATION", Family: FamilyOnboarding,
		Priority: "MEDIUM", Title: "Identity verification: Jane Roe", RiskLevel: &risk, CreatedBy: "0b5b6a8e-7f6a-4c61-9d55-3f1c2b7d9a11",
		Client:   &Client{Name: "Jane Roe", Email: "jane.roe@example.com"},
		Entities: []NewEntity{{Kind: KindIndividual, Name: "Jane Roe", Checks: []string{"IDENTITY_DOCUMENT"}}}}
	for b.Loop() {
		_ = ValidateNewCase(c, now)
	}
}

func BenchmarkEventID(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		EventID("0b5b6a8e-7f6a-4c61-9d55-3f1c2b7d9a10", int64(i))
	}
}
