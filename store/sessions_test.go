package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows/contract"
)

// A sign-in link signs in once, before its expiry, and only an active
// user; none of its token is stored but a hash.
func TestSignInLinks(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	u, _, err := s.EnsureUser(ctx, "link@bank.example", contract.RoleComplianceOfficer, "Lin", "K")
	require.NoError(t, err)

	token, err := s.CreateSignInLink(ctx, u.ID, time.Hour)
	require.NoError(t, err)
	var stored int
	require.NoError(t, s.DB().GetContext(ctx, &stored, `SELECT count(*) FROM sign_in_links WHERE token_hash = convert_to($1, 'UTF8')`, token))
	require.Zero(t, stored, "the token itself is never stored")

	seen, err := s.SignInLinkUser(ctx, token)
	require.NoError(t, err)
	require.Equal(t, u.ID, seen.ID, "looking does not spend it")
	used, err := s.UseSignInLink(ctx, token)
	require.NoError(t, err)
	require.Equal(t, u.ID, used.ID)
	_, err = s.UseSignInLink(ctx, token)
	require.ErrorIs(t, err, store.ErrNotFound, "once only")
	_, err = s.SignInLinkUser(ctx, token)
	require.ErrorIs(t, err, store.ErrNotFound)

	expired, err := s.CreateSignInLink(ctx, u.ID, time.Hour)
	require.NoError(t, err)
	_, err = s.DB().ExecContext(ctx, `UPDATE sign_in_links SET expires_at = now() - interval '1 second' WHERE used_at IS NULL`)
	require.NoError(t, err)
	_, err = s.UseSignInLink(ctx, expired)
	require.ErrorIs(t, err, store.ErrNotFound, "expired")

	inactive, err := s.CreateSignInLink(ctx, u.ID, time.Hour)
	require.NoError(t, err)
	off := false
	_, err = s.UpdateUser(ctx, u.ID, store.UserChange{Active: &off})
	require.NoError(t, err)
	_, err = s.UseSignInLink(ctx, inactive)
	require.ErrorIs(t, err, store.ErrNotFound, "a deactivated user signs in no more")
}

// Requests for links are counted per address, whatever its case, known
// or not.
func TestSignInRequestsCounted(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	for i, email := range []string{"who@bank.example", "WHO@bank.example", " who@bank.example "} {
		n, err := s.RecordSignInRequest(ctx, email, time.Hour)
		require.NoError(t, err)
		require.Equal(t, i+1, n)
	}
	n, err := s.RecordSignInRequest(ctx, "other@bank.example", time.Hour)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	_, err = s.DB().ExecContext(ctx, `UPDATE sign_in_requests SET requested_at = now() - interval '2 hours'`)
	require.NoError(t, err)
	n, err = s.RecordSignInRequest(ctx, "who@bank.example", time.Hour)
	require.NoError(t, err)
	require.Equal(t, 1, n, "the window has passed")
}

// A session lives until it is signed out, idle too long, past its
// absolute end, or its user deactivated.
func TestSessionsEnd(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	u, _, err := s.EnsureUser(ctx, "session@bank.example", contract.RoleAnalyst, "Ses", "Sion")
	require.NoError(t, err)
	tests := []struct {
		name string
		end  func(t *testing.T, token string)
	}{
		{"signed out", func(t *testing.T, token string) { require.NoError(t, s.EndSession(ctx, token)) }},
		{"idle", func(t *testing.T, _ string) {
			_, err := s.DB().ExecContext(ctx, `UPDATE web_sessions SET last_seen_at = now() - interval '2 hours' WHERE ended_at IS NULL`)
			require.NoError(t, err)
		}},
		{"past its end", func(t *testing.T, _ string) {
			_, err := s.DB().ExecContext(ctx, `UPDATE web_sessions SET expires_at = now() - interval '1 second' WHERE ended_at IS NULL`)
			require.NoError(t, err)
		}},
		{"user deactivated", func(t *testing.T, _ string) {
			off := false
			_, err := s.UpdateUser(ctx, u.ID, store.UserChange{Active: &off})
			require.NoError(t, err)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, sess, err := s.CreateSession(ctx, u.ID, 12*time.Hour)
			require.NoError(t, err)
			require.NotEmpty(t, sess.CSRFToken)
			got, live, err := s.SessionUser(ctx, token, time.Hour)
			require.NoError(t, err)
			require.Equal(t, u.ID, got.ID)
			require.Equal(t, sess.CSRFToken, live.CSRFToken)
			tt.end(t, token)
			_, _, err = s.SessionUser(ctx, token, time.Hour)
			require.ErrorIs(t, err, store.ErrNotFound)
		})
	}
}
