package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Object bounds a free-form JSON object a case keeps (metadata, entity
// details, screening hits): its encoded size, how deep it nests and how
// many keys it has in all. Whatever the bounds, its text is storable (valid
// UTF-8, no NUL, no half of a UTF-16 surrogate pair, which Postgres's jsonb
// refuses) and its numbers are finite doubles, which every JSON reader of
// the API can hold. A zero bound is no bound.
type Object struct {
	MaxBytes int
	MaxDepth int
	MaxKeys  int
	// AnyValue takes any JSON value, not only an object.
	AnyValue bool
}

// The bounds of a case's JSON objects.
var (
	// Metadata is a case's metadata and an entity's details.
	Metadata = Object{MaxBytes: 16 << 10, MaxDepth: 8, MaxKeys: 256}
	// HitDetails is what a screening system says of one hit.
	HitDetails = Object{MaxBytes: 4 << 10, MaxDepth: 6, MaxKeys: 64, AnyValue: true}
	// Body is any request body: no bounds but storable text and numbers,
	// checked before it is decoded, since decoding into Go strings would
	// silently turn a lone surrogate into U+FFFD.
	Body = Object{}
)

// Problem says what is wrong with raw under o, or "" when nothing is, with
// the path of the offending value inside the object (".a.b[2]"; empty for
// the object itself).
func (o Object) Problem(raw []byte) (path, msg string) {
	if o.MaxBytes > 0 && len(raw) > o.MaxBytes {
		return "", fmt.Sprintf("must be at most %d bytes of JSON (got %d)", o.MaxBytes, len(raw))
	}
	if !utf8.Valid(raw) {
		return "", "must be valid UTF-8"
	}
	w := walker{o: o, raw: raw, dec: json.NewDecoder(bytes.NewReader(raw))}
	w.dec.UseNumber()
	return w.walk()
}

// walker reads an object token by token, keeping the path to the value
// it is at, so a problem names the value that has it.
type walker struct {
	o    Object
	raw  []byte
	dec  *json.Decoder
	keys int
	// stack holds, per open container, its path and whether it is an
	// object expecting a key next.
	stack []frame
	off   int64
}

type frame struct {
	path      string
	object    bool
	expectKey bool
	index     int
	key       string
}

func (w *walker) walk() (string, string) {
	first := true
	for {
		tok, err := w.dec.Token()
		if errors.Is(err, io.EOF) {
			switch {
			case first:
				return "", "must be a JSON object"
			case len(w.stack) > 0:
				return w.here(), "must be valid JSON"
			}
			return "", ""
		}
		if err != nil {
			return w.here(), "must be valid JSON"
		}
		seg := w.raw[w.off:w.dec.InputOffset()]
		w.off = w.dec.InputOffset()
		if first {
			first = false
			d, open := tok.(json.Delim)
			switch {
			case open && (d == '{' || d == '[' && w.o.AnyValue):
				w.stack = append(w.stack, frame{object: d == '{', expectKey: d == '{'})
				if w.tooDeep() {
					return "", w.depthMsg()
				}
			case !w.o.AnyValue:
				return "", "must be a JSON object"
			default:
				if msg := scalar(tok, seg); msg != "" {
					return "", msg
				}
			}
			continue
		}
		if len(w.stack) == 0 {
			return "", "must be one JSON value"
		}
		top := &w.stack[len(w.stack)-1]
		if top.object && top.expectKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				w.stack = w.stack[:len(w.stack)-1]
				w.next()
				continue
			}
			key, _ := tok.(string)
			top.key, top.expectKey = key, false
			w.keys++
			if msg := storable(key, seg); msg != "" {
				return w.here(), "key " + msg
			}
			if w.o.MaxKeys > 0 && w.keys > w.o.MaxKeys {
				return "", fmt.Sprintf("must have at most %d keys in all", w.o.MaxKeys)
			}
			continue
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				w.stack = append(w.stack, frame{path: w.here(), object: v == '{', expectKey: v == '{'})
				if w.tooDeep() {
					return w.stack[len(w.stack)-1].path, w.depthMsg()
				}
				continue
			default: // ']'
				w.stack = w.stack[:len(w.stack)-1]
				w.next()
				continue
			}
		default:
			if msg := scalar(v, seg); msg != "" {
				return w.here(), msg
			}
		}
		w.next()
	}
}

// scalar checks a string or number token; raw is its text as written.
func scalar(tok json.Token, raw []byte) string {
	switch v := tok.(type) {
	case string:
		return storable(v, raw)
	case json.Number:
		return finite(v)
	}
	return ""
}

// here is the path of the value the walker is at.
func (w *walker) here() string {
	if len(w.stack) == 0 {
		return ""
	}
	top := w.stack[len(w.stack)-1]
	if top.object {
		return Member(top.path, top.key)
	}
	return top.path + "[" + strconv.Itoa(top.index) + "]"
}

// Member names the member key of the object at path, as field errors do:
// "metadata.source", or `properties["a b"]` for a key that does not read
// well after a dot.
func Member(path, key string) string {
	if key == "" || !plainKey(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	return path + "." + key
}

// next moves the enclosing container past the value just read.
func (w *walker) next() {
	if len(w.stack) == 0 {
		return
	}
	top := &w.stack[len(w.stack)-1]
	if top.object {
		top.expectKey = true
	} else {
		top.index++
	}
}

func (w *walker) tooDeep() bool { return w.o.MaxDepth > 0 && len(w.stack) > w.o.MaxDepth }

func (w *walker) depthMsg() string {
	return fmt.Sprintf("must nest at most %d levels deep", w.o.MaxDepth)
}

// plainKey is a key that reads well after a dot.
func plainKey(k string) bool {
	for _, c := range k {
		if !(c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// storable checks one string of a JSON text: s decoded, raw as written.
func storable(s string, raw []byte) string {
	if strings.ContainsRune(s, 0) {
		return "must not contain NUL (\\u0000)"
	}
	if loneSurrogate(raw) {
		return "must not contain half of a UTF-16 surrogate pair (such as \\ud800)"
	}
	return ""
}

// loneSurrogate reports whether JSON text escapes half of a UTF-16
// surrogate pair: decoders turn it into U+FFFD, and Postgres refuses it.
func loneSurrogate(raw []byte) bool {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		i++ // the escaped character: a backslash escapes only the next one
		if i >= len(raw) || raw[i] != 'u' {
			continue
		}
		r, ok := hex4(raw[i+1:])
		if !ok {
			continue
		}
		i += 4
		switch {
		case 0xDC00 <= r && r <= 0xDFFF:
			return true
		case 0xD800 <= r && r <= 0xDBFF:
			if i+2 >= len(raw) || raw[i+1] != '\\' || raw[i+2] != 'u' {
				return true
			}
			low, ok := hex4(raw[i+3:])
			if !ok || low < 0xDC00 || low > 0xDFFF {
				return true
			}
			i += 6
		}
	}
	return false
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[:4]), 16, 16)
	return rune(n), err == nil
}

// finite refuses a number no double holds: too large (1e400), or so small
// that it would silently become zero (1e-400).
func finite(n json.Number) string {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || (f == 0 && strings.ContainsAny(strings.Split(strings.ToLower(string(n)), "e")[0], "123456789")) {
		return "must be a finite number a double can hold (about ±1.8e308)"
	}
	return ""
}
