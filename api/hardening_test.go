package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"

	"github.com/caseflow/caseflow/api"
	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// TestEveryAnswerIsUncachedAndUnsniffed covers what call cannot: answers
// outside the envelope, and failures before any route.
func TestEveryAnswerIsUncachedAndUnsniffed(t *testing.T) {
	h := suite(t)
	officer := h.users[contract.RoleComplianceOfficer].token
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
	h := suite(t)
	token := h.users[contract.RoleAnalyst].token
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
	e2e := suite(t)
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

// TestBlankIdempotencyKey: a caller who sends the header means the request
// to be safe to retry; a blank key is refused rather than ignored.
func TestBlankIdempotencyKey(t *testing.T) {
	h := suite(t)
	analyst := h.users[contract.RoleAnalyst]
	body := string(mustJSON(t, investigation("Blank Key")))
	tests := []struct {
		name   string
		header string // the raw header line, "" for none
		status int
	}{
		{"empty", "Idempotency-Key:", http.StatusBadRequest},
		{"empty after the colon's space", "Idempotency-Key: ", http.StatusBadRequest},
		{"spaces", "Idempotency-Key:     ", http.StatusBadRequest},
		{"a tab", "Idempotency-Key: \t ", http.StatusBadRequest},
		{"lower-case name", "idempotency-key:  ", http.StatusBadRequest},
		{"absent", "", http.StatusCreated},
		{"a key", "Idempotency-Key: blank-" + uuid.NewString(), http.StatusCreated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Raw, because net/http trims the value before sending it.
			head := "POST /api/v1/cases HTTP/1.1\r\nHost: caseflow\r\nAuthorization: Bearer " + analyst.token +
				"\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\nConnection: close\r\n"
			if tt.header != "" {
				head += tt.header + "\r\n"
			}
			res := rawExchange(t, h.baseURL, head+"\r\n"+body)
			require.Equal(t, tt.status, res.StatusCode)
			if tt.status == http.StatusBadRequest {
				var env struct {
					Error struct{ Code string } `json:"error"`
				}
				require.NoError(t, json.NewDecoder(res.Body).Decode(&env))
				require.Equal(t, "INVALID_IDEMPOTENCY_KEY", env.Error.Code)
			}
		})
	}

	// Through net/http too, which sends an empty value for "".
	r := callWithHeader(t, h.baseURL, http.MethodPost, "/api/v1/cases", analyst.token, investigation("Blank Key"),
		map[string]string{"Idempotency-Key": ""})
	requireError(t, r, http.StatusBadRequest, "INVALID_IDEMPOTENCY_KEY")
}

// rawExchange writes a request as given on a new connection and reads the
// answer.
func rawExchange(t *testing.T, baseURL, request string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(baseURL, "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	_, err = io.WriteString(conn, request)
	require.NoError(t, err)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// TestBodyFarOverTheLimit sends bodies much larger than http.bodyLimit, as
// a real client does: it writes the whole body before reading the answer.
// The client must read the 413 in the envelope, never a reset connection;
// bodies up to the limit still go through, whole.
func TestBodyFarOverTheLimit(t *testing.T) {
	h := suite(t)
	const limit = 16 << 10
	baseURL := h.apiWithBodyLimit(t, limit)
	token := h.users[contract.RoleAnalyst].token

	// A valid create, padded with spaces to n bytes.
	create := func(n int) []byte {
		b := mustJSON(t, investigation("Big Body"))
		require.LessOrEqual(t, len(b), n)
		return append(b, bytes.Repeat([]byte(" "), n-len(b))...)
	}
	huge := bytes.Repeat([]byte("x"), 12<<20)
	tests := []struct {
		name    string
		body    []byte
		chunked bool // no Content-Length: the server learns the size by reading
		expect  bool // Expect: 100-continue, as curl sends for large bodies
		status  int
	}{
		{"12 MB", huge, false, false, http.StatusRequestEntityTooLarge},
		{"12 MB chunked", huge, true, false, http.StatusRequestEntityTooLarge},
		{"12 MB after 100-continue", huge, false, true, http.StatusRequestEntityTooLarge},
		{"one byte over", create(limit + 1), false, false, http.StatusRequestEntityTooLarge},
		{"one byte over, chunked", create(limit + 1), true, false, http.StatusRequestEntityTooLarge},
		{"at the limit", create(limit), false, false, http.StatusCreated},
		{"at the limit, chunked", create(limit), true, false, http.StatusCreated},
		{"small, chunked", create(1 << 10), true, false, http.StatusCreated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = bytes.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(body) // hides the length from net/http
			}
			req, err := http.NewRequest(http.MethodPost, baseURL+"/api/v1/cases", body)
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			if tt.expect {
				req.Header.Set("Expect", "100-continue")
			}
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err, "the client reads an answer, not a reset")
			defer res.Body.Close()
			got, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			require.Equal(t, tt.status, res.StatusCode, "%s", got)
			conform(t, req, tt.body, res.StatusCode, res.Header, got)
			if tt.status == http.StatusRequestEntityTooLarge {
				require.JSONEq(t, `{"success":false,"error":{"code":"PAYLOAD_TOO_LARGE","message":"request body is over 16384 bytes","details":[]}}`, string(got))
			}
		})
	}

	// The refused uploads left the server serving.
	r := call(t, baseURL, http.MethodGet, "/api/v1/cases?limit=1", token, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
}

