package api_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/caseflow/caseflow/api"
	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows/contract"
)

// TestBadInput sends what careless or hostile clients send. Each gets the
// right 4xx in the envelope (call fails the test on any 5xx), and nothing
// is written.
func TestBadInput(t *testing.T) {
	h := suite(t)
	c := h.createCase(t, contract.RoleAnalyst, investigation("Input Person"))
	cases := "/cases"
	one := "/cases/" + c.ID

	with := func(edit func(map[string]any)) map[string]any {
		b := investigation("Input Person")
		edit(b)
		return b
	}
	tests := []struct {
		name, method, path string
		body               any
		status             int
		code, field        string
	}{
		{"malformed JSON", http.MethodPost, cases, `{"type": "AML_ALERT",`, 400, "MALFORMED_REQUEST", ""},
		{"not JSON at all", http.MethodPost, cases, `type=AML_ALERT`, 400, "MALFORMED_REQUEST", ""},
		{"JSON null body", http.MethodPost, cases, `null`, 400, "MALFORMED_REQUEST", ""},
		{"JSON array body", http.MethodPost, cases, `[{"type":"AML_ALERT"}]`, 400, "MALFORMED_REQUEST", ""},
		{"empty body", http.MethodPost, cases, ``, 400, "MALFORMED_REQUEST", ""},
		{"two objects", http.MethodPost, cases, `{} {}`, 400, "MALFORMED_REQUEST", ""},
		{"missing type", http.MethodPost, cases, with(func(b map[string]any) { delete(b, "type") }), 422, "VALIDATION_ERROR", "type"},
		{"missing title", http.MethodPost, cases, with(func(b map[string]any) { delete(b, "title") }), 422, "VALIDATION_ERROR", "title"},
		{"blank description", http.MethodPost, cases, with(func(b map[string]any) { b["description"] = "   " }), 422, "VALIDATION_ERROR", "description"},
		{"unknown type", http.MethodPost, cases, with(func(b map[string]any) { b["type"] = "PARKING_FINE" }), 422, "VALIDATION_ERROR", "type"},
		{"unknown priority", http.MethodPost, cases, with(func(b map[string]any) { b["priority"] = "URGENT" }), 422, "VALIDATION_ERROR", "priority"},
		{"lower-case priority", http.MethodPost, cases, with(func(b map[string]any) { b["priority"] = "high" }), 422, "VALIDATION_ERROR", "priority"},
		{"unknown risk level", http.MethodPost, cases, with(func(b map[string]any) { b["riskLevel"] = "EXTREME" }), 422, "VALIDATION_ERROR", "riskLevel"},
		{"number as priority", http.MethodPost, cases, with(func(b map[string]any) { b["priority"] = 3 }), 422, "VALIDATION_ERROR", "priority"},
		{"string as tags", http.MethodPost, cases, with(func(b map[string]any) { b["tags"] = "cash" }), 422, "VALIDATION_ERROR", "tags"},
		{"metadata not an object", http.MethodPost, cases, with(func(b map[string]any) { b["metadata"] = []int{1} }), 422, "VALIDATION_ERROR", "metadata"},
		{"bad client e-mail", http.MethodPost, cases, with(func(b map[string]any) { b["client"] = map[string]string{"name": "X", "email": "not-an-email"} }), 422, "VALIDATION_ERROR", "client.email"},
		{"bad related transaction", http.MethodPost, cases, with(func(b map[string]any) { b["relatedTransactionId"] = "tx-1" }), 422, "VALIDATION_ERROR", "relatedTransactionId"},
		{"bad due date", http.MethodPost, cases, with(func(b map[string]any) { b["dueDate"] = "next tuesday" }), 422, "VALIDATION_ERROR", ""},
		{"unknown field", http.MethodPost, cases, with(func(b map[string]any) { b["assignee"] = "x" }), 422, "VALIDATION_ERROR", "assignee"},
		{"title too long", http.MethodPost, cases, with(func(b map[string]any) { b["title"] = strings.Repeat("t", contract.MaxTitle+1) }), 422, "VALIDATION_ERROR", "title"},
		{"oversized body", http.MethodPost, cases, with(func(b map[string]any) { b["description"] = strings.Repeat("x", 100<<10) }), 413, "PAYLOAD_TOO_LARGE", ""},

		{"non-UUID case ID", http.MethodGet, "/cases/CASE-2026-00001", nil, 400, "INVALID_ID", ""},
		{"non-UUID case ID on update", http.MethodPatch, "/cases/123/status", map[string]string{"status": "IN_PROGRESS"}, 400, "INVALID_ID", ""},
		{"unknown case", http.MethodGet, "/cases/" + uuid.NewString(), nil, 404, "NOT_FOUND", ""},
		{"unknown case on update", http.MethodPatch, "/cases/" + uuid.NewString() + "/status", map[string]string{"status": "IN_PROGRESS"}, 404, "NOT_FOUND", ""},
		{"unknown case on note", http.MethodPost, "/cases/" + uuid.NewString() + "/notes", map[string]string{"content": "x"}, 404, "NOT_FOUND", ""},
		{"unknown case's state", http.MethodGet, "/cases/" + uuid.NewString() + "/state", nil, 404, "NOT_FOUND", ""},
		{"unknown case on assign", http.MethodPatch, "/cases/" + uuid.NewString() + "/assign", map[string]any{"assigneeId": nil}, 404, "NOT_FOUND", ""},
		{"unknown route", http.MethodGet, "/nothing-here", nil, 404, "NOT_FOUND", ""},
		{"wrong method", http.MethodDelete, one, nil, 405, "METHOD_NOT_ALLOWED", ""},

		{"status missing", http.MethodPatch, one + "/status", map[string]string{"resolutionNote": "x"}, 422, "VALIDATION_ERROR", "status"},
		{"status unknown", http.MethodPatch, one + "/status", map[string]string{"status": "DONE"}, 422, "VALIDATION_ERROR", "status"},
		{"status of another family", http.MethodPatch, one + "/status", map[string]string{"status": "APPROVED"}, 422, "VALIDATION_ERROR", "status"},
		{"status as number", http.MethodPatch, one + "/status", `{"status": 1}`, 422, "VALIDATION_ERROR", "status"},
		{"status null body", http.MethodPatch, one + "/status", `null`, 400, "MALFORMED_REQUEST", ""},
		{"assign without assigneeId", http.MethodPatch, one + "/assign", map[string]string{}, 422, "VALIDATION_ERROR", "assigneeId"},
		{"assign non-UUID", http.MethodPatch, one + "/assign", map[string]string{"assigneeId": "olivia"}, 422, "VALIDATION_ERROR", "assigneeId"},
		{"assign as array", http.MethodPatch, one + "/assign", `[]`, 400, "MALFORMED_REQUEST", ""},
		{"empty note", http.MethodPost, one + "/notes", map[string]string{"content": ""}, 422, "VALIDATION_ERROR", "content"},
		{"note missing content", http.MethodPost, one + "/notes", map[string]string{}, 422, "VALIDATION_ERROR", "content"},
		{"note too long", http.MethodPost, one + "/notes", map[string]string{"content": strings.Repeat("n", contract.MaxProse+1)}, 422, "VALIDATION_ERROR", "content"},

		{"bad status filter", http.MethodGet, "/cases?status=NOPE", nil, 422, "VALIDATION_ERROR", "status"},
		{"bad type filter", http.MethodGet, "/cases?type=NOPE", nil, 422, "VALIDATION_ERROR", "type"},
		{"bad priority filter", http.MethodGet, "/cases?priority=urgent", nil, 422, "VALIDATION_ERROR", "priority"},
		{"bad flag filter", http.MethodGet, "/cases?flag=DONE", nil, 422, "VALIDATION_ERROR", "flag"},
		{"bad assignee filter", http.MethodGet, "/cases?assigneeId=olivia", nil, 422, "VALIDATION_ERROR", "assigneeId"},
		{"limit too large", http.MethodGet, "/cases?limit=101", nil, 422, "VALIDATION_ERROR", "limit"},
		{"limit zero", http.MethodGet, "/cases?limit=0", nil, 422, "VALIDATION_ERROR", "limit"},
		{"page not a number", http.MethodGet, "/cases?page=two", nil, 422, "VALIDATION_ERROR", "page"},
		{"negative page", http.MethodGet, "/cases?page=-1", nil, 422, "VALIDATION_ERROR", "page"},
		{"query too long", http.MethodGet, "/cases?q=" + strings.Repeat("q", 201), nil, 422, "VALIDATION_ERROR", "q"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(t, contract.RoleBankAdmin, tt.method, tt.path, tt.body)
			requireError(t, r, tt.status, tt.code)
			if tt.field != "" {
				require.NotEmpty(t, r.env.Error.Details, "%s", r.body)
				require.Contains(t, string(r.env.Error.Details[0]), `"field":"`+tt.field+`"`, "%s", r.body)
			}
		})
	}

	// None of it reached the case.
	detail := decode[caseOut](t, h.do(t, contract.RoleBankAdmin, http.MethodGet, one, nil))
	require.Equal(t, "OPEN", detail.Status)
	require.Len(t, detail.Timeline, 1)
}

