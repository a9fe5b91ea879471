package documents

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/gabriel-vasile/mimetype"
	"gocloud.dev/blob"

	// Drivers register their URL schemes; production buckets are named by
	// URL (file://, s3://, gs://, azblob://), so all of them are linked in.
	_ "gocloud.dev/blob/azureblob"
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/gcsblob"
	_ "gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"
)

// Keyring holds the master keys documents are sealed under: the payload
// codec's keys (temporalclient.Codec satisfies it), so documents rotate
// with payloads.
type Keyring interface {
	// Active is the key new documents are sealed under.
	Active() (id string, aead cipher.AEAD)
	// Key is the key of that ID, if it is still configured.
	Key(id string) (cipher.AEAD, bool)
}

// Limits bound what Put accepts. Zero values take the contract's defaults
// (contract.DefaultDocumentBytes, DefaultDocumentTypes).
type Limits struct {
	// MaxFileBytes is the largest document, in bytes of plaintext.
	MaxFileBytes int64
	// Types are the media types accepted, as detected from the content.
	Types []string
}

var (
	// ErrEmpty is returned by Put for a document with no bytes.
	ErrEmpty = errors.New("documents: the document is empty")
	// ErrTooLarge is returned by Put for a document over Limits.MaxFileBytes.
	ErrTooLarge = errors.New("documents: the document is too large")
	// ErrType is returned by Put for a document of a type not allowed; the
	// error is a *TypeError naming the type detected.
	ErrType = errors.New("documents: the document's type is not accepted")
	// ErrNotFound is returned for a key with no object.
	ErrNotFound = errors.New("documents: no such document")
	// ErrCorrupt is returned by Open or its reader when a stored object
	// does not authenticate: damaged, truncated, extended, or moved from
	// another key.
	ErrCorrupt = errors.New("documents: the stored document is damaged or was altered")
	// ErrUnknownKey is returned by Open for an object sealed under a
	// master key no longer configured.
	ErrUnknownKey = errors.New("documents: the document is encrypted under a key that is not configured")
)

// TypeError is the ErrType of one document.
type TypeError struct {
	// Type is the media type detected from the content.
	Type string
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("documents: the document's type %s is not accepted", e.Type)
}

// Is makes errors.Is(err, ErrType) hold.
func (e *TypeError) Is(target error) bool { return target == ErrType }

// Stored describes a document Put kept.
type Stored struct {
	Key string
	// SHA256 is the hex digest of the plaintext.
	SHA256 string
	// Size is the plaintext's length in bytes.
	Size        int64
	ContentType string
}

// Object is an entry of List.
type Object struct {
	Key     string
	ModTime time.Time
	// Size is the stored (encrypted) size: a little over the plaintext.
	Size int64
}

// Store keeps encrypted documents in one bucket.
type Store struct {
	bucket *blob.Bucket
	keys   Keyring
	max    int64
	types  []string
}

const (
	// sniffSize is what the type detector reads (mimetype's default).
	sniffSize = 4096
	// writeBufferSize is the blob writer's part size: S3's smallest
	// multipart part. With one part in flight, an upload holds about this
	// much whatever the document's size, where the drivers' defaults (S3:
	// 5 parts, GCS: 16 MiB chunks) would hold several times more.
	writeBufferSize = 5 << 20
	// readBufferSize batches reads from the bucket.
	readBufferSize = 32 << 10
)

// Open opens the bucket bucketURL names: file:///dir, s3://bucket?region=…,
// gs://bucket, azblob://container (see gocloud.dev/blob for each scheme's
// options). For a directory, add ?create_dir=true&no_tmp_dir=true so it is
// created and files are written next to their final name (a rename from
// the system's temporary directory fails across file systems).
func Open(ctx context.Context, bucketURL string, keys Keyring, limits Limits) (*Store, error) {
	if keys == nil {
		return nil, errors.New("documents: documents are always encrypted: set codec.keys")
	}
	if id, aead := keys.Active(); id == "" || aead == nil {
		return nil, errors.New("documents: documents are always encrypted: set codec.keys")
	} else if len(id) > maxKeyIDLen {
		return nil, fmt.Errorf("documents: key ID %q is longer than %d bytes", id, maxKeyIDLen)
	}
	s := &Store{keys: keys, max: limits.MaxFileBytes, types: limits.Types}
	if s.max == 0 {
		s.max = contract.DefaultDocumentBytes
	}
	if s.max < 0 {
		return nil, fmt.Errorf("documents: MaxFileBytes must be positive, got %d", s.max)
	}
	if s.types == nil {
		s.types = contract.DefaultDocumentTypes()
	}
	for _, t := range s.types {
		// A type the detector never answers would be refused forever:
		// better said at start-up.
		if mimetype.Lookup(t) == nil {
			return nil, fmt.Errorf("documents: type %q is not one the content detector knows", t)
		}
	}
	b, err := blob.OpenBucket(ctx, bucketURL)
	if err != nil {
		return nil, fmt.Errorf("documents: open bucket %s: %w", redactURL(bucketURL), err)
	}
	s.bucket = b
	return s, nil
}

// Close closes the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

