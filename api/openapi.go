package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gofiber/fiber/v2"
)

// The API's OpenAPI 3 document: written by hand in openapi.yaml, served as
// JSON at GET /api/v1/openapi.json, and enforced by the end-to-end tests,
// which check every request and answer against it.

//go:embed openapi.yaml
var openAPIYAML []byte

// OpenAPIDocument returns the OpenAPI document as written (YAML).
func OpenAPIDocument() []byte { return bytes.Clone(openAPIYAML) }

// openAPIJSON converts the document to JSON, once per process: loaded and
// validated with kin-openapi, then marshalled.
var openAPIJSON = sync.OnceValues(func() ([]byte, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPIYAML)
	if err != nil {
		return nil, fmt.Errorf("load openapi.yaml: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("validate openapi.yaml: %w", err)
	}
	return json.Marshal(doc)
})

// openAPI serves the document. It is converted when the routes are
// registered, at start-up; a broken document is logged then and answered
// with a 500, and fails the tests.
func (s *Server) openAPI() fiber.Handler {
	if _, err := openAPIJSON(); err != nil {
		s.log.Error("the OpenAPI document is broken", "err", err)
	}
	return func(c *fiber.Ctx) error {
		doc, err := openAPIJSON()
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Status(http.StatusOK).Send(doc)
	}
}
