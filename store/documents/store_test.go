package documents_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gocloud.dev/blob"

	"github.com/caseflow/caseflow/store/documents"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// The payload codec is the keyring documents are sealed under in caseflow.
var _ documents.Keyring = (*temporalclient.Codec)(nil)

// marker is a string no ciphertext contains by chance.
const marker = "PASSPORT-NO-X4711-JANE-ROE"

func codec(t testing.TB, spec, active string) *temporalclient.Codec {
	t.Helper()
	c, err := temporalclient.ParseCodecKeys(spec, active)
	require.NoError(t, err)
	return c
}

// dirBucket is a fresh directory bucket and its URL. no_tmp_dir keeps
// fileblob's temporary files inside it, so a test sees any left behind.
func dirBucket(t testing.TB) (dir, url string) {
	dir = t.TempDir()
	return dir, "file://" + dir + "?no_tmp_dir=true"
}

func openStore(t testing.TB, url string, keys documents.Keyring, limits documents.Limits) *documents.Store {
	t.Helper()
	s, err := documents.Open(context.Background(), url, keys, limits)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// rawBucket reads and writes the stored bytes as they are, as anyone with
// access to the bucket would.
func rawBucket(t testing.TB, url string) *blob.Bucket {
	t.Helper()
	b, err := blob.OpenBucket(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func samplePDF(extra int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n")
	b.WriteString("2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n")
	b.WriteString("% " + marker + "\n")
	for b.Len() < extra {
		b.WriteString("% filler line of the test document " + marker + "\n")
	}
	b.WriteString("trailer << /Root 1 0 R >>\n%%EOF\n")
	return b.Bytes()
}

func sampleImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for x := range 32 {
		for y := range 32 {
			img.Set(x, y, color.RGBA{uint8(x * 8), uint8(y * 8), 128, 255})
		}
	}
	return img
}

func samplePNG(t testing.TB) []byte {
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, sampleImage()))
	return b.Bytes()
}

func sampleJPEG(t testing.TB) []byte {
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, sampleImage(), nil))
	return b.Bytes()
}

// isoBox is an ISO base media file's ftyp box with these brands, which is
// how HEIC and HEIF files open.
func isoBox(major, compatible string) []byte {
	box := binary.BigEndian.AppendUint32(nil, 24)
	box = append(box, "ftyp"+major...)
	box = append(box, 0, 0, 0, 0)
	box = append(box, compatible+major...)
	return append(box, marker...)
}

func sampleTIFF() []byte {
	return append([]byte{'I', 'I', 42, 0, 8, 0, 0, 0}, marker...)
}

func sampleWebP() []byte {
	body := append([]byte("WEBPVP8 "), make([]byte, 16)...)
	b := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	return append(append(b, body...), marker...)
}

func hexSHA(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func readAll(t testing.TB, s *documents.Store, key string) []byte {
	t.Helper()
	r, err := s.Open(context.Background(), key)
	require.NoError(t, err)
	defer r.Close()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return b
}

// files lists every file under dir, whatever the bucket says.
func files(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, path)
		}
		return err
	}))
	return out
}

func listKeys(t testing.TB, s *documents.Store, prefix string) []string {
	t.Helper()
	var keys []string
	for obj, err := range s.List(context.Background(), prefix) {
		require.NoError(t, err)
		keys = append(keys, obj.Key)
	}
	return keys
}

