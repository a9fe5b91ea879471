package api_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// pdfStream is a PDF of n bytes made as it is read: the client holds none
// of it, so the heap measured is the API's.
func pdfStream(n int) io.Reader {
	head := samplePDF("large scan")
	return io.MultiReader(bytes.NewReader(head), io.LimitReader(zeros{}, int64(n-len(head))))
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// uploadStream posts one file of n bytes for item, streamed.
func uploadStream(url, item string, n int) (int, error) {
	pr, pw := io.Pipe()
	w := multipart.NewWriter(pw)
	go func() {
		part, err := w.CreateFormFile("file:"+item, "scan.pdf")
		if err == nil {
			_, err = io.Copy(part, pdfStream(n))
		}
		if err == nil {
			err = w.Close()
		}
		pw.CloseWithError(err)
	}()
	res, err := http.Post(url, w.FormDataContentType(), pr)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

// peakHeap runs fn while sampling the heap, and returns how far HeapInuse
// rose above where it stood before.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	fn()
	close(done)
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}

// concurrentUploads sends eight 20 MB files at once, each to a case of
// its own, and returns the heap's rise.
func concurrentUploads(t *testing.T, size int) uint64 {
	h := suite(t)
	type target struct{ url, item string }
	targets := make([]target, 8)
	for i := range targets {
		c, portal := sentRequest(t, h, fmt.Sprintf("Mona Memory %d", i))
		targets[i] = target{h.baseURL + portal + "/documents", checkID(t, c, 0, "IDENTITY_DOCUMENT")}
	}
	var wg sync.WaitGroup
	statuses := make([]int, len(targets))
	errs := make([]error, len(targets))
	rise := peakHeap(func() {
		for i, tg := range targets {
			wg.Go(func() { statuses[i], errs[i] = uploadStream(tg.url, tg.item, size) })
		}
		wg.Wait()
	})
	for i := range targets {
		require.NoError(t, errs[i])
		require.Equal(t, http.StatusOK, statuses[i])
	}
	return rise
}

// The API streams uploads: eight concurrent 20 MB files (160 MB) raise its
// heap by a small, fixed amount, not by their size.
func TestUploadsStream(t *testing.T) {
	const size = 20_000_000
	rise := concurrentUploads(t, size)
	t.Logf("8 concurrent uploads of %d MB: the heap rose %.1f MiB", size/1_000_000, float64(rise)/(1<<20))
	require.Less(t, rise, uint64(64<<20), "the heap must not grow with the files' size (8 × 20 MB sent)")
}
