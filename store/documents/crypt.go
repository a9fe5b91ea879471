package documents

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

const (
	magic       = "cfdoc"
	version     = 1
	dataKeySize = 32
	// segmentSize is the plaintext in one sealed segment: large enough that
	// the 16-byte tag per segment costs nothing, small enough that a reader
	// holds little and a damaged byte is reported soon.
	segmentSize = 64 << 10
	gcmTagSize  = 16
	sealedSize  = segmentSize + gcmTagSize
	maxKeyIDLen = 255
)

// wrapAAD is what the data key's sealing authenticates besides the key
// itself: the header's fixed fields and the object's name.
func wrapAAD(keyID, objectKey string) []byte {
	aad := make([]byte, 0, len(magic)+1+len(keyID)+1+len(objectKey))
	aad = append(aad, magic...)
	aad = append(aad, version)
	aad = append(aad, keyID...)
	aad = append(aad, 0)
	return append(aad, objectKey...)
}

// newHeader makes a fresh data key, seals it under the master key and
// returns the header to store and the data key's cipher.
func newHeader(keyID string, master cipher.AEAD, objectKey string) ([]byte, cipher.AEAD, error) {
	if keyID == "" || len(keyID) > maxKeyIDLen {
		return nil, nil, fmt.Errorf("documents: key ID must be 1 to %d bytes, got %d", maxKeyIDLen, len(keyID))
	}
	dataKey := make([]byte, dataKeySize)
	if _, err := rand.Read(dataKey); err != nil {
		return nil, nil, fmt.Errorf("documents: data key: %w", err)
	}
	data, err := newGCM(dataKey)
	if err != nil {
		return nil, nil, err
	}
	nonce := make([]byte, master.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, nil, fmt.Errorf("documents: nonce: %w", err)
	}
	h := make([]byte, 0, len(magic)+2+len(keyID)+len(nonce)+dataKeySize+master.Overhead())
	h = append(h, magic...)
	h = append(h, version, byte(len(keyID)))
	h = append(h, keyID...)
	h = append(h, nonce...)
	h = master.Seal(h, nonce, dataKey, wrapAAD(keyID, objectKey))
	return h, data, nil
}

// readHeader reads and opens the header, returning the data key's cipher.
func readHeader(r io.Reader, keys Keyring, objectKey string) (cipher.AEAD, error) {
	fixed := make([]byte, len(magic)+2)
	if _, err := io.ReadFull(r, fixed); err != nil {
		return nil, corrupt("header", err)
	}
	if string(fixed[:len(magic)]) != magic {
		return nil, fmt.Errorf("%w: not a caseflow document", ErrCorrupt)
	}
	if v := fixed[len(magic)]; v != version {
		return nil, fmt.Errorf("%w: format version %d is not known", ErrCorrupt, v)
	}
	id := make([]byte, fixed[len(magic)+1])
	if _, err := io.ReadFull(r, id); err != nil {
		return nil, corrupt("header", err)
	}
	master, ok := keys.Key(string(id))
	if !ok || master == nil {
		return nil, fmt.Errorf("%w: %q (add it back to codec.keys to read documents stored under it)", ErrUnknownKey, id)
	}
	wrapped := make([]byte, master.NonceSize()+dataKeySize+master.Overhead())
	if _, err := io.ReadFull(r, wrapped); err != nil {
		return nil, corrupt("header", err)
	}
	n := master.NonceSize()
	dataKey, err := master.Open(nil, wrapped[:n], wrapped[n:], wrapAAD(string(id), objectKey))
	if err != nil || len(dataKey) != dataKeySize {
		return nil, fmt.Errorf("%w: the data key does not open under key %q for this object", ErrCorrupt, id)
	}
	return newGCM(dataKey)
}

func corrupt(what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %s cut short", ErrCorrupt, what)
	}
	return fmt.Errorf("documents: read %s: %w", what, err)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("documents: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("documents: %w", err)
	}
	return aead, nil
}

// segmentNonce is the segment's number followed by the last-segment flag.
func segmentNonce(nonce []byte, counter uint64, last bool) []byte {
	clear(nonce)
	binary.BigEndian.PutUint64(nonce[3:11], counter)
	if last {
		nonce[11] = 1
	}
	return nonce
}

// sealer cuts what is written into sealed segments. A full segment is
// sealed only once a further byte arrives, since until then it may be the
// last.
type sealer struct {
	dst     io.Writer
	aead    cipher.AEAD
	plain   []byte
	sealed  []byte
	nonce   []byte
	counter uint64
}

func newSealer(dst io.Writer, aead cipher.AEAD) *sealer {
	return &sealer{
		dst:    dst,
		aead:   aead,
		plain:  make([]byte, 0, segmentSize),
		sealed: make([]byte, 0, sealedSize),
		nonce:  make([]byte, aead.NonceSize()),
	}
}

func (s *sealer) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		if len(s.plain) == segmentSize {
			if err := s.flush(false); err != nil {
				return written, err
			}
		}
		n := copy(s.plain[len(s.plain):segmentSize], p)
		s.plain = s.plain[:len(s.plain)+n]
		p = p[n:]
		written += n
	}
	return written, nil
}

// Close seals the last segment; it does not close dst.
func (s *sealer) Close() error { return s.flush(true) }

func (s *sealer) flush(last bool) error {
	s.sealed = s.aead.Seal(s.sealed[:0], segmentNonce(s.nonce, s.counter, last), s.plain, nil)
	s.counter++
	s.plain = s.plain[:0]
	if _, err := s.dst.Write(s.sealed); err != nil {
		return fmt.Errorf("documents: write: %w", err)
	}
	return nil
}

// opener reads sealed segments and returns their plaintext once each has
// been authenticated.
type opener struct {
	src     *bufio.Reader
	aead    cipher.AEAD
	sealed  []byte
	plain   []byte
	rest    []byte
	nonce   []byte
	counter uint64
	done    bool
	err     error
}

func newOpener(src io.Reader, aead cipher.AEAD) *opener {
	br, ok := src.(*bufio.Reader)
	if !ok || br.Size() < 1 {
		br = bufio.NewReaderSize(src, 32<<10)
	}
	return &opener{
		src:    br,
		aead:   aead,
		sealed: make([]byte, sealedSize),
		plain:  make([]byte, 0, segmentSize),
		nonce:  make([]byte, aead.NonceSize()),
	}
}

func (o *opener) Read(p []byte) (int, error) {
	for len(o.rest) == 0 {
		if o.err != nil {
			return 0, o.err
		}
		if o.done {
			return 0, io.EOF
		}
		o.err = o.next()
	}
	n := copy(p, o.rest)
	o.rest = o.rest[n:]
	return n, nil
}

// next opens one segment. A segment shorter than a full one is the last;
// so is a full one with nothing after it.
func (o *opener) next() error {
	n, err := io.ReadFull(o.src, o.sealed)
	last := false
	switch {
	case err == nil:
		if _, perr := o.src.Peek(1); perr == io.EOF {
			last = true
		} else if perr != nil {
			return fmt.Errorf("documents: read: %w", perr)
		}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		if n < gcmTagSize {
			return fmt.Errorf("%w: body cut short after segment %d", ErrCorrupt, o.counter)
		}
		last = true
	default:
		return fmt.Errorf("documents: read: %w", err)
	}
	plain, oerr := o.aead.Open(o.plain[:0], segmentNonce(o.nonce, o.counter, last), o.sealed[:n], nil)
	if oerr != nil {
		return fmt.Errorf("%w: segment %d does not authenticate", ErrCorrupt, o.counter)
	}
	o.counter++
	o.rest = plain
	o.done = last
	return nil
}
