package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/activities/mailtest"
	"github.com/caseflow/caseflow/api"
	"github.com/caseflow/caseflow/config"
	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/store/documents"
	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows"
	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/caseflow/caseflow/workflows/temporalclient"
	"github.com/caseflow/caseflow/workflows/temporalclient/devserver"
)

// The end-to-end tests share one real Temporal dev server, one real
// Postgres database, one worker and one API listening on loopback.
var e2e *harness

type harness struct {
	baseURL  string
	store    *store.Store
	temporal client.Client
	cfg      config.Config
	mail     *mailtest.Server
	acts     *activities.Activities
	// written is the API's hand-off of new cases' first writes (serve).
	written *temporalclient.FirstWrites
	users   map[contract.Role]account
	// officer2 is a second compliance officer, to assign cases to.
	officer2 account
	// docs is the document store, kept in docsDir.
	docs    *documents.Store
	docsDir string
}

type account struct {
	store.User
	token string
}

func TestMain(m *testing.M) {
	// The fuzz targets are pure and need no servers. Fuzzing runs this
	// binary once more per worker, and a dev server started by a worker
	// the fuzzer kills outlives it, holding the fuzzer's pipe open.
	flag.Parse()
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		os.Exit(m.Run())
	}
	// The fast tier (-short) starts nothing: the tests that need the
	// suite skip themselves (suite, in tier_test.go).
	if testing.Short() {
		os.Exit(m.Run())
	}
	code, err := runSuite(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func runSuite(m *testing.M) (int, error) {
	ctx := context.Background()
	if err := loadDocument(ctx); err != nil {
		return 0, err
	}
	// CASEFLOW_TEST_LOG=1 shows the API's and the worker's logs.
	quiet := slog.New(slog.DiscardHandler)
	if os.Getenv("CASEFLOW_TEST_LOG") != "" {
		quiet = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}

	dev, err := devserver.Start(ctx, devserver.Options{Log: quiet})
	if err != nil {
		return 0, err
	}
	defer dev.Stop()

	s, _, cleanup, err := storetest.Create(ctx)
	if err != nil {
		return 0, err
	}
	defer cleanup()

	cfg, err := config.Load("")
	if err != nil {
		return 0, err
	}
	cfg.Temporal.TaskQueue = "cases-e2e-" + uuid.NewString()
	cfg.Temporal.UIURL = "http://localhost:8233"
	cfg.HTTP.BodyLimit = 64 << 10

	mail, err := mailtest.Serve()
	if err != nil {
		return 0, err
	}
	defer mail.Close()
	cfg.Mail = config.Mail{Transport: "smtp", From: "caseflow <no-reply@bank.example>",
		SMTP: config.SMTP{Host: mail.Host, Port: mail.Port, TLS: "none"}}
	cfg.Portal.BaseURL = "http://portal.test"
	mailer, err := activities.NewMailer(cfg.Mail, quiet)
	if err != nil {
		return 0, err
	}
	acts, err := activities.New(s, mailer, cfg.Portal.BaseURL)
	if err != nil {
		return 0, err
	}
	written := temporalclient.NewFirstWrites()
	acts.Projected = written.Projected

	// The client a caseflow process dials (temporalclient.Options), so that
	// the API's eager create sees its start answered eagerly, as in serve.
	tc, err := client.Dial(temporalclient.Options(temporalclient.Connection{HostPort: dev.FrontendHostPort(), Namespace: "default"}, quiet))
	if err != nil {
		return 0, err
	}
	defer tc.Close()
	w := worker.New(tc, cfg.Temporal.TaskQueue, worker.Options{})
	workflows.Register(w)
	acts.Register(w)
	if err := w.Start(); err != nil {
		return 0, err
	}
	defer w.Stop()

	// Documents in a directory of their own, under a codec key of the
	// suite's own, as `make run` keeps them.
	docsDir, err := os.MkdirTemp("", "caseflow-documents-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(docsDir)
	codec, err := temporalclient.CodecFromConfig(temporalclient.NewCodecKey("test1"), "")
	if err != nil {
		return 0, err
	}
	docs, err := documents.Open(ctx, "file://"+docsDir+"?no_tmp_dir=true", codec,
		documents.Limits{MaxFileBytes: cfg.Documents.MaxFileBytes, Types: cfg.Documents.Types})
	if err != nil {
		return 0, err
	}
	defer docs.Close()

	baseURL, stop, err := listen(api.New(cfg, s, tc, quiet, api.WithDocuments(docs), api.WithLocalWorker(written)))
	if err != nil {
		return 0, err
	}
	defer stop()

	e2e = &harness{baseURL: baseURL, store: s, temporal: tc, cfg: cfg, mail: mail, acts: acts, written: written, users: map[contract.Role]account{},
		docs: docs, docsDir: docsDir}
	people := []struct {
		role        contract.Role
		email, name string
	}{
		{contract.RoleBankAdmin, "ada.admin@example.com", "Ada"},
		{contract.RoleComplianceOfficer, "olivia.officer@example.com", "Olivia"},
		{contract.RoleAnalyst, "andy.analyst@example.com", "Andy"},
		{contract.RoleComplianceOfficer, "otto.officer@example.com", "Otto"},
	}
	for i, p := range people {
		a, err := newAccount(ctx, s, p.email, p.role, p.name)
		if err != nil {
			return 0, err
		}
		if i < 3 {
			e2e.users[p.role] = a
		} else {
			e2e.officer2 = a
		}
	}
	return m.Run(), nil
}

// The OpenAPI document, api/openapi.yaml, loaded once: every exchange the
// tests make goes through conform.
var (
	apiDoc    *openapi3.T
	apiRouter routers.Router
)

var documentOptions = &openapi3filter.Options{
	// Tokens are the API's business; the tests send good and bad ones.
	AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
	// An answer whose status the operation does not list fails.
	IncludeResponseStatus: true,
	MultiError:            true,
	SchemaValidationOptions: []openapi3.SchemaValidationOption{
		openapi3.DisableSchemaErrorDetails(), // the failure names the path and the rule; the body follows
		openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562)),
	},
}