// TestExpiredAndRevokedTokens: a token works until it expires or is
// revoked, then is refused on the very next request.
func TestExpiredAndRevokedTokens(t *testing.T) {
	h := suite(t)
	ctx := t.Context()
	u := h.users[contract.RoleAnalyst]
	tests := []struct {
		name string
		ttl  time.Duration
		// end makes the token unusable; nil leaves it be.
		end func(t *testing.T, id string)
	}{
		{"never expires", 0, nil},
		{"within its lifetime", time.Hour, nil},
		{"expired", time.Hour, func(t *testing.T, id string) {
			// Its hour passed: moved back on Postgres's clock, which
			// UserByToken checks it against.
			_, err := h.store.DB().Exec(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, id)
			require.NoError(t, err)
		}},
		{"revoked", time.Hour, func(t *testing.T, id string) {
			_, err := h.store.RevokeToken(ctx, id)
			require.NoError(t, err)
		}},
		{"revoked, never expiring", 0, func(t *testing.T, id string) {
			_, err := h.store.RevokeToken(ctx, id)
			require.NoError(t, err)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, issued, err := h.store.CreateToken(ctx, u.ID, tt.ttl)
			require.NoError(t, err)
			r := call(t, h.baseURL, http.MethodGet, "/api/v1/cases?limit=1", tok, nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			if tt.end == nil {
				return
			}
			tt.end(t, issued.ID)
			r = call(t, h.baseURL, http.MethodGet, "/api/v1/cases?limit=1", tok, nil)
			requireError(t, r, http.StatusUnauthorized, "UNAUTHORIZED")
			require.Contains(t, r.header.Get("WWW-Authenticate"), `error="invalid_token"`)
		})
	}
}

// TestAuthFailuresAreRateLimited: after http.authFailuresPerMinute bad
// tokens from one address, every request of its that needs a token is
// refused 429 until the window passes; successful requests, and a valid
// token's other failures, do not count, and other addresses are not
// affected.
func TestAuthFailuresAreRateLimited(t *testing.T) {
	h := suite(t)
	const limit, window = 3, 3 * time.Second
	cfg := h.cfg
	cfg.HTTP.AuthFailuresPerMinute = limit
	cfg.Codec.Keys = temporalclient.NewCodecKey("limit")
	baseURL, stop, err := listen(api.New(cfg, h.store, h.temporal, slog.New(slog.DiscardHandler), api.WithAuthFailureWindow(window)))
	require.NoError(t, err)
	defer stop()
	good := h.users[contract.RoleComplianceOfficer].token
	missing := "/api/v1/cases/" + uuid.NewString()

	// Successes and a valid token's 404s and 422s do not count.
	for range 2 * limit {
		require.Equal(t, http.StatusOK, call(t, baseURL, http.MethodGet, "/api/v1/cases?limit=1", good, nil).status)
		requireError(t, call(t, baseURL, http.MethodGet, missing, good, nil), http.StatusNotFound, "NOT_FOUND")
		requireError(t, call(t, baseURL, http.MethodPost, "/api/v1/cases", good, map[string]any{}), http.StatusUnprocessableEntity, "VALIDATION_ERROR")
	}
	// Nor does a request with no token at all: it guesses nothing.
	for range 2 * limit {
		requireError(t, call(t, baseURL, http.MethodGet, "/api/v1/cases", "", nil), http.StatusUnauthorized, "UNAUTHORIZED")
	}
	// Wrong tokens, of any kind, do.
	for _, header := range []string{"Bearer cf_wrong", "Basic YWRhOnNlY3JldA==", "bearer cf_wrong-again"} {
		r := callWithHeader(t, baseURL, http.MethodGet, "/api/v1/cases", "", nil, map[string]string{"Authorization": header})
		requireError(t, r, http.StatusUnauthorized, "UNAUTHORIZED")
	}

	refused := []struct {
		name, method, path, token string
		body                      any
	}{
		{"another wrong token", http.MethodGet, "/api/v1/cases", "cf_wrong", nil},
		{"a valid token", http.MethodGet, "/api/v1/cases", good, nil},
		{"no token", http.MethodGet, "/api/v1/cases", "", nil},
		{"a write", http.MethodPost, "/api/v1/cases", good, investigation("Limited Person")},
		{"the codec", http.MethodPost, "/codec/decode", good, `{"payloads":[]}`},
	}
	var retry int
	for _, tt := range refused {
		t.Run("refused: "+tt.name, func(t *testing.T) {
			r := call(t, baseURL, tt.method, tt.path, tt.token, tt.body)
			requireError(t, r, http.StatusTooManyRequests, "RATE_LIMITED")
			retry, err = strconv.Atoi(r.header.Get("Retry-After"))
			require.NoError(t, err, "Retry-After in seconds: %q", r.header.Get("Retry-After"))
			require.True(t, retry >= 1 && retry <= int(window/time.Second), "Retry-After %d", retry)
		})
	}

	// What needs no token is not refused.
	require.Equal(t, http.StatusOK, call(t, baseURL, http.MethodGet, "/healthz", "", nil).status)
	res, err := http.Get(baseURL + "/api/v1/openapi.json")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)

	// Another address is not affected.
	other := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{
		LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")},
	}).DialContext}}
	req, err := http.NewRequest(http.MethodGet, baseURL+"/api/v1/cases?limit=1", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+good)
	res, err = other.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)

	// Once the window has passed (Retry-After said when), the address
	// starts afresh.
	require.Eventually(t, func() bool {
		return call(t, baseURL, http.MethodGet, "/api/v1/cases?limit=1", good, nil).status == http.StatusOK
	}, time.Duration(retry+2)*time.Second, 100*time.Millisecond)
	requireError(t, call(t, baseURL, http.MethodGet, "/api/v1/cases", "cf_wrong", nil), http.StatusUnauthorized, "UNAUTHORIZED")
}

