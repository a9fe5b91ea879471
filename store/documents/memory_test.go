package documents_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/store/documents"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// heapPeak samples the heap in use until stop is called and returns the
// highest figure seen above the heap when it started.
func heapPeak() (stop func() uint64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := m.HeapInuse
	peak := base
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak - base
	}
}

// Eight clients uploading 20 MiB each at once, then eight officers reading
// them back: the heap must not hold the documents. The bodies stream from
// a generator, as from a request body; nothing holds 20 MiB.
func TestMemoryStaysBounded(t *testing.T) {
	const (
		uploads = 8
		size    = 20 << 20
		// A bound far under uploads×size (160 MiB): what streaming
		// promises, with room for the runtime and the test's goroutines.
		bound = 24 << 20
	)
	_, url := dirBucket(t)
	s := openStore(t, url, codec(t, temporalclient.NewCodecKey("k1"), ""), documents.Limits{MaxFileBytes: size})
	ctx := context.Background()

	want := make([]string, uploads)
	for i := range want {
		h := sha256.New()
		_, err := io.Copy(h, io.LimitReader(newGenerator(uint64(i)), size))
		require.NoError(t, err)
		want[i] = hex.EncodeToString(h.Sum(nil))
	}

	stop := heapPeak()
	errs := make([]error, uploads)
	stored := make([]documents.Stored, uploads)
	var wg sync.WaitGroup
	for i := range uploads {
		wg.Go(func() {
			stored[i], errs[i] = s.Put(ctx, fmt.Sprintf("case-%d/statement.pdf", i), io.LimitReader(newGenerator(uint64(i)), size))
		})
	}
	wg.Wait()
	putPeak := stop()
	for i := range uploads {
		require.NoError(t, errs[i])
		require.Equal(t, int64(size), stored[i].Size)
		require.Equal(t, want[i], stored[i].SHA256)
	}

	stop = heapPeak()
	got := make([]string, uploads)
	for i := range uploads {
		wg.Go(func() {
			r, err := s.Open(ctx, fmt.Sprintf("case-%d/statement.pdf", i))
			if err != nil {
				errs[i] = err
				return
			}
			defer r.Close()
			h := sha256.New()
			_, errs[i] = io.Copy(h, r)
			got[i] = hex.EncodeToString(h.Sum(nil))
		})
	}
	wg.Wait()
	readPeak := stop()
	for i := range uploads {
		require.NoError(t, errs[i])
		require.Equal(t, want[i], got[i])
	}

	t.Logf("heap growth, %d concurrent %d MiB documents: writing %.1f MiB, reading %.1f MiB (bound %d MiB; the documents total %d MiB)",
		uploads, size>>20, float64(putPeak)/(1<<20), float64(readPeak)/(1<<20), bound>>20, uploads*size>>20)
	require.Less(t, putPeak, uint64(bound))
	require.Less(t, readPeak, uint64(bound))
}
