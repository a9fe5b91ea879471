// Package documents keeps the files clients and officers upload (identity
// documents, proofs of address, statements) in a blob bucket: a directory,
// S3, GCS or Azure, named by URL.
//
// Identity documents are the most sensitive data caseflow holds, and a
// bucket is easy to leak (a public ACL, a copied backup, a shared disk), so
// every object is encrypted before its bytes leave the process and a leaked
// bucket shows nothing. The keys are the payload codec's (codec.keys,
// codec.activeKey): one set of keys to hold, back up and rotate.
//
// # Stored format
//
// An object is a header and a body.
//
// The header is the magic "cfdoc", a version byte, the master key's ID
// (length-prefixed) and a per-object 32-byte data key sealed by that master
// key. A key per object means a master key only ever seals 32-byte keys,
// never gigabytes, so random GCM nonces under it stay safe for billions of
// objects; the key ID in the header is what lets rotation work: the active
// key seals new objects, every configured key still opens old ones, and an
// object under a key no longer configured fails with ErrUnknownKey rather
// than as damage. The sealing binds the magic, version, key ID and the
// object's own key (its name in the bucket) as associated data, so an
// object copied or renamed to another document's key does not open: one
// client's file cannot be served as another's.
//
// The body is the document cut into 64 KiB segments, each sealed with
// AES-256-GCM under the data key. Segments let Put and Open stream: memory
// stays at a segment or two whatever the file's size, and each segment is
// authenticated before a byte of it is returned. A segment's nonce is its
// number and a flag marking the last segment, so reordered or dropped
// segments fail, and so do a body cut at a segment boundary (its new last
// segment was not sealed as last) and bytes appended after the end (the
// real last segment is no longer last). The nonce needs no randomness: the
// data key is never used for another object.
//
// The document's type is decided from its first bytes, not its name, before
// anything is written, and only the configured types are kept: a renamed
// executable is refused without touching the bucket.
//
// See docs/ARCHITECTURE.md, "Document storage".
package documents
