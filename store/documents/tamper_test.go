package documents_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/store/documents"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// generator is an endless document detected as a PDF: it streams any
// size without holding it.
type generator struct {
	state uint64
	head  []byte
}

func newGenerator(seed uint64) *generator {
	return &generator{state: seed*2654435761 + 1, head: []byte("%PDF-1.7\n% generated\n")}
}

func (g *generator) Read(p []byte) (int, error) {
	n := copy(p, g.head)
	g.head = g.head[n:]
	for i := n; i < len(p); i++ {
		g.state ^= g.state << 13
		g.state ^= g.state >> 7
		g.state ^= g.state << 17
		p[i] = byte(g.state)
	}
	return len(p), nil
}

const (
	headerSize = len("cfdoc") + 2 + len("k1") + 12 + 32 + 16
	sealedSeg  = 64<<10 + 16
)

func TestTampering(t *testing.T) {
	ctx := context.Background()
	body := pdfOfSize(3*(64<<10) + 500) // three full segments and a short last one
	for _, tt := range []struct {
		name   string
		alter  func(raw []byte) []byte
		key    string // where the altered bytes are put; the original key by default
		atOpen bool   // refused before any byte is read
		// readable is how much plaintext comes out before the error: only
		// segments that authenticated.
		readable int
		want     error // ErrCorrupt unless set
	}{
		{name: "a flipped byte in the second segment", alter: flip(headerSize + sealedSeg + 100), readable: 64 << 10},
		{name: "a flipped byte in the last tag", alter: func(raw []byte) []byte { return flip(len(raw) - 1)(raw) }, readable: 3 * 64 << 10},
		{name: "a flipped byte in the sealed data key", alter: flip(headerSize - 20), atOpen: true},
		{name: "a flipped key ID", alter: flip(len("cfdoc") + 2), atOpen: true, want: documents.ErrUnknownKey},
		{name: "another format version", alter: flip(len("cfdoc")), atOpen: true},
		{name: "not a document", alter: func([]byte) []byte { return []byte("%PDF-1.4 " + marker) }, atOpen: true},
		{name: "the header cut short", alter: func(raw []byte) []byte { return raw[:headerSize-1] }, atOpen: true},
		{name: "the header alone", alter: func(raw []byte) []byte { return raw[:headerSize] }},
		{name: "the last segment dropped", alter: func(raw []byte) []byte { return raw[:headerSize+3*sealedSeg] }, readable: 2 * 64 << 10},
		{name: "the last segment cut short", alter: func(raw []byte) []byte { return raw[:len(raw)-10] }, readable: 3 * 64 << 10},
		{name: "a segment appended", alter: func(raw []byte) []byte {
			return append(raw, raw[headerSize:headerSize+sealedSeg]...)
		}, readable: 3 * 64 << 10},
		{name: "two segments swapped", alter: func(raw []byte) []byte {
			out := append([]byte(nil), raw[:headerSize]...)
			out = append(out, raw[headerSize+sealedSeg:headerSize+2*sealedSeg]...)
			out = append(out, raw[headerSize:headerSize+sealedSeg]...)
			return append(out, raw[headerSize+2*sealedSeg:]...)
		}},
		{name: "the object copied to another document's key", alter: func(raw []byte) []byte { return raw }, key: "case-2/passport.pdf", atOpen: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, url := dirBucket(t)
			s := openStore(t, url, codec(t, temporalclient.NewCodecKey("k1"), ""), documents.Limits{})
			_, err := s.Put(ctx, "case-1/passport.pdf", bytes.NewReader(body))
			require.NoError(t, err)
			raw := rawBucket(t, url)
			stored, err := raw.ReadAll(ctx, "case-1/passport.pdf")
			require.NoError(t, err)
			key := "case-1/passport.pdf"
			if tt.key != "" {
				key = tt.key
			}
			require.NoError(t, raw.WriteAll(ctx, key, tt.alter(append([]byte(nil), stored...)), nil))

			want := tt.want
			if want == nil {
				want = documents.ErrCorrupt
			}
			r, err := s.Open(ctx, key)
			if tt.atOpen {
				require.ErrorIs(t, err, want)
				return
			}
			require.NoError(t, err)
			defer r.Close()
			got, err := io.ReadAll(r)
			require.ErrorIs(t, err, want)
			require.Equal(t, body[:tt.readable], got, "only authenticated segments are returned")
		})
	}
}

func flip(at int) func([]byte) []byte {
	return func(raw []byte) []byte {
		raw[at] ^= 0x01
		return raw
	}
}

func TestKeyRotation(t *testing.T) {
	ctx := context.Background()
	keyA, keyB := temporalclient.NewCodecKey("A"), temporalclient.NewCodecKey("B")
	_, url := dirBucket(t)
	body := samplePDF(100 << 10)

	before := openStore(t, url, codec(t, keyA, ""), documents.Limits{})
	_, err := before.Put(ctx, "case-1/old.pdf", bytes.NewReader(body))
	require.NoError(t, err)

	// B becomes active; A stays configured: old documents still read, new
	// ones are sealed under B.
	rotating := openStore(t, url, codec(t, keyA+","+keyB, "B"), documents.Limits{})
	require.Equal(t, body, readAll(t, rotating, "case-1/old.pdf"))
	_, err = rotating.Put(ctx, "case-1/new.pdf", bytes.NewReader(body))
	require.NoError(t, err)

	// A removed: documents under B read, those under A fail, naming A.
	after := openStore(t, url, codec(t, keyB, ""), documents.Limits{})
	require.Equal(t, body, readAll(t, after, "case-1/new.pdf"))
	_, err = after.Open(ctx, "case-1/old.pdf")
	require.ErrorIs(t, err, documents.ErrUnknownKey)
	require.ErrorContains(t, err, `"A"`)

	// A key of the same ID with other bytes is not the key: damage, not
	// a silent wrong decryption.
	impostor := openStore(t, url, codec(t, temporalclient.NewCodecKey("A"), ""), documents.Limits{})
	_, err = impostor.Open(ctx, "case-1/old.pdf")
	require.ErrorIs(t, err, documents.ErrCorrupt)
}
