package api

import (
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
)

const userKey = "caseflow.user"

// authenticate admits requests that carry a live bearer token. An address
// that sent too many bad ones is refused before its token is even looked
// at, so that guessing gains nothing; a request with no Authorization
// header guesses nothing and is not counted.
func (s *Server) authenticate(c *fiber.Ctx) error {
	addr := s.clientIP(c)
	if wait := s.authFailures.retryAfter(addr, time.Now()); wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
		return apiError(http.StatusTooManyRequests, codeRateLimited,
			"too many failed authentication attempts from this address; try again in %d s", secs)
	}
	header := c.Get(fiber.HeaderAuthorization)
	token, found := bearerToken(header)
	if !found {
		if header != "" {
			s.authFailed(c, addr)
		}
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="caseflow"`)
		return apiError(http.StatusUnauthorized, codeUnauthorized, "missing bearer token")
	}
	u, err := s.store.UserByToken(c.UserContext(), token)
	if errors.Is(err, store.ErrNotFound) {
		s.authFailed(c, addr)
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="caseflow", error="invalid_token"`)
		return apiError(http.StatusUnauthorized, codeUnauthorized, "invalid, expired or revoked bearer token")
	}
	if err != nil {
		return err
	}
	c.Locals(userKey, u)
	return c.Next()
}

func (s *Server) authFailed(c *fiber.Ctx, addr string) {
	if s.authFailures.fail(addr, time.Now()) {
		s.log.WarnContext(c.UserContext(), "too many failed authentication attempts; address refused for the rest of the window",
			"addr", addr, "failures", s.cfg.HTTP.AuthFailuresPerMinute, "requestId", requestID(c))
	}
}

// bearerToken reads the token of an Authorization header. The scheme is
// case-insensitive (RFC 7235 §2.1): clients and proxies send "bearer" too.
func bearerToken(header string) (string, bool) {
	scheme, token, found := strings.Cut(strings.TrimSpace(header), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// allow admits only the given roles.
func allow(roles ...contract.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if u := currentUser(c); !slices.Contains(roles, u.Role) {
			return apiError(http.StatusForbidden, codeForbidden, "role %s may not do this", u.Role)
		}
		return c.Next()
	}
}

func currentUser(c *fiber.Ctx) store.User {
	u, _ := c.Locals(userKey).(store.User)
	return u
}
