package documents_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/store/documents"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// s3Server runs an S3-protocol server in the test and returns its address
// and the bucket URL gocloud's S3 driver (AWS SDK v2) opens against it.
func s3Server(t *testing.T) (endpoint, bucketURL string) {
	t.Helper()
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("documents"))
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)

	// Static credentials, and no shared AWS files or instance metadata
	// from the machine running the test.
	home := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "caseflow-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "caseflow-test-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	q := url.Values{}
	q.Set("endpoint", srv.URL)
	q.Set("region", "eu-central-1")
	q.Set("use_path_style", "true")
	q.Set("disable_https", "true")
	return srv.URL, "s3://documents?" + q.Encode()
}

func TestS3(t *testing.T) {
	endpoint, bucketURL := s3Server(t)
	ctx := context.Background()
	s := openStore(t, bucketURL, codec(t, temporalclient.NewCodecKey("k1"), ""), documents.Limits{})

	for _, tt := range []struct {
		name string
		body []byte
	}{
		{"passport.pdf", samplePDF(0)},
		{"selfie.png", samplePNG(t)},
		// Over the 5 MiB write buffer: a multipart upload.
		{"statement.pdf", samplePDF(12 << 20)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			key := "case-1/" + tt.name
			got, err := s.Put(ctx, key, bytes.NewReader(tt.body))
			require.NoError(t, err)
			require.Equal(t, hexSHA(tt.body), got.SHA256)
			require.Equal(t, tt.body, readAll(t, s, key))

			// What the server holds, fetched over plain HTTP: ciphertext.
			resp, err := http.Get(endpoint + "/documents/" + key)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			raw, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.True(t, bytes.HasPrefix(raw, []byte("cfdoc")))
			require.Greater(t, len(raw), len(tt.body))
			require.False(t, bytes.Contains(raw, tt.body[:12]))
			require.False(t, bytes.Contains(raw, []byte(marker[:12])))
			require.NotContains(t, string(raw), "%PDF")
		})
	}

	require.Equal(t, []string{"case-1/passport.pdf", "case-1/selfie.png", "case-1/statement.pdf"}, listKeys(t, s, "case-1/"))

	// Refused and oversized uploads leave nothing on the server, not even
	// an unfinished multipart upload's object.
	_, err := s.Put(ctx, "case-2/tool.pdf", bytes.NewReader(append([]byte{0x7f, 'E', 'L', 'F'}, make([]byte, 100)...)))
	require.ErrorIs(t, err, documents.ErrType)
	_, err = s.Put(ctx, "case-2/huge.pdf", io.LimitReader(newGenerator(7), 30<<20))
	require.ErrorIs(t, err, documents.ErrTooLarge)
	require.Empty(t, listKeys(t, s, "case-2/"))

	require.NoError(t, s.Delete(ctx, "case-1/selfie.png"))
	require.NoError(t, s.Delete(ctx, "case-1/selfie.png"))
	_, err = s.Open(ctx, "case-1/selfie.png")
	require.ErrorIs(t, err, documents.ErrNotFound)
}
