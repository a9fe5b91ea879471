package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

const (
	idempotencyHeader = "Idempotency-Key"
	resourceIDKey     = "caseflow.resourceId"
	idempotencyKey    = "caseflow.idempotencyKey"
	maxIdempotencyKey = 255
)

// idempotent makes a write safe to retry. With an Idempotency-Key, the
// first request runs and its answer is kept (idempotency.ttl); the same
// key and body get that answer again, the same key with another body is
// 422, and a second request while the first runs is 409. The key is the
// caller's own: keys of different users never meet.
func (s *Server) idempotent(c *fiber.Ctx) error {
	key := c.Get(idempotencyHeader)
	// fasthttp reads a header sent empty as "", like an absent one; a
	// caller who sent one meant to be safe to retry, so it is refused,
	// not ignored.
	if key == "" && len(c.Request().Header.PeekAll(idempotencyHeader)) == 0 {
		return c.Next()
	}
	if strings.TrimSpace(key) == "" {
		return apiError(http.StatusBadRequest, "INVALID_IDEMPOTENCY_KEY", "Idempotency-Key is blank; send a key, or no header")
	}
	if len(key) > maxIdempotencyKey || strings.IndexFunc(key, func(r rune) bool { return unicode.IsControl(r) || r > unicode.MaxASCII }) >= 0 {
		return apiError(http.StatusBadRequest, "INVALID_IDEMPOTENCY_KEY", "Idempotency-Key must be 1 to %d printable ASCII characters", maxIdempotencyKey)
	}
	user := currentUser(c)
	claim, err := s.store.ClaimIdempotencyKey(c.UserContext(), user.ID, key, requestHash(c),
		uuid.Must(uuid.NewV7()).String(), s.cfg.Idempotency.Lease, s.cfg.Idempotency.TTL)
	if err != nil {
		return err
	}
	switch {
	case claim.Mismatch:
		return apiError(http.StatusUnprocessableEntity, "IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used for a different request")
	case claim.InFlight:
		return apiError(http.StatusConflict, "REQUEST_IN_PROGRESS", "a request with this Idempotency-Key is still in progress; retry later")
	case claim.Replay != nil:
		c.Set("Idempotent-Replayed", "true")
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Status(claim.Replay.Status).Send(claim.Replay.Body)
	}

	c.Locals(resourceIDKey, claim.ResourceID)
	c.Locals(idempotencyKey, key)
	if err := c.Next(); err != nil {
		// Write the error answer now, so it can be kept like any other.
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			return herr
		}
	}
	status := c.Response().StatusCode()
	// The request's own context may be done; the bookkeeping must still land.
	ctx := context.WithoutCancel(c.UserContext())
	if status >= 500 {
		// Our failure, not the request's: let a retry run it again.
		return s.store.ReleaseIdempotencyKey(ctx, user.ID, key)
	}
	return s.store.FinishIdempotencyKey(ctx, user.ID, key, status, append([]byte(nil), c.Response().Body()...))
}

// requestHash identifies a request by method, path and body, the body
// canonicalised so that spacing and key order do not matter.
func requestHash(c *fiber.Ctx) []byte {
	body := c.Body()
	var v any
	if err := json.Unmarshal(body, &v); err == nil {
		if canon, err := json.Marshal(v); err == nil {
			body = canon
		}
	}
	h := sha256.New()
	h.Write([]byte(c.Method() + " " + c.Path() + "\n"))
	h.Write(bytes.TrimSpace(body))
	return h.Sum(nil)
}

// updateID names the update a request sends a case. A request with an
// Idempotency-Key names it after the key, its caller, the case and the
// update, so that a retry the key store no longer knows (the answer was
// lost, the row expired, the database was restored) still reaches the
// workflow as the same update, which applies it once (workflows/once.go).
// A key therefore names one change of a case for good. Without a key each
// request is a new update.
func updateID(c *fiber.Ctx, caseID, name string) string {
	key, ok := c.Locals(idempotencyKey).(string)
	if !ok || key == "" {
		return ""
	}
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("caseflow:update/"+currentUser(c).ID+"/"+caseID+"/"+name+"/"+key)).String()
}

// resourceID is the ID a create should give what it creates: the one
// its Idempotency-Key holds, or a new one.
func resourceID(c *fiber.Ctx) string {
	if id, ok := c.Locals(resourceIDKey).(string); ok && id != "" {
		return id
	}
	return uuid.Must(uuid.NewV7()).String()
}