// Put streams r into the object key, encrypted. The type is detected from
// the first bytes and refused (ErrType) before anything is written; a
// document over the limit (ErrTooLarge), an empty one (ErrEmpty) or any
// failure leaves nothing stored. key names the document, e.g.
// "<case ID>/<document ID>": it is bound into the encryption, so the object
// opens only under this key. An object already at key is replaced, so keys
// should be fresh IDs. Put blocks while r does: bound the body's reads (a
// request deadline) where r is a client's upload.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (Stored, error) {
	if key == "" {
		return Stored{}, errors.New("documents: empty key")
	}
	head := make([]byte, sniffSize)
	n, err := io.ReadFull(r, head)
	switch {
	case errors.Is(err, io.EOF):
		return Stored{}, ErrEmpty
	case errors.Is(err, io.ErrUnexpectedEOF), err == nil:
	default:
		return Stored{}, fmt.Errorf("documents: read %s: %w", key, err)
	}
	head = head[:n]
	mt := mimetype.Detect(head)
	if !s.accepts(mt) {
		return Stored{}, &TypeError{Type: mediaType(mt)}
	}

	id, master := s.keys.Active()
	header, data, err := newHeader(id, master, key)
	if err != nil {
		return Stored{}, err
	}
	// Cancelling the writer's context before Close is how blob aborts an
	// upload: nothing is committed.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, key, &blob.WriterOptions{
		// The stored bytes are ciphertext, whatever the document is.
		ContentType:    "application/octet-stream",
		BufferSize:     writeBufferSize,
		MaxConcurrency: 1,
	})
	if err != nil {
		return Stored{}, fmt.Errorf("documents: store %s: %w", key, err)
	}
	abort := func(err error) (Stored, error) {
		cancel()
		_ = w.Close()
		return Stored{}, err
	}
	if _, err := w.Write(header); err != nil {
		return abort(fmt.Errorf("documents: store %s: %w", key, err))
	}
	seal := newSealer(w, data)
	sum := sha256.New()
	src := io.LimitReader(io.MultiReader(bytes.NewReader(head), r), s.max+1)
	size, err := io.CopyBuffer(io.MultiWriter(seal, sum), src, make([]byte, 32<<10))
	if err != nil {
		return abort(fmt.Errorf("documents: store %s: %w", key, err))
	}
	if size > s.max {
		return abort(fmt.Errorf("%w: over %d bytes", ErrTooLarge, s.max))
	}
	if err := seal.Close(); err != nil {
		return abort(fmt.Errorf("documents: store %s: %w", key, err))
	}
	if err := w.Close(); err != nil {
		return Stored{}, fmt.Errorf("documents: store %s: %w", key, err)
	}
	return Stored{Key: key, SHA256: hex.EncodeToString(sum.Sum(nil)), Size: size, ContentType: mediaType(mt)}, nil
}

// accepts reports whether the detected type is one allowed; Is also
// matches the detector's aliases (image/x-png…).
func (s *Store) accepts(mt *mimetype.MIME) bool {
	for _, t := range s.types {
		if mt.Is(t) {
			return true
		}
	}
	return false
}

// mediaType drops parameters (a charset) from a detected type.
func mediaType(mt *mimetype.MIME) string {
	t, _, _ := strings.Cut(mt.String(), ";")
	return t
}

// Open returns the document's plaintext as it decrypts. A key with no
// object gives ErrNotFound; a key no longer configured, ErrUnknownKey; a
// damaged or altered object gives ErrCorrupt, from Open when the header is
// hit or from Read at the first damaged segment, before any of its bytes
// are returned. Callers must read to io.EOF before trusting the whole
// document (a reader stopped early has authenticated only what it read)
// and must Close.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	r, err := s.bucket.NewReader(ctx, key, nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
		}
		return nil, fmt.Errorf("documents: open %s: %w", key, err)
	}
	return openReader(r, s.keys, key)
}

// openReader reads the header from rc and returns the decrypting reader,
// closing rc on failure.
func openReader(rc io.ReadCloser, keys Keyring, key string) (io.ReadCloser, error) {
	br := bufioReader(rc)
	data, err := readHeader(br, keys, key)
	if err != nil {
		_ = rc.Close()
		return nil, fmt.Errorf("documents: open %s: %w", key, err)
	}
	return &plainReader{opener: newOpener(br, data), closer: rc}, nil
}

type plainReader struct {
	*opener
	closer io.Closer
}

func (p *plainReader) Close() error { return p.closer.Close() }

// Delete removes the document; a missing one is not an error, so a sweep
// or a retried request may delete twice.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("documents: delete %s: %w", key, err)
	}
	return nil
}

// List yields the objects whose keys start with prefix, in key order, one
// page at a time, so a sweep over a large bucket holds a page, not the
// bucket. It stops at the first error, which it yields.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[Object, error] {
	return func(yield func(Object, error) bool) {
		it := s.bucket.List(&blob.ListOptions{Prefix: prefix})
		for {
			obj, err := it.Next(ctx)
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				yield(Object{}, fmt.Errorf("documents: list %q: %w", prefix, err))
				return
			}
			if obj.IsDir {
				continue
			}
			if !yield(Object{Key: obj.Key, ModTime: obj.ModTime, Size: obj.Size}, nil) {
				return
			}
		}
	}
}