func loadDocument(ctx context.Context) error {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPIDocument())
	if err != nil {
		return fmt.Errorf("load api/openapi.yaml: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return fmt.Errorf("api/openapi.yaml is not a valid OpenAPI document: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return fmt.Errorf("route api/openapi.yaml: %w", err)
	}
	// The portal's pages are HTML, checked as text.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	// Uploads name each file's field by its item (file:<checkId>), which
	// the library's multipart decoder, knowing only fixed names, refuses:
	// this one reads any field, for the schema (additionalProperties) to judge.
	openapi3filter.RegisterBodyDecoder("multipart/form-data", uploadDecoder)
	apiDoc, apiRouter = doc, router
	return nil
}

// uploadDecoder reads a multipart body as an object: a file part as a
// string (its bytes stand for themselves: format binary), checkId as a
// list, any other field as a string.
func uploadDecoder(body io.Reader, header http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	_, params, err := mime.ParseMediaType(header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		v, err := io.ReadAll(part)
		if err != nil {
			return nil, err
		}
		if name := part.FormName(); name == "checkId" {
			ids, _ := out[name].([]any)
			out[name] = append(ids, string(v))
		} else {
			out[name] = string(v)
		}
	}
}

// conform checks one exchange against the document: the answer must be
// one the document describes for the operation (status, content type,
// headers, body). The request may break the document, as the bad-input
// tests' requests do on purpose, but then it must be refused: a 2xx to a
// request the document calls invalid means the document is wrong.
func conform(t *testing.T, req *http.Request, reqBody []byte, status int, header http.Header, body []byte) {
	t.Helper()
	ctx := context.Background()
	vreq := req.Clone(ctx)
	vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	what := fmt.Sprintf("%s %s answered %d", req.Method, req.URL.RequestURI(), status)

	route, params, err := apiRouter.FindRoute(vreq)
	if err != nil {
		// No such operation in the document: only the router's own refusal may answer.
		if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
			require.Failf(t, "api/openapi.yaml has no such operation",
				"%s, but the document has no %s %s (%v): add it\nbody: %s", what, req.Method, req.URL.Path, err, body)
		}
		var v any
		require.NoError(t, json.Unmarshal(body, &v), "%s: %s", what, body)
		require.NoError(t, apiDoc.Components.Schemas["ErrorEnvelope"].Value.VisitJSON(v, openapi3.MultiErrors()),
			"%s with an answer that is not the error envelope of api/openapi.yaml: %s", what, body)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: documentOptions}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && status < 300 {
		require.Failf(t, "api/openapi.yaml refuses a request the API accepted",
			"%s, yet the request breaks the document's %s %s:\n%v", what, route.Method, route.Path, err)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: documentOptions}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		require.Failf(t, "the answer is not one api/openapi.yaml describes",
			"%s; the document's %s %s does not allow it:\n%v\nbody: %s", what, route.Method, route.Path, err, body)
	}
}

func newAccount(ctx context.Context, s *store.Store, email string, role contract.Role, first string) (account, error) {
	u, _, err := s.EnsureUser(ctx, email, role, first, "Example")
	if err != nil {
		return account{}, err
	}
	tok, _, err := s.CreateToken(ctx, u.ID, 0)
	return account{User: u, token: tok}, err
}

// listen serves an API app on a free loopback port.
func listen(app interface{ Listener(net.Listener) error }) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	go func() { _ = app.Listener(ln) }()
	return "http://" + ln.Addr().String(), func() { ln.Close() }, nil
}

// response is a decoded envelope.
type response struct {
	status int
	header http.Header
	body   []byte
	env    struct {
		Success bool            `json:"success"`
		Data    json.RawMessage `json:"data"`
		Error   *struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Details []json.RawMessage `json:"details"`
		} `json:"error"`
	}
}

// call sends a request; body may be a string (sent as is) or a value
// (sent as JSON). It checks the envelope on every answer.
func call(t *testing.T, baseURL, method, path, token string, body any) response {
	t.Helper()
	return callWithHeader(t, baseURL, method, path, token, body, nil)
}

func jsonEncoder(w io.Writer) *json.Encoder { return json.NewEncoder(w) }