// TestCompressedBodies: a body with a Content-Encoding is decoded before
// any handler, and the limit applies to what it decodes to, decoding no
// further: a small compressed body can expand a thousandfold.
func TestCompressedBodies(t *testing.T) {
	h := suite(t)
	const limit = 16 << 10
	baseURL := h.apiWithBodyLimit(t, limit)
	token := h.users[contract.RoleAnalyst].token

	create := mustJSON(t, investigation("Zipped Person"))
	// 4 MB of spaces after the object: valid JSON, 250 times the limit.
	bomb := append(append([]byte{}, create...), bytes.Repeat([]byte(" "), 4<<20)...)
	gzipped := func(b []byte) []byte { return fasthttp.AppendGzipBytes(nil, b) }
	tests := []struct {
		name, encoding string
		body           []byte
		status         int
		code           string
	}{
		{"gzip", "gzip", gzipped(create), http.StatusCreated, ""},
		{"deflate", "deflate", fasthttp.AppendDeflateBytes(nil, create), http.StatusCreated, ""},
		{"brotli", "br", fasthttp.AppendBrotliBytes(nil, create), http.StatusCreated, ""},
		{"gzip twice", "gzip, gzip", gzipped(gzipped(create)), http.StatusCreated, ""},
		{"identity", "identity", create, http.StatusCreated, ""},
		{"a gzip bomb", "gzip", gzipped(bomb), http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE"},
		{"a bomb gzipped twice", "gzip, gzip", gzipped(gzipped(bomb)), http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE"},
		{"not gzip", "gzip", create, http.StatusBadRequest, "MALFORMED_REQUEST"},
		{"an unknown coding", "compress", create, http.StatusBadRequest, "MALFORMED_REQUEST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Less(t, len(tt.body), limit, "within the limit on the wire")
			req, err := http.NewRequest(http.MethodPost, baseURL+"/api/v1/cases", bytes.NewReader(tt.body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Content-Encoding", tt.encoding)
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			var env struct {
				Success bool
				Data    struct{ Title string }
				Error   struct{ Code string }
			}
			require.NoError(t, json.NewDecoder(res.Body).Decode(&env))
			require.Equal(t, tt.status, res.StatusCode, "%+v", env)
			if tt.code != "" {
				require.Equal(t, tt.code, env.Error.Code)
				return
			}
			require.Equal(t, "Structuring on account 4411", env.Data.Title, "the handler read the decoded body")
		})
	}
}

// apiWithBodyLimit serves an API of the harness's own, with another body
// limit, for the test's lifetime.
func (h *harness) apiWithBodyLimit(t *testing.T, limit int) string {
	t.Helper()
	cfg := h.cfg
	cfg.HTTP.BodyLimit = limit
	baseURL, stop, err := listen(api.New(cfg, h.store, h.temporal, slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(stop)
	return baseURL
}
