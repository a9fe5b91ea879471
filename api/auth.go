package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows"
)

const userKey = "caseflow.user"

// authenticate admits requests that carry a live bearer token.
func (s *Server) authenticate(c *fiber.Ctx) error {
	token, found := bearerToken(c.Get(fiber.HeaderAuthorization))
	if !found {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="caseflow"`)
		return apiError(http.StatusUnauthorized, codeUnauthorized, "missing bearer token")
	}
	u, err := s.store.UserByToken(c.UserContext(), token)
	if errors.Is(err, store.ErrNotFound) {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="caseflow", error="invalid_token"`)
		return apiError(http.StatusUnauthorized, codeUnauthorized, "invalid, expired or revoked bearer token")
	}
	if err != nil {
		return err
	}
	c.Locals(userKey, u)
	return c.Next()
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
func allow(roles ...workflows.Role) fiber.Handler {
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
