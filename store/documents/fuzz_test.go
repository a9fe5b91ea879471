package documents

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// FuzzOpen feeds hostile stored bytes to the decrypting reader, the path
// Store.Open takes once the bucket has answered: whatever a bucket holds
// must end in plaintext or an error, never a panic or a hang.
func FuzzOpen(f *testing.F) {
	keys, err := temporalclient.ParseCodecKeys(temporalclient.NewCodecKey("k1"), "")
	require.NoError(f, err)
	dir := f.TempDir()
	s, err := Open(context.Background(), "file://"+dir, keys, Limits{})
	require.NoError(f, err)
	defer s.Close()

	const key = "case-1/passport.pdf"
	plain := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("seed document\n"), 5000)...) // two segments
	_, err = s.Put(context.Background(), key, bytes.NewReader(plain))
	require.NoError(f, err)
	stored, err := os.ReadFile(filepath.Join(dir, "case-1", "passport.pdf"))
	require.NoError(f, err)

	f.Add(stored)
	f.Add(stored[:headerLen(stored)])
	f.Add(stored[:len(stored)-1])
	f.Add([]byte("cfdoc"))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := openReader(io.NopCloser(bytes.NewReader(raw)), keys, key)
		if err != nil {
			return
		}
		defer r.Close()
		got, err := io.ReadAll(r)
		if bytes.Equal(raw, stored) {
			require.NoError(t, err)
			require.Equal(t, plain, got)
			return
		}
		if err == nil {
			// Anything else that opens was sealed by this key for this
			// object: only a prefix of the real segments can be.
			require.True(t, bytes.HasPrefix(plain, got), "plaintext out of forged bytes")
		}
	})
}

func headerLen(stored []byte) int {
	return len(magic) + 2 + int(stored[len(magic)+1]) + 12 + dataKeySize + 16
}