// TestTemporalOutageIs503 runs an API whose Temporal does not answer: reads
// from the projection still work, writes answer 503 within the call
// deadline instead of hanging.
func TestTemporalOutageIs503(t *testing.T) {
	h := suite(t)
	dead := closedPort(t)
	tc, err := client.NewLazyClient(client.Options{HostPort: dead, Namespace: "default"})
	require.NoError(t, err)
	defer tc.Close()
	cfg := h.cfg
	cfg.Temporal.CallTimeout = time.Second
	var logs lockedBuffer
	baseURL, stop, err := listen(api.New(cfg, h.store, tc, slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	defer stop()
	tok := h.users[contract.RoleBankAdmin].token

	existing := h.createCase(t, contract.RoleAnalyst, investigation("Outage Person"))
	require.Equal(t, http.StatusOK, call(t, baseURL, http.MethodGet, "/api/v1/cases/"+existing.ID, tok, nil).status)

	start := time.Now()
	r := call(t, baseURL, http.MethodPost, "/api/v1/cases", tok, investigation("Outage Person"))
	requireError(t, r, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	r = call(t, baseURL, http.MethodPatch, "/api/v1/cases/"+existing.ID+"/status", tok, map[string]string{"status": "IN_PROGRESS"})
	requireError(t, r, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	require.Less(t, time.Since(start), 10*time.Second, "bounded by the call deadline")

	// Anyone may ask: it names what is down, and the cause, with the
	// address, goes to the log only.
	r = call(t, baseURL, http.MethodGet, "/readyz", "", nil)
	require.Equal(t, http.StatusServiceUnavailable, r.status)
	require.JSONEq(t, `{"postgres":"ok","temporal":"unavailable"}`, string(r.env.Data))
	require.NotContains(t, string(r.body), dead)
	require.Contains(t, logs.String(), "not ready: temporal")
	require.Contains(t, logs.String(), dead)
}

// TestPostgresOutageIs503 runs an API whose Postgres goes away mid-flight,
// behind a proxy the test cuts.
func TestPostgresOutageIs503(t *testing.T) {
	h := suite(t)
	_, dbURL := storetest.New(t)
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	p := startProxy(t, u.Host)
	u.Host = p.addr()
	s, err := store.Open(context.Background(), u.String(), 4)
	require.NoError(t, err)
	defer s.Close()
	admin, _, err := s.EnsureUser(context.Background(), "outage@example.com", contract.RoleBankAdmin, "O", "A")
	require.NoError(t, err)
	tok, _, err := s.CreateToken(context.Background(), admin.ID, 0)
	require.NoError(t, err)

	var logs lockedBuffer
	baseURL, stop, err := listen(api.New(h.cfg, s, h.temporal, slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	defer stop()
	require.Equal(t, http.StatusOK, call(t, baseURL, http.MethodGet, "/api/v1/cases", tok, nil).status)

	p.cut()
	r := call(t, baseURL, http.MethodGet, "/api/v1/cases", tok, nil)
	requireError(t, r, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	require.Contains(t, r.env.Error.Message, "database")

	r = call(t, baseURL, http.MethodGet, "/readyz", "", nil)
	require.Equal(t, http.StatusServiceUnavailable, r.status)
	require.JSONEq(t, `{"postgres":"unavailable","temporal":"ok"}`, string(r.env.Data))
	require.NotContains(t, string(r.body), p.addr())
	require.Contains(t, logs.String(), "not ready: postgres")
}

// lockedBuffer collects a server's log lines, written from its goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// proxy forwards TCP to Postgres until cut, then refuses connections, as a
// database host that went down would.
type proxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{ln: ln}
	t.Cleanup(p.cut)
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
