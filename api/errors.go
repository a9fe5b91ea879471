package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"go.temporal.io/sdk/temporal"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// Error is an API failure as the client sees it: an HTTP status and the
// error envelope's code, message and details.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Details []any  `json:"details"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Codes the API answers with besides the workflow's own rejection codes.
const (
	codeMalformed    = "MALFORMED_REQUEST"
	codeInvalidID    = "INVALID_ID"
	codeUnauthorized = "UNAUTHORIZED"
	codeForbidden    = "FORBIDDEN"
	codeNotFound     = "NOT_FOUND"
	codeMethod       = "METHOD_NOT_ALLOWED"
	codeTooLarge     = "PAYLOAD_TOO_LARGE"
	codeRateLimited  = "RATE_LIMITED"
	codeUnavailable  = "SERVICE_UNAVAILABLE"
	codeInternal     = "INTERNAL_ERROR"
)

// statusOfCode maps the workflow's rejection codes to HTTP.
func statusOfCode(code string) (int, bool) {
	switch code {
	case contract.CodeValidation, contract.CodeInvalidAssignee:
		return http.StatusUnprocessableEntity, true
	case contract.CodeInvalidTransition, contract.CodeCaseClosed, contract.CodeAlreadyAssigned, contract.CodeAlreadyLinked:
		return http.StatusConflict, true
	case contract.CodeFourEyes:
		return http.StatusForbidden, true
	case contract.CodeNotFound:
		return http.StatusNotFound, true
	}
	return 0, false
}

func apiError(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...), Details: []any{}}
}

func invalid(fields ...contract.FieldError) *Error {
	details := make([]any, len(fields))
	for i, f := range fields {
		details[i] = f
	}
	return &Error{Status: http.StatusUnprocessableEntity, Code: contract.CodeValidation,
		Message: contract.ValidationError(fields).Error(), Details: details}
}

// asInvalid answers a domain validation error with 422 and its fields.
func asInvalid(err error) error {
	var v contract.ValidationError
	if errors.As(err, &v) {
		return invalid(v...)
	}
	return err
}

func notFound(what string) *Error {
	return apiError(http.StatusNotFound, codeNotFound, "%s not found", what)
}

// errorHandler turns every error a handler returns into the envelope. Bad
// input never reaches the 500 at the end: it is classified before.
func errorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		e := classify(err)
		if e.Status >= 500 {
			log.ErrorContext(c.UserContext(), "request failed", "method", c.Method(), "path", c.Path(),
				"status", e.Status, "err", err, "requestId", requestID(c))
		}
		return c.Status(e.Status).JSON(envelope{Success: false, Error: e})
	}
}

type envelope struct {
	Success bool   `json:"success"`
	Data    any    `json:"data,omitempty"`
	Error   *Error `json:"error,omitempty"`
}

func ok(c *fiber.Ctx, status int, data any) error {
	return c.Status(status).JSON(envelope{Success: true, Data: data})
}

func classify(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		if e.Details == nil {
			e.Details = []any{}
		}
		return e
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case http.StatusNotFound:
			return apiError(fe.Code, codeNotFound, "no such route")
		case http.StatusMethodNotAllowed:
			return apiError(fe.Code, codeMethod, "method not allowed")
		case http.StatusRequestEntityTooLarge:
			return apiError(fe.Code, codeTooLarge, "request body too large")
		}
		if fe.Code < 500 {
			return apiError(fe.Code, codeMalformed, "%s", fe.Message)
		}
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		if status, ok := statusOfCode(appErr.Type()); ok {
			e := apiError(status, appErr.Type(), "%s", appErr.Message())
			var details []any
			if appErr.HasDetails() && appErr.Details(&details) == nil && details != nil {
				e.Details = details
			}
			return e
		}
	}
	if temporalclient.Unavailable(err) {
		return apiError(http.StatusServiceUnavailable, codeUnavailable, "the workflow service is unavailable; try again")
	}
	if store.IsUnavailable(err) {
		return apiError(http.StatusServiceUnavailable, codeUnavailable, "the database is unavailable; try again")
	}
	return apiError(http.StatusInternalServerError, codeInternal, "internal error")
}

// decodeJSON reads a JSON object body into dst, strictly: unknown fields,
// wrong types and anything but an object are refused with a 4xx.
func decodeJSON(c *fiber.Ctx, dst any) error {
	return decodeBody(c.Body(), dst)
}

// decodeBody is decodeJSON's work, apart from Fiber so it can be fuzzed.
// A decoded body is also held to the contract's rules for any JSON text:
// decoding into Go strings silently turns a lone surrogate into U+FFFD,
// and the client must hear what was wrong instead.
func decodeBody(body []byte, dst any) error {
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" {
		return apiError(http.StatusBadRequest, codeMalformed, "request body is empty; send a JSON object")
	}
	if !strings.HasPrefix(trimmed, "{") {
		return apiError(http.StatusBadRequest, codeMalformed, "request body must be a JSON object")
	}
	if !utf8.ValidString(trimmed) {
		return apiError(http.StatusBadRequest, codeMalformed, "request body is not valid UTF-8")
	}
	dec := json.NewDecoder(strings.NewReader(trimmed))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			return apiError(http.StatusBadRequest, codeMalformed, "request body must hold one JSON object")
		}
		if path, msg := contract.Body.Problem([]byte(trimmed)); msg != "" {
			return invalid(contract.FieldError{Field: strings.TrimPrefix(path, "."), Message: msg})
		}
		return nil
	}
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return apiError(http.StatusBadRequest, codeMalformed, "malformed JSON: %v", err)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return invalid(contract.FieldError{Field: field, Message: "must be " + jsonKind(typeErr.Type.String())})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return invalid(contract.FieldError{Field: name, Message: "is not a known field"})
	default:
		return invalid(contract.FieldError{Field: "body", Message: err.Error()})
	}
}

// jsonKind names a Go type as a client thinks of it.
func jsonKind(goType string) string {
	switch {
	case goType == "string", strings.HasSuffix(goType, ".Status"), strings.HasSuffix(goType, ".Priority"):
		return "a string"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map["), strings.Contains(goType, "struct"), strings.HasPrefix(goType, "api."):
		return "an object"
	case goType == "bool":
		return "a boolean"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "float"):
		return "a number"
	case strings.Contains(goType, "time.Time"):
		return "an RFC 3339 date-time string"
	}
	return "of type " + goType
}
