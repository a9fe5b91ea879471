package api

import (
	"bytes"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/workflows/contract"
)

// FuzzDecodeBody: whatever a client sends, every request decoder answers
// either a value or a 4xx that names what was wrong, never a panic or a
// 500; and a body it takes is one JSON object whose text and numbers the
// contract stores (no NUL, no lone surrogate, finite numbers).
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{
		`{"type":"AML_ALERT","priority":"HIGH","title":"t","description":"d","tags":["a"],"metadata":{"a":1}}`,
		`{"content":"hello\u0000world"}`, `{"content":"\ud800"}`, `{"details":{"n":1e1000000}}`,
		`{"dueDate":"9999-12-31T23:00:00-05:00"}`, `{"status": 1}`, `{} {}`, `[]`, `null`, "{\"a\":\"\xff\"}",
		`{"assigneeId":null}`, `{"checkIds":["x"],"message":"m"}`, `{"result":"APPROVED","provider":"P"}`,
		`{"hits":[{"type":"PEP","details":"\u0000"}]}`, `{"unknown":1}`, ``, `   `,
	} {
		f.Add([]byte(s))
	}
	targets := []func() any{
		func() any { return &createCaseRequest{} },
		func() any { return &entityRequest{} },
		func() any { return &statusRequest{} },
		func() any { return &assignRequest{} },
		func() any { return &noteRequest{} },
		func() any { return &checkRequest{} },
		func() any { return &resultRequest{} },
		func() any { return &revokeRequest{} },
		func() any { return &portalSubmission{} },
		func() any { return &editRequest{} },
		func() any { return &linkRequest{} },
		func() any { return &newUserRequest{} },
		func() any { return &userChangeRequest{} },
		func() any { return &contract.Verdict{} },
		func() any { return &map[string]any{} },
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, target := range targets {
			err := decodeBody(body, target())
			if err == nil {
				_, msg := contract.Body.Problem(bytes.TrimSpace(body))
				require.Empty(t, msg, "a body taken is storable: %q", body)
				continue
			}
			var e *Error
			require.True(t, errors.As(err, &e), "%T: %v", err, err)
			require.Contains(t, []int{http.StatusBadRequest, http.StatusUnprocessableEntity}, e.Status, "%v", err)
			require.NotEmpty(t, e.Message)
		}
	})
}

// FuzzDecodeCursor: a cursor is taken only when it is one this API gives
// out, and it reads back as the same place in the list.
func FuzzDecodeCursor(f *testing.F) {
	for _, s := range []string{"", "x", "MjAyNi0xMS0yNlQxMjowMDowMFp8MDE5YWIxMjMtNDU2Ny03ODlhLWJjZGUtZjAxMjM0NTY3ODlh", "%%%", "fA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pos, ok := decodeCursor(s)
		if !ok {
			return
		}
		again, ok := decodeCursor(EncodeCursor(pos))
		require.True(t, ok)
		require.True(t, pos.CreatedAt.Equal(again.CreatedAt))
		require.Equal(t, pos.ID, again.ID)
	})
}
