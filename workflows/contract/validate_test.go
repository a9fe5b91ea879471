package contract

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The entity rule of a case type travels with the case (NeedsIndividual,
// set from configuration by the API), not with a type name in code.
func TestNeedsIndividual(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	company := NewEntity{Kind: KindCompany, Name: "Acme Ltd", Checks: []string{"COMPANY_REGISTRY"}}
	person := NewEntity{Kind: KindIndividual, Name: "Ada Lovelace", Checks: []string{"IDENTITY_DOCUMENT"}}
	tests := []struct {
		name     string
		needs    bool
		entities []NewEntity
		wantErr  bool
	}{
		{"needed and named", true, []NewEntity{company, person}, false},
		{"needed, only a company", true, []NewEntity{company}, true},
		{"needed, none", true, nil, true},
		{"not needed, only a company", false, []NewEntity{company}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc := NewCase{ID: "0195f3b2-7c1e-7d4a-9b1e-aaaaaaaaaaaa", Type: "KYC_CHECK", Family: FamilyOnboarding,
				Priority: "MEDIUM", Title: "t", Client: &Client{Name: "Ada Lovelace", Email: "ada@example.com"}, NeedsIndividual: tt.needs, Entities: tt.entities}
			err := ValidateNewCase(nc, now)
			if !tt.wantErr {
				require.NoError(t, err)
				return
			}
			var verr ValidationError
			require.ErrorAs(t, err, &verr)
			require.Equal(t, "entities", verr[0].Field)
			require.Contains(t, verr[0].Message, "KYC_CHECK case needs at least one INDIVIDUAL entity")
		})
	}
}
