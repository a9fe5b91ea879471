package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/api"
	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// fiberParam is a path parameter as Fiber writes it (:id, :id?).
var fiberParam = regexp.MustCompile(`:([A-Za-z0-9_]+)\??`)

// TestOpenAPIDocumentsEveryRoute holds api/openapi.yaml and the routes the
// app serves to each other: every route is documented, and the document
// has no operation the app does not serve.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	e2e := suite(t)
	// Every optional route on: the codec is served only with keys.
	cfg := e2e.cfg
	cfg.Codec.Keys = temporalclient.NewCodecKey("openapi")
	app := api.New(cfg, e2e.store, e2e.temporal, slog.New(slog.DiscardHandler))
	var served []string
	for _, r := range app.GetRoutes(true) { // true: without middleware (Use, groups)
		if r.Method == http.MethodHead {
			continue // Fiber serves HEAD with every GET
		}
		op := r.Method + " " + fiberParam.ReplaceAllString(r.Path, "{$1}")
		if !slices.Contains(served, op) {
			served = append(served, op)
		}
	}
	require.NotEmpty(t, served)

	var documented []string
	for path, item := range apiDoc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}

	var undocumented, unserved []string
	for _, op := range served {
		if !slices.Contains(documented, op) {
			undocumented = append(undocumented, op)
		}
	}
	for _, op := range documented {
		if !slices.Contains(served, op) {
			unserved = append(unserved, op)
		}
	}
	slices.Sort(undocumented)
	slices.Sort(unserved)
	require.Empty(t, undocumented, "routes the app serves that api/openapi.yaml does not describe")
	require.Empty(t, unserved, "operations in api/openapi.yaml that the app does not serve")
}

// TestOpenAPIDocumentServed fetches the document as a client would, with
// no token, and loads it.
func TestOpenAPIDocumentServed(t *testing.T) {
	e2e := suite(t)
	req, err := http.NewRequest(http.MethodGet, e2e.baseURL+"/api/v1/openapi.json", nil)
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	require.Contains(t, res.Header.Get("Content-Type"), "application/json")
	conform(t, req, nil, res.StatusCode, res.Header, body)

	doc, err := openapi3.NewLoader().LoadFromData(body)
	require.NoError(t, err, "the served document loads")
	require.NoError(t, doc.Validate(t.Context()), "the served document is valid OpenAPI")
	require.Equal(t, "3.0.3", doc.OpenAPI)
	require.Equal(t, apiDoc.Paths.Len(), doc.Paths.Len(), "the served document is api/openapi.yaml")
	require.NotNil(t, doc.Paths.Find("/api/v1/cases/{id}"))
}

// TestOpenAPICodecEndpoints sends the codec endpoints, which answer
// outside the envelope, through the document.
func TestOpenAPICodecEndpoints(t *testing.T) {
	e2e := suite(t)
	cfg := e2e.cfg
	cfg.Codec.Keys, cfg.Codec.EndpointAuth = temporalclient.NewCodecKey("openapi"), "token"
	baseURL, stop, err := listen(api.New(cfg, e2e.store, e2e.temporal, slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	defer stop()
	post := func(path, token, body string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, baseURL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		conform(t, req, []byte(body), res.StatusCode, res.Header, b)
		return res.StatusCode, b
	}
	officer := e2e.users[contract.RoleComplianceOfficer].token
	plain := `{"payloads":[{"metadata":{"encoding":"anNvbi9wbGFpbg=="},"data":"IkphbmUgUm9lIg=="}]}`

	status, encoded := post("/codec/encode", officer, plain)
	require.Equal(t, http.StatusOK, status, "%s", encoded)
	require.NotContains(t, string(encoded), "IkphbmUgUm9lIg==")
	status, decoded := post("/codec/decode", officer, string(encoded))
	require.Equal(t, http.StatusOK, status, "%s", decoded)
	require.JSONEq(t, plain, string(decoded))

	status, _ = post("/codec/decode", officer, `{"payloads": 1}`)
	require.Equal(t, http.StatusBadRequest, status)
	status, _ = post("/codec/decode", "", plain)
	require.Equal(t, http.StatusUnauthorized, status)
	status, _ = post("/codec/decode", e2e.users[contract.RoleAnalyst].token, plain)
	require.Equal(t, http.StatusForbidden, status)
}
