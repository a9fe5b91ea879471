package temporalclient

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// Workflow payloads carry personal data (client names, e-mails, case
// descriptions); Temporal stores them as given. The codec encrypts every
// payload with AES-256-GCM before it leaves caseflow, under a key named in
// the payload, so keys can be rotated: the active key encrypts, every
// configured key still decrypts. Search attributes are not payloads and are
// kept free of personal data instead.

const (
	encodingEncrypted = "binary/encrypted"
	metaEncoding      = "encoding"
	metaKeyID         = "encryption-key-id"
)

// Codec is the AES-GCM payload codec.
type Codec struct {
	active string
	keys   map[string]cipher.AEAD
}

var _ converter.PayloadCodec = (*Codec)(nil)

// ParseCodecKeys reads "id:base64key,id2:base64key" (32-byte keys); the
// first key is the active one unless active names another.
func ParseCodecKeys(spec, active string) (*Codec, error) {
	c := &Codec{keys: map[string]cipher.AEAD{}}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, b64, ok := strings.Cut(part, ":")
		if !ok || id == "" {
			return nil, fmt.Errorf("codec key %q: want id:base64", redactKey(part))
		}
		key, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("codec key %s: want 32 bytes in base64", id)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		if _, dup := c.keys[id]; dup {
			return nil, fmt.Errorf("codec key %s: listed twice", id)
		}
		c.keys[id] = aead
		if c.active == "" {
			c.active = id
		}
	}
	if len(c.keys) == 0 {
		return nil, errors.New("no codec keys")
	}
	if active != "" {
		if _, ok := c.keys[active]; !ok {
			return nil, fmt.Errorf("active codec key %s is not among the keys", active)
		}
		c.active = active
	}
	return c, nil
}

// CodecFromConfig is the codec the configuration's codec.keys and
// codec.activeKey name, or nil when no keys are set. It takes the two
// strings rather than config.Codec so that this package stays apart from
// config, as the engine does.
func CodecFromConfig(keys, activeKey string) (*Codec, error) {
	if strings.TrimSpace(keys) == "" {
		return nil, nil
	}
	c, err := ParseCodecKeys(keys, activeKey)
	if err != nil {
		return nil, fmt.Errorf("codec.keys: %w", err)
	}
	return c, nil
}

// DataConverter encrypts with the codec; with none, payloads are plain.
func DataConverter(c *Codec) converter.DataConverter {
	if c == nil {
		return converter.GetDefaultDataConverter()
	}
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// NewCodecKey makes a random key in the form ParseCodecKeys reads.
func NewCodecKey(id string) string {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return id + ":" + base64.StdEncoding.EncodeToString(key)
}

// Encode encrypts each payload with the active key.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	aead := c.keys[c.active]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("codec: %w", err)
		}
		nonce := make([]byte, aead.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("codec: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{metaEncoding: []byte(encodingEncrypted), metaKeyID: []byte(c.active)},
			// The key ID is authenticated too: a payload cannot be passed
			// off as another key's.
			Data: aead.Seal(nonce, nonce, plain, []byte(c.active)),
		}
	}
	return out, nil
}

// Decode decrypts encrypted payloads and passes others through, so
// histories written before encryption was turned on still read.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[metaEncoding]) != encodingEncrypted {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[metaKeyID])
		aead, ok := c.keys[id]
		if !ok {
			return nil, fmt.Errorf("codec: payload encrypted with unknown key %q", id)
		}
		n := aead.NonceSize()
		if len(p.GetData()) < n {
			return nil, errors.New("codec: payload too short")
		}
		plain, err := aead.Open(nil, p.GetData()[:n], p.GetData()[n:], []byte(id))
		if err != nil {
			return nil, fmt.Errorf("codec: payload under key %q does not decrypt: %w", id, err)
		}
		var orig commonpb.Payload
		if err := proto.Unmarshal(plain, &orig); err != nil {
			return nil, fmt.Errorf("codec: %w", err)
		}
		out[i] = &orig
	}
	return out, nil
}

// Active is the key new payloads, and new documents, are sealed under.
// A nil codec (no keys configured) has none.
func (c *Codec) Active() (id string, aead cipher.AEAD) {
	if c == nil {
		return "", nil
	}
	return c.active, c.keys[c.active]
}

// Key is the key of that ID while it is configured: documents sealed
// under a key rotated out still open until it is removed.
func (c *Codec) Key(id string) (cipher.AEAD, bool) {
	if c == nil {
		return nil, false
	}
	aead, ok := c.keys[id]
	return aead, ok
}

func redactKey(part string) string {
	if id, _, ok := strings.Cut(part, ":"); ok {
		return id + ":…"
	}
	return "…"
}
