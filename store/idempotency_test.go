package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows/contract"
)

func TestIdempotencyClaims(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	u, _, err := s.EnsureUser(ctx, "caller@bank.example", contract.RoleAnalyst, "C", "Aller")
	require.NoError(t, err)
	hash, other := []byte("request-a"), []byte("request-b")
	first, second := uuid.NewString(), uuid.NewString()

	c, err := s.ClaimIdempotencyKey(ctx, u.ID, "k1", hash, first, time.Minute, 24*time.Hour)
	require.NoError(t, err)
	require.Equal(t, store.Claim{Acquired: true, ResourceID: first}, c)

	c, err = s.ClaimIdempotencyKey(ctx, u.ID, "k1", hash, second, time.Minute, 24*time.Hour)
	require.NoError(t, err)
	require.True(t, c.InFlight, "held under its lease")
	c, err = s.ClaimIdempotencyKey(ctx, u.ID, "k1", other, second, time.Minute, 24*time.Hour)
	require.NoError(t, err)
	require.True(t, c.Mismatch)

	// A failure on our side releases the lease: the retry takes over with
	// the resource ID the first attempt chose.
	require.NoError(t, s.ReleaseIdempotencyKey(ctx, u.ID, "k1"))
	c, err = s.ClaimIdempotencyKey(ctx, u.ID, "k1", hash, second, time.Minute, 24*time.Hour)
	require.NoError(t, err)
	require.Equal(t, store.Claim{Acquired: true, ResourceID: first}, c)

	require.NoError(t, s.FinishIdempotencyKey(ctx, u.ID, "k1", 201, []byte(`{"success":true}`)))
	c, err = s.ClaimIdempotencyKey(ctx, u.ID, "k1", hash, second, time.Minute, 24*time.Hour)
	require.NoError(t, err)
	require.Equal(t, &store.StoredResponse{Status: 201, Body: []byte(`{"success":true}`)}, c.Replay)
	require.NoError(t, s.ReleaseIdempotencyKey(ctx, u.ID, "k1"))
	c, err = s.ClaimIdempotencyKey(ctx, u.ID, "k1", hash, second, time.Minute, 24*time.Hour)
	require.NoError(t, err)
	require.NotNil(t, c.Replay, "an answered key is never released")

	// Expiry: a key past its TTL is new again, and the purge removes it.
	_, err = s.ClaimIdempotencyKey(ctx, u.ID, "short", hash, first, time.Minute, time.Millisecond)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		c, err := s.ClaimIdempotencyKey(ctx, u.ID, "short", other, second, time.Minute, time.Millisecond)
		require.NoError(t, err)
		return c.Acquired && c.ResourceID == second
	}, 2*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool {
		n, err := s.PurgeIdempotencyKeys(ctx)
		require.NoError(t, err)
		return n == 1
	}, 2*time.Second, 10*time.Millisecond)
	c, err = s.ClaimIdempotencyKey(ctx, u.ID, "k1", hash, second, time.Minute, 24*time.Hour)
	require.NoError(t, err)
	require.NotNil(t, c.Replay, "the purge keeps live keys")
}