func TestRoundTripEachType(t *testing.T) {
	dir, url := dirBucket(t)
	s := openStore(t, url, codec(t, temporalclient.NewCodecKey("k1"), ""), documents.Limits{})
	ctx := context.Background()

	for _, tt := range []struct {
		name, typ string
		body      []byte
	}{
		{"passport.pdf", "application/pdf", samplePDF(0)},
		{"selfie.png", "image/png", samplePNG(t)},
		{"id-card.jpg", "image/jpeg", sampleJPEG(t)},
		{"utility-bill.heic", "image/heic", isoBox("heic", "mif1")},
		{"bank-statement.heif", "image/heif", isoBox("mif1", "heic")},
		{"scan.tiff", "image/tiff", sampleTIFF()},
		{"photo.webp", "image/webp", sampleWebP()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			key := "case-1/" + tt.name
			got, err := s.Put(ctx, key, bytes.NewReader(tt.body))
			require.NoError(t, err)
			require.Equal(t, documents.Stored{Key: key, SHA256: hexSHA(tt.body), Size: int64(len(tt.body)), ContentType: tt.typ}, got)
			require.Equal(t, tt.body, readAll(t, s, key))

			// On disk: ciphertext only, no trace of the document.
			raw, err := os.ReadFile(filepath.Join(dir, "case-1", tt.name))
			require.NoError(t, err)
			require.True(t, bytes.HasPrefix(raw, []byte("cfdoc")))
			require.NotContains(t, string(raw), "%PDF")
			require.False(t, bytes.Contains(raw, tt.body[:12]), "the file's magic is not stored in clear")
			require.False(t, bytes.Contains(raw, []byte(marker[:12])))
		})
	}
}

// Sizes around the segment boundaries: the last segment full, one byte
// over, one byte short.
func TestRoundTripSizes(t *testing.T) {
	_, url := dirBucket(t)
	s := openStore(t, url, codec(t, temporalclient.NewCodecKey("k1"), ""), documents.Limits{})
	const seg = 64 << 10
	for _, size := range []int{5, 4095, 4096, 4097, seg - 1, seg, seg + 1, 3 * seg, 3*seg + 7} {
		body := pdfOfSize(size)
		key := fmt.Sprintf("case-2/doc-%d", size)
		got, err := s.Put(context.Background(), key, iotestHalf(bytes.NewReader(body)))
		require.NoError(t, err, size)
		require.Equal(t, int64(size), got.Size)
		require.Equal(t, hexSHA(body), got.SHA256)
		require.Equal(t, body, readAll(t, s, key), size)
	}
}

// pdfOfSize is a document detected as a PDF, of exactly size bytes.
func pdfOfSize(size int) []byte {
	b := bytes.Repeat([]byte(marker+"\n"), size/len(marker)+1)[:size]
	copy(b, "%PDF-")
	return b
}

// iotestHalf hands out at most 1000 bytes a read, as a network body does.
func iotestHalf(r io.Reader) io.Reader { return &smallReads{r} }

type smallReads struct{ r io.Reader }

func (s *smallReads) Read(p []byte) (int, error) { return s.r.Read(p[:min(len(p), 1000)]) }

