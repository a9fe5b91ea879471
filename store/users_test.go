package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows/contract"
)

func TestTokenLifetime(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	u, _, err := s.EnsureUser(ctx, "holder@bank.example", contract.RoleAnalyst, "H", "Older")
	require.NoError(t, err)

	tests := []struct {
		name string
		ttl  time.Duration
		// live is whether the token still works once wait has passed.
		wait time.Duration
		live bool
	}{
		{"never expires", 0, 0, true},
		{"within its lifetime", 90 * 24 * time.Hour, 0, true},
		{"expired", 50 * time.Millisecond, 200 * time.Millisecond, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, issued, err := s.CreateToken(ctx, u.ID, tt.ttl)
			require.NoError(t, err)
			require.Equal(t, u.ID, issued.UserID)
			require.Equal(t, u.Email, issued.Email)
			require.Equal(t, contract.RoleAnalyst, issued.Role)
			require.Nil(t, issued.RevokedAt)
			if tt.ttl == 0 {
				require.Nil(t, issued.ExpiresAt)
			} else {
				require.NotNil(t, issued.ExpiresAt)
				require.WithinDuration(t, issued.CreatedAt.Add(tt.ttl), *issued.ExpiresAt, time.Millisecond)
			}
			if !tt.live {
				// Refused once its lifetime is out, on Postgres's clock.
				require.Eventually(t, func() bool {
					_, err := s.UserByToken(ctx, tok)
					return errors.Is(err, store.ErrNotFound)
				}, tt.wait+5*time.Second, 20*time.Millisecond)
				return
			}
			got, err := s.UserByToken(ctx, tok)
			require.NoError(t, err)
			require.Equal(t, u.ID, got.ID)
		})
	}
}

func TestRevokeToken(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	u, _, err := s.EnsureUser(ctx, "revoked@bank.example", contract.RoleComplianceOfficer, "R", "Evoked")
	require.NoError(t, err)
	tok, issued, err := s.CreateToken(ctx, u.ID, time.Hour)
	require.NoError(t, err)
	other, _, err := s.CreateToken(ctx, u.ID, time.Hour)
	require.NoError(t, err)

	revoked, err := s.RevokeToken(ctx, issued.ID)
	require.NoError(t, err)
	require.NotNil(t, revoked.RevokedAt)
	_, err = s.UserByToken(ctx, tok)
	require.ErrorIs(t, err, store.ErrNotFound, "refused at once")
	_, err = s.UserByToken(ctx, other)
	require.NoError(t, err, "the user's other tokens still work")

	again, err := s.RevokeToken(ctx, issued.ID)
	require.NoError(t, err, "revoking twice is no error")
	require.Equal(t, revoked.RevokedAt, again.RevokedAt, "and keeps the first revocation")

	for _, id := range []string{uuid.NewString(), "not-a-uuid", ""} {
		_, err := s.RevokeToken(ctx, id)
		require.ErrorIs(t, err, store.ErrNotFound, "%q", id)
	}
}

func TestListTokens(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	ada, _, err := s.EnsureUser(ctx, "Ada@bank.example", contract.RoleBankAdmin, "Ada", "L")
	require.NoError(t, err)
	bob, _, err := s.EnsureUser(ctx, "bob@bank.example", contract.RoleAnalyst, "Bob", "B")
	require.NoError(t, err)
	_, first, err := s.CreateToken(ctx, ada.ID, 0)
	require.NoError(t, err)
	_, second, err := s.CreateToken(ctx, bob.ID, time.Hour)
	require.NoError(t, err)
	_, third, err := s.CreateToken(ctx, ada.ID, time.Hour)
	require.NoError(t, err)
	_, err = s.RevokeToken(ctx, third.ID)
	require.NoError(t, err)

	ids := func(tokens []store.Token) []string {
		out := []string{}
		for _, t := range tokens {
			out = append(out, t.ID)
		}
		return out
	}
	tests := []struct {
		email string
		want  []string
	}{
		{"", []string{first.ID, second.ID, third.ID}},
		{"ada@bank.example", []string{first.ID, third.ID}},
		{"ADA@BANK.EXAMPLE", []string{first.ID, third.ID}},
		{"bob@bank.example", []string{second.ID}},
		{"nobody@bank.example", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			tokens, err := s.Tokens(ctx, tt.email)
			require.NoError(t, err)
			require.Equal(t, tt.want, ids(tokens))
		})
	}

	all, err := s.Tokens(ctx, "")
	require.NoError(t, err)
	require.Equal(t, "Ada@bank.example", all[0].Email)
	require.Equal(t, contract.RoleBankAdmin, all[0].Role)
	require.Nil(t, all[0].ExpiresAt)
	require.Nil(t, all[0].RevokedAt)
	require.NotNil(t, all[1].ExpiresAt)
	require.NotNil(t, all[2].RevokedAt)
}
