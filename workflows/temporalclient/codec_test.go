package temporalclient_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"github.com/caseflow/caseflow/workflows/temporalclient"
)

func payloadOf(t *testing.T, v any) *commonpb.Payload {
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	require.NoError(t, err)
	return p
}

func TestCodecRoundTripAndRotation(t *testing.T) {
	k1, k2 := temporalclient.NewCodecKey("k1"), temporalclient.NewCodecKey("k2")
	old, err := temporalclient.ParseCodecKeys(k1, "")
	require.NoError(t, err)
	plain := payloadOf(t, map[string]string{"client": "Jane Roe", "email": "jane.roe@example.com"})

	enc, err := old.Encode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	require.NotContains(t, string(enc[0].GetData()), "Jane")
	require.Equal(t, "binary/encrypted", string(enc[0].GetMetadata()["encoding"]))
	require.Equal(t, "k1", string(enc[0].GetMetadata()["encryption-key-id"]))
	again, err := old.Encode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	require.NotEqual(t, enc[0].GetData(), again[0].GetData(), "a fresh nonce every time")

	// Rotation: k2 becomes active; k1 payloads still read.
	rotated, err := temporalclient.ParseCodecKeys(k1+","+k2, "k2")
	require.NoError(t, err)
	dec, err := rotated.Decode(enc)
	require.NoError(t, err)
	require.True(t, proto(t, plain, dec[0]))
	enc2, err := rotated.Encode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	require.Equal(t, "k2", string(enc2[0].GetMetadata()["encryption-key-id"]))
	_, err = old.Decode(enc2)
	require.ErrorContains(t, err, `unknown key "k2"`)

	// Clear payloads (written before encryption) pass through.
	dec, err = rotated.Decode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	require.Same(t, plain, dec[0])

	// Tampering, or relabelling to another key, is refused.
	bad := &commonpb.Payload{Metadata: enc[0].GetMetadata(), Data: append([]byte(nil), enc[0].GetData()...)}
	bad.Data[len(bad.Data)-1] ^= 1
	_, err = old.Decode([]*commonpb.Payload{bad})
	require.ErrorContains(t, err, "does not decrypt")
}

func proto(t *testing.T, a, b *commonpb.Payload) bool {
	var x, y map[string]string
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(a, &x))
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(b, &y))
	return x["client"] == y["client"] && x["email"] == y["email"]
}

func TestCodecKeysAreChecked(t *testing.T) {
	for spec, want := range map[string]string{
		"":            "no codec keys",
		"k1":          "want id:base64",
		"k1:c2hvcnQ=": "want 32 bytes",
		temporalclient.NewCodecKey("a") + "," + temporalclient.NewCodecKey("a"): "listed twice",
	} {
		_, err := temporalclient.ParseCodecKeys(spec, "")
		require.ErrorContains(t, err, want, spec)
	}
	_, err := temporalclient.ParseCodecKeys(temporalclient.NewCodecKey("a"), "b")
	require.ErrorContains(t, err, "active codec key b is not among the keys")
}

func BenchmarkCodecRoundTrip(b *testing.B) {
	c, err := temporalclient.ParseCodecKeys(temporalclient.NewCodecKey("k1"), "")
	if err != nil {
		b.Fatal(err)
	}
	p, err := converter.GetDefaultDataConverter().ToPayload(map[string]string{"client": "Jane Roe", "description": "A case of a typical size, a few hundred bytes of text about what happened."})
	if err != nil {
		b.Fatal(err)
	}
	in := []*commonpb.Payload{p}
	for b.Loop() {
		enc, err := c.Encode(in)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Decode(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCodecKeyring(t *testing.T) {
	k1, k2 := temporalclient.NewCodecKey("k1"), temporalclient.NewCodecKey("k2")
	c, err := temporalclient.ParseCodecKeys(k1+","+k2, "k2")
	require.NoError(t, err)

	id, active := c.Active()
	require.Equal(t, "k2", id)
	require.NotNil(t, active)
	for _, tt := range []struct {
		id string
		ok bool
	}{{"k1", true}, {"k2", true}, {"k3", false}, {"", false}} {
		aead, ok := c.Key(tt.id)
		require.Equal(t, tt.ok, ok, tt.id)
		require.Equal(t, tt.ok, aead != nil, tt.id)
	}
	k2aead, _ := c.Key("k2")
	require.Same(t, active, k2aead, "the active key is one of the keys")

	// A key sealed by one is opened by the other: they are the same keys.
	nonce := make([]byte, active.NonceSize())
	sealed := active.Seal(nil, nonce, []byte("document key"), nil)
	opened, err := k2aead.Open(nil, nonce, sealed, nil)
	require.NoError(t, err)
	require.Equal(t, "document key", string(opened))

	// No keys configured: nothing to seal with, which documents refuse.
	var none *temporalclient.Codec
	id, aead := none.Active()
	require.Empty(t, id)
	require.Nil(t, aead)
	_, ok := none.Key("k1")
	require.False(t, ok)
}