func TestRefused(t *testing.T) {
	elf := append([]byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0}, make([]byte, 200)...)
	pe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 200)...)
	for _, tt := range []struct {
		name     string
		body     io.Reader
		want     error
		wantType string
	}{
		{"linux executable named .pdf", bytes.NewReader(elf), documents.ErrType, "application/x-elf"},
		{"windows executable named .pdf", bytes.NewReader(pe), documents.ErrType, "application/vnd.microsoft.portable-executable"},
		{"plain text named .pdf", strings.NewReader("just some text " + marker), documents.ErrType, "text/plain"},
		{"html named .pdf", strings.NewReader("<html><body>" + marker + "</body></html>"), documents.ErrType, "text/html"},
		{"empty", strings.NewReader(""), documents.ErrEmpty, ""},
		{"over the limit", io.LimitReader(newGenerator(1), 300<<10), documents.ErrTooLarge, ""},
		{"one byte over the limit", bytes.NewReader(pdfOfSize(200<<10 + 1)), documents.ErrTooLarge, ""},
		{"failing body", io.MultiReader(bytes.NewReader(pdfOfSize(100<<10)), iotestErr{}), errBody, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir, url := dirBucket(t)
			s := openStore(t, url, codec(t, temporalclient.NewCodecKey("k1"), ""), documents.Limits{MaxFileBytes: 200 << 10})
			_, err := s.Put(context.Background(), "case-3/passport.pdf", tt.body)
			require.ErrorIs(t, err, tt.want)
			if tt.wantType != "" {
				var te *documents.TypeError
				require.ErrorAs(t, err, &te)
				require.Equal(t, tt.wantType, te.Type)
				require.ErrorContains(t, err, tt.wantType)
			}
			require.Empty(t, listKeys(t, s, ""))
			require.Empty(t, files(t, dir), "nothing is kept, not even a temporary file")
		})
	}

	t.Run("exactly at the limit", func(t *testing.T) {
		_, url := dirBucket(t)
		s := openStore(t, url, codec(t, temporalclient.NewCodecKey("k1"), ""), documents.Limits{MaxFileBytes: 200 << 10})
		got, err := s.Put(context.Background(), "case-3/passport.pdf", bytes.NewReader(pdfOfSize(200<<10)))
		require.NoError(t, err)
		require.Equal(t, int64(200<<10), got.Size)
	})

	t.Run("a narrower list of types", func(t *testing.T) {
		_, url := dirBucket(t)
		s := openStore(t, url, codec(t, temporalclient.NewCodecKey("k1"), ""), documents.Limits{Types: []string{"application/pdf"}})
		_, err := s.Put(context.Background(), "case-3/selfie.png", bytes.NewReader(samplePNG(t)))
		var te *documents.TypeError
		require.ErrorAs(t, err, &te)
		require.Equal(t, "image/png", te.Type)
	})
}

var errBody = errors.New("client went away")

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errBody }

func TestOpenRefusesBadSetup(t *testing.T) {
	_, url := dirBucket(t)
	keys := codec(t, temporalclient.NewCodecKey("k1"), "")
	for _, tt := range []struct {
		name   string
		url    string
		keys   documents.Keyring
		limits documents.Limits
		want   string
	}{
		{"no keyring", url, nil, documents.Limits{}, "set codec.keys"},
		{"a codec without keys", url, (*temporalclient.Codec)(nil), documents.Limits{}, "set codec.keys"},
		{"a type the detector does not know", url, keys, documents.Limits{Types: []string{"application/x-passport"}}, `"application/x-passport"`},
		{"a negative limit", url, keys, documents.Limits{MaxFileBytes: -1}, "MaxFileBytes"},
		{"an unknown scheme", "ftp://docs", keys, documents.Limits{}, "open bucket"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := documents.Open(context.Background(), tt.url, tt.keys, tt.limits)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestListDeleteNotFound(t *testing.T) {
	_, url := dirBucket(t)
	s := openStore(t, url, codec(t, temporalclient.NewCodecKey("k1"), ""), documents.Limits{})
	ctx := context.Background()
	for _, key := range []string{"case-1/a", "case-1/b", "case-10/c", "case-2/d"} {
		_, err := s.Put(ctx, key, bytes.NewReader(samplePDF(0)))
		require.NoError(t, err)
	}
	require.Equal(t, []string{"case-1/a", "case-1/b"}, listKeys(t, s, "case-1/"))
	require.Equal(t, []string{"case-1/a", "case-1/b", "case-10/c", "case-2/d"}, listKeys(t, s, ""))
	for obj, err := range s.List(ctx, "case-2/") {
		require.NoError(t, err)
		require.Greater(t, obj.Size, int64(len(samplePDF(0))), "the stored size includes the header and tags")
		require.False(t, obj.ModTime.IsZero())
	}

	require.NoError(t, s.Delete(ctx, "case-1/a"))
	require.NoError(t, s.Delete(ctx, "case-1/a"), "deleting twice is not an error")
	require.NoError(t, s.Delete(ctx, "case-9/never-stored"))
	require.Equal(t, []string{"case-1/b"}, listKeys(t, s, "case-1/"))

	_, err := s.Open(ctx, "case-1/a")
	require.ErrorIs(t, err, documents.ErrNotFound)
}
