package api_test

import "testing"

// suite is the end-to-end harness TestMain started, for a test that needs
// it. Under -short, the fast tier, TestMain starts no services and suite
// skips t: that flag, not a missing service, is the boundary, so a full
// run without Postgres or the temporal CLI fails in TestMain.
func suite(t testing.TB) *harness {
	t.Helper()
	if testing.Short() {
		t.Skip("end to end (Postgres, a Temporal dev server, a worker): full tier only (make test), not -short")
	}
	return e2e
}