// callWithHeader is call with extra request headers.
func callWithHeader(t *testing.T, baseURL, method, path, token string, body any, headers map[string]string) response {
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		raw, err = json.Marshal(b)
		require.NoError(t, err)
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, baseURL+path, rd)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	r := response{status: res.StatusCode, header: res.Header}
	r.body, err = io.ReadAll(res.Body)
	require.NoError(t, err)
	conform(t, req, raw, res.StatusCode, res.Header, r.body)
	require.NoError(t, json.Unmarshal(r.body, &r.env), "every answer is a JSON envelope: %s", r.body)
	require.Equal(t, "no-store", res.Header.Get("Cache-Control"), "%s %s: every answer is kept out of caches", method, path)
	require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"), "%s %s", method, path)
	// 503 is the one honest 5xx: a dependency is down, not the input bad.
	require.True(t, r.status < 500 || r.status == http.StatusServiceUnavailable, "%s %s answered %d: %s", method, path, r.status, r.body)
	if r.status < 400 {
		require.True(t, r.env.Success, "%s", r.body)
	} else {
		require.False(t, r.env.Success, "%s", r.body)
		require.NotNil(t, r.env.Error, "%s", r.body)
		require.NotEmpty(t, r.env.Error.Code)
		require.NotEmpty(t, r.env.Error.Message)
		require.NotNil(t, r.env.Error.Details, "details is always a list: %s", r.body)
	}
	return r
}

func (h *harness) do(t *testing.T, role contract.Role, method, path string, body any) response {
	t.Helper()
	return call(t, h.baseURL, method, "/api/v1"+path, h.users[role].token, body)
}

func requireError(t *testing.T, r response, status int, code string) {
	t.Helper()
	require.Equal(t, status, r.status, "%s", r.body)
	require.Equal(t, code, r.env.Error.Code, "%s", r.body)
}

func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(r.env.Data, &v), "%s", r.body)
	return v
}

// The shapes a client reads.
type caseOut struct {
	ID          string  `json:"id"`
	CaseNumber  string  `json:"caseNumber"`
	Type        string  `json:"type"`
	Priority    string  `json:"priority"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Status      string  `json:"status"`
	AssignedTo  *string `json:"assignedTo"`
	Client      *struct {
		Name       *string `json:"name"`
		Email      *string `json:"email"`
		ExternalID *string `json:"externalId"`
	} `json:"client"`
	Tags               []string          `json:"tags"`
	Metadata           map[string]any    `json:"metadata"`
	Properties         map[string]string `json:"properties"`
	CreatedBy          string            `json:"createdBy"`
	ResolvedAt         *time.Time        `json:"resolvedAt"`
	ResolutionNote     *string           `json:"resolutionNote"`
	CreatedAt          time.Time         `json:"createdAt"`
	UpdatedAt          time.Time         `json:"updatedAt"`
	Timeline           []eventOut        `json:"timeline"`
	AllowedTransitions []string          `json:"allowedTransitions"`
	Assignee           *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Role string `json:"role"`
	} `json:"assignee"`
	TemporalURL string `json:"temporalUrl"`
}

type eventOut struct {
	ID            string          `json:"id"`
	CaseID        string          `json:"caseId"`
	EventType     string          `json:"eventType"`
	ActorID       *string         `json:"actorId"`
	ActorName     *string         `json:"actorName"`
	Description   string          `json:"description"`
	PreviousValue json.RawMessage `json:"previousValue"`
	NewValue      json.RawMessage `json:"newValue"`
	Metadata      json.RawMessage `json:"metadata"`
	CreatedAt     time.Time       `json:"createdAt"`
}

type pageOut struct {
	Items      []caseOut `json:"items"`
	Total      int       `json:"total"`
	Page       int       `json:"page"`
	Limit      int       `json:"limit"`
	TotalPages int       `json:"totalPages"`
	Capped     *bool     `json:"totalCapped"`
}

// investigation is a valid create body; edit the copy it returns.
func investigation(client string) map[string]any {
	return map[string]any{
		"type":        "SUSPICIOUS_TRANSACTION",
		"priority":    "HIGH",
		"title":       "Structuring on account 4411",
		"description": "Nine cash deposits just under the reporting threshold.",
		"client":      map[string]any{"name": client, "email": strings.ToLower(strings.ReplaceAll(client, " ", ".")) + "@example.com", "externalId": "CUST-" + client},
		"tags":        []string{"cash", "structuring"},
		"metadata":    map[string]any{"source": "monitoring", "score": 87},
		"properties":  map[string]string{"branch": "Leeds"},
	}
}

func (h *harness) createCase(t *testing.T, role contract.Role, body map[string]any) caseOut {
	t.Helper()
	r := h.do(t, role, http.MethodPost, "/cases", body)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	return decode[caseOut](t, r)
}

func (h *harness) move(t *testing.T, id, status, note string) response {
	t.Helper()
	return h.do(t, contract.RoleComplianceOfficer, http.MethodPatch, "/cases/"+id+"/status",
		map[string]string{"status": status, "resolutionNote": note})
}
