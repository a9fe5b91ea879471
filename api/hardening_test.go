package api_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/api"
	"github.com/caseflow/caseflow/workflows"
)

// TestEveryAnswerIsUncachedAndUnsniffed covers what call cannot: answers
// outside the envelope, and failures before any route.
func TestEveryAnswerIsUncachedAndUnsniffed(t *testing.T) {
	h := e2e
	officer := h.users[workflows.RoleComplianceOfficer].token
	tests := []struct {
		name, method, path, token, body string
		status                          int
	}{
		{"liveness", http.MethodGet, "/healthz", "", "", http.StatusOK},
		{"readiness", http.MethodGet, "/readyz", "", "", http.StatusOK},
		{"metrics", http.MethodGet, "/metrics", "", "", http.StatusOK},
		{"OpenAPI document", http.MethodGet, "/api/v1/openapi.json", "", "", http.StatusOK},
		{"a case list", http.MethodGet, "/api/v1/cases", officer, "", http.StatusOK},
		{"no token", http.MethodGet, "/api/v1/cases", "", "", http.StatusUnauthorized},
		{"unknown route", http.MethodGet, "/nothing-here", "", "", http.StatusNotFound},
		{"body over the limit", http.MethodPost, "/api/v1/cases", officer, strings.Repeat("x", 100<<10), http.StatusRequestEntityTooLarge},
		{"portal page", http.MethodGet, "/portal/r/" + strings.Repeat("a", 43), "", "", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, h.baseURL+tt.path, strings.NewReader(tt.body))
			require.NoError(t, err)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			res.Body.Close()
			require.Equal(t, tt.status, res.StatusCode)
			require.Equal(t, "no-store", res.Header.Get("Cache-Control"))
			require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
		})
	}
}

// TestBearerSchemeIsCaseInsensitive: RFC 7235 makes the auth scheme
// case-insensitive, and clients and proxies do send "bearer".
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	h := e2e
	token := h.users[workflows.RoleAnalyst].token
	tests := []struct {
		name, header string
		status       int
	}{
		{"canonical", "Bearer " + token, http.StatusOK},
		{"lower case", "bearer " + token, http.StatusOK},
		{"upper case", "BEARER " + token, http.StatusOK},
		{"mixed case", "bEaReR " + token, http.StatusOK},
		{"two spaces", "Bearer  " + token, http.StatusOK},
		{"another scheme", "Basic " + token, http.StatusUnauthorized},
		{"no space", "Bearer" + token, http.StatusUnauthorized},
		{"scheme alone", "Bearer", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := callWithHeader(t, h.baseURL, http.MethodGet, "/api/v1/cases?limit=1", "", nil,
				map[string]string{"Authorization": tt.header})
			require.Equal(t, tt.status, r.status, "%s", r.body)
			if tt.status == http.StatusUnauthorized {
				requireError(t, r, http.StatusUnauthorized, "UNAUTHORIZED")
				require.Contains(t, r.header.Get("WWW-Authenticate"), "Bearer")
			}
		})
	}
}

// TestRequestIDs: a caller's X-Request-ID is echoed and logged only when
// short and plain; any other is replaced, in the answer and in the log.
func TestRequestIDs(t *testing.T) {
	var logs lockedBuffer
	baseURL, stop, err := listen(api.New(e2e.cfg, e2e.store, e2e.temporal, slog.New(slog.NewJSONHandler(&logs, nil))))
	require.NoError(t, err)
	defer stop()

	tests := []struct {
		name, sent string
		kept       bool
	}{
		{"plain", "trace-me-42", true},
		{"every allowed character", "Ab9-_.:z", true},
		{"a UUID", "0195f3b2-7c1e-7d4a-9b1e-2f6f1c2d3e4f", true},
		{"64 characters", strings.Repeat("r", 64), true},
		{"none", "", false},
		{"65 characters", strings.Repeat("r", 65), false},
		{"spaces", "trace me", false},
		{"a forged log field", `x" level=ERROR msg="forged`, false},
		{"markup", "<script>alert(1)</script>", false},
		{"not ASCII", "trace-é", false},
		{"a path", "../../etc/passwd", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, baseURL+"/healthz?case="+url.QueryEscape(tt.name), nil)
			require.NoError(t, err)
			if tt.sent != "" {
				req.Header.Set("X-Request-ID", tt.sent)
			}
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			res.Body.Close()
			got := res.Header.Get("X-Request-ID")
			if tt.kept {
				require.Equal(t, tt.sent, got)
			} else {
				require.NotEqual(t, tt.sent, got)
				require.NoError(t, uuid.Validate(got), "a generated ID: %q", got)
			}
			// The access log line names the same ID.
			require.Eventually(t, func() bool {
				return strings.Contains(logs.String(), `"requestId":"`+got+`"`)
			}, 5*time.Second, 10*time.Millisecond, "%s", logs.String())
			if !tt.kept && tt.sent != "" {
				require.NotContains(t, logs.String(), tt.sent)
			}
		})
	}
}
