package api_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/caseflow/caseflow/api"
	"github.com/caseflow/caseflow/workflows"
	"github.com/caseflow/caseflow/workflows/contract"
)

func verdictBody(outcome, risk string, hits ...string) map[string]any {
	h := []map[string]any{}
	for _, t := range hits {
		h = append(h, map[string]any{"type": t, "score": 0.93, "details": map[string]string{"list": "OFAC SDN"}})
	}
	return map[string]any{
		"transactionId": uuid.NewString(), "externalId": "TX-" + uuid.NewString()[:8],
		"amount": "12500.00", "currency": "EUR",
		"sender":   map[string]string{"name": "Jane Roe", "account": "GB29NWBK60161331926819", "country": "GB"},
		"receiver": map[string]string{"name": "Acme Trading FZE", "country": "AE"},
		"outcome":  outcome, "riskLevel": risk, "aggregateScore": 87.5, "totalLatencyMs": 42, "hits": h,
	}
}

type screeningOut struct {
	CaseID     *string `json:"caseId"`
	CaseType   *string `json:"caseType"`
	CaseClosed bool    `json:"caseClosed"`
}

type txDetail struct {
	caseOut
	RelatedTransaction *struct {
		ID       string `json:"id"`
		Amount   string `json:"amount"`
		Outcome  string `json:"outcome"`
		Verdicts []struct {
			Deliveries int `json:"deliveries"`
		} `json:"verdicts"`
	} `json:"relatedTransaction"`
}

func (h *harness) screen(t *testing.T, body map[string]any) screeningOut {
	t.Helper()
	r := h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/screenings", body)
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	return decode[screeningOut](t, r)
}

// waitForCase waits until the case is in the projection.
func (h *harness) waitForCase(t *testing.T, id string) txDetail {
	t.Helper()
	var d txDetail
	require.Eventually(t, func() bool {
		r := call(t, h.baseURL, http.MethodGet, "/api/v1/cases/"+id, h.users[contract.RoleAnalyst].token, nil)
		if r.status != http.StatusOK {
			return false
		}
		d = decode[txDetail](t, r)
		return true
	}, 15*time.Second, 20*time.Millisecond, "case %s appears", id)
	return d
}

func TestConcurrentDeliveriesOpenOneCase(t *testing.T) {
	h := suite(t)
	body := verdictBody("BLOCK", "HIGH", "SANCTIONS")
	const deliveries = 50
	ids := make([]string, deliveries)
	var wg sync.WaitGroup
	for i := range deliveries {
		wg.Go(func() {
			r := h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/screenings", body)
			if r.status == http.StatusAccepted {
				ids[i] = *decode[screeningOut](t, r).CaseID
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		require.Equal(t, ids[0], id, "every delivery names the one case")
	}
	d := h.waitForCase(t, ids[0])
	require.Equal(t, "SANCTIONS_HIT", d.Type)
	require.Equal(t, "HIGH", d.Priority)
	require.Regexp(t, `^Blocked transaction TX-`, d.Title)

	// One CASE_CREATED by the system and one TRANSACTION_LINKED, whatever
	// the number of deliveries.
	require.Eventually(t, func() bool { return len(h.waitForCase(t, ids[0]).Timeline) >= 2 }, 10*time.Second, 20*time.Millisecond)
	d = h.waitForCase(t, ids[0])
	require.Len(t, d.Timeline, 2)
	require.Equal(t, "CASE_CREATED", d.Timeline[0].EventType)
	require.Nil(t, d.Timeline[0].ActorID)
	require.Equal(t, "TRANSACTION_LINKED", d.Timeline[1].EventType)
	require.Equal(t, body["transactionId"], d.RelatedTransaction.ID)
	require.Equal(t, "12500.00", d.RelatedTransaction.Amount, "as the screening system sent it")
	require.Len(t, d.RelatedTransaction.Verdicts, 1)
	require.Equal(t, deliveries, d.RelatedTransaction.Verdicts[0].Deliveries)

	// Every officer and admin hears of it, once.
	officers, err := h.store.Officers(t.Context())
	require.NoError(t, err)
	for _, o := range officers {
		require.Eventually(t, func() bool { return len(mailsAbout(h, o.Email, d.CaseNumber)) > 0 }, 15*time.Second, 20*time.Millisecond, o.Email)
	}
	var notes int
	require.NoError(t, h.store.DB().Get(&notes, `SELECT count(*) FROM notifications WHERE case_id = $1 AND kind = 'NEW_CASE'`, d.ID))
	require.Equal(t, len(officers), notes)
	for _, o := range officers {
		require.Len(t, mailsAbout(h, o.Email, d.CaseNumber), 1, o.Email)
	}

	// A later, different verdict for the same transaction joins the case,
	// and names the case's type, not the one it would have opened itself.
	later := withField(body, "aggregateScore", 95.0)
	later["outcome"], later["hits"] = "ESCALATE", []map[string]any{} // alone, an AML_ALERT
	again := h.screen(t, later)
	require.Equal(t, ids[0], *again.CaseID)
	require.Equal(t, "SANCTIONS_HIT", *again.CaseType)
	require.Eventually(t, func() bool { return len(h.waitForCase(t, ids[0]).Timeline) == 3 }, 10*time.Second, 20*time.Millisecond)
	d = h.waitForCase(t, ids[0])
	require.Equal(t, "TRANSACTION_LINKED", d.Timeline[2].EventType)
	require.Len(t, d.RelatedTransaction.Verdicts, 2)
}

func mailsAbout(h *harness, to, caseNumber string) []string {
	var out []string
	for _, m := range h.mail.To(to) {
		if strings.Contains(m.Subject, caseNumber) && strings.HasPrefix(m.Subject, "New case") {
			out = append(out, m.Subject)
		}
	}
	return out
}

func withField(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}

func TestScreeningRulesEndToEnd(t *testing.T) {
	h := suite(t)
	tests := []struct {
		body     map[string]any
		caseType string
		priority string
	}{
		{verdictBody("BLOCK", "MEDIUM"), "SUSPICIOUS_TRANSACTION", "HIGH"},
		{verdictBody("ESCALATE", "MEDIUM"), "AML_ALERT", "MEDIUM"},
		{verdictBody("REVIEW", "LOW"), "AML_ALERT", "LOW"},
		{verdictBody("REVIEW", "CRITICAL", "SANCTIONS"), "SANCTIONS_HIT", "CRITICAL"},
		{verdictBody("ESCALATE", "HIGH", "PEP"), "PEP_MATCH", "HIGH"},
		{verdictBody("REVIEW", "MEDIUM", "BEHAVIORAL"), "BEHAVIORAL_ANOMALY", "MEDIUM"},
	}
	for _, tt := range tests {
		t.Run(tt.caseType+" from "+tt.body["outcome"].(string), func(t *testing.T) {
			out := h.screen(t, tt.body)
			require.Equal(t, tt.caseType, *out.CaseType)
			d := h.waitForCase(t, *out.CaseID)
			require.Equal(t, tt.caseType, d.Type)
			require.Equal(t, tt.priority, d.Priority)
		})
	}
	t.Run("APPROVE opens nothing, but is kept", func(t *testing.T) {
		body := verdictBody("APPROVE", "LOW")
		out := h.screen(t, body)
		require.Nil(t, out.CaseID)
		tx, err := h.store.GetTransaction(t.Context(), body["transactionId"].(string))
		require.NoError(t, err)
		require.Equal(t, "APPROVE", tx.Outcome)
		r := h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases/"+contract.TransactionCaseID(tx.ID), nil)
		requireError(t, r, http.StatusNotFound, "NOT_FOUND")
	})
	t.Run("bad verdicts name the field", func(t *testing.T) {
		for field, v := range map[string]any{"amount": 12.5, "currency": "euro", "outcome": "DENY", "transactionId": "TX-9"} {
			r := h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/screenings", withField(verdictBody("BLOCK", "HIGH"), field, v))
			requireError(t, r, http.StatusUnprocessableEntity, contract.CodeValidation)
			require.Contains(t, string(r.body), `"field":"`+field+`"`)
		}
		requireError(t, h.do(t, contract.RoleAnalyst, http.MethodPost, "/screenings", verdictBody("BLOCK", "HIGH")), http.StatusForbidden, "FORBIDDEN")
	})
}

// isolated is an API on a task queue of its own, with no worker until
// start is called: a worker that is down, on demand.
type isolated struct {
	baseURL string
	start   func()
}

func (h *harness) isolatedAPI(t *testing.T, callTimeout time.Duration) isolated {
	cfg := h.cfg
	cfg.Temporal.TaskQueue = "isolated-" + uuid.NewString()
	cfg.Temporal.CallTimeout = callTimeout
	baseURL, stop, err := listen(api.New(cfg, h.store, h.temporal, slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(stop)
	var once sync.Once
	return isolated{baseURL: baseURL, start: func() {
		once.Do(func() {
			w := worker.New(h.temporal, cfg.Temporal.TaskQueue, worker.Options{})
			workflows.Register(w)
			h.acts.Register(w)
			require.NoError(t, w.Start())
			t.Cleanup(w.Stop)
		})
	}}
}

func TestDeliveryWhileTheWorkerIsDown(t *testing.T) {
	h := suite(t)
	iso := h.isolatedAPI(t, 10*time.Second)
	tok := h.users[contract.RoleComplianceOfficer].token
	r := call(t, iso.baseURL, http.MethodPost, "/api/v1/screenings", tok, verdictBody("ESCALATE", "HIGH"))
	require.Equal(t, http.StatusAccepted, r.status, "accepted with no worker running: %s", r.body)
	id := *decode[screeningOut](t, r).CaseID

	// Nothing can happen yet: no worker polls the queue.
	require.Never(t, func() bool {
		_, err := h.store.GetCase(t.Context(), id)
		return err == nil
	}, 500*time.Millisecond, 50*time.Millisecond)
	iso.start()
	d := h.waitForCase(t, id)
	require.Equal(t, "AML_ALERT", d.Type)
}

func TestIdempotentCreate(t *testing.T) {
	h := suite(t)
	analyst, admin := h.users[contract.RoleAnalyst], h.users[contract.RoleBankAdmin]
	post := func(baseURL, token, key string, body any) response {
		t.Helper()
		return callWithHeader(t, baseURL, http.MethodPost, "/api/v1/cases", token, body, map[string]string{"Idempotency-Key": key})
	}
	body := investigation("Idem Person")
	key := "create-" + uuid.NewString()

	first := post(h.baseURL, analyst.token, key, body)
	require.Equal(t, http.StatusCreated, first.status, "%s", first.body)
	again := post(h.baseURL, analyst.token, key, body)
	require.Equal(t, http.StatusCreated, again.status)
	require.Equal(t, first.body, again.body, "the same body, byte for byte")
	require.Equal(t, "true", again.header.Get("Idempotent-Replayed"))

	// Spacing and key order are not a different request.
	reordered := `{"tags":["cash","structuring"],` + strings.TrimPrefix(string(mustJSON(t, body)), "{")
	require.Equal(t, first.body, post(h.baseURL, analyst.token, key, reordered).body)

	requireError(t, post(h.baseURL, analyst.token, key, investigation("Someone Else")), http.StatusUnprocessableEntity, "IDEMPOTENCY_KEY_REUSED")
	other := post(h.baseURL, admin.token, key, body)
	require.Equal(t, http.StatusCreated, other.status, "keys are per caller")
	require.NotEqual(t, decode[caseOut](t, first).ID, decode[caseOut](t, other).ID)

	// A restarted API process replays from Postgres.
	restarted, stop, err := listen(api.New(h.cfg, h.store, h.temporal, slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	defer stop()
	require.Equal(t, first.body, post(restarted, analyst.token, key, body).body)

	requireError(t, post(h.baseURL, analyst.token, strings.Repeat("k", 256), body), http.StatusBadRequest, "INVALID_IDEMPOTENCY_KEY")
	requireError(t, post(h.baseURL, analyst.token, "clé-1", body), http.StatusBadRequest, "INVALID_IDEMPOTENCY_KEY")
}

func TestIdempotentCreateInFlightAndAfterAFailure(t *testing.T) {
	h := suite(t)
	analyst := h.users[contract.RoleAnalyst]
	body := investigation("In Flight")
	key := "inflight-" + uuid.NewString()
	iso := h.isolatedAPI(t, 3*time.Second)
	post := func(baseURL string) response {
		return callWithHeader(t, baseURL, http.MethodPost, "/api/v1/cases", analyst.token, body, map[string]string{"Idempotency-Key": key})
	}

	// With no worker, the first request waits on its workflow...
	done := make(chan response, 1)
	go func() { done <- post(iso.baseURL) }()
	require.Eventually(t, func() bool {
		var n int
		_ = h.store.DB().Get(&n, `SELECT count(*) FROM idempotency_keys WHERE key = $1`, key)
		return n == 1
	}, 5*time.Second, 10*time.Millisecond)
	// ...and a second one meanwhile is told so.
	requireError(t, post(iso.baseURL), http.StatusConflict, "REQUEST_IN_PROGRESS")

	// The first gives up (503) with its workflow started; the key is
	// released, and the retry reaches the same case rather than a second.
	first := <-done
	requireError(t, first, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	iso.start()
	retry := post(iso.baseURL)
	require.Equal(t, http.StatusCreated, retry.status, "%s", retry.body)
	var resource string
	require.NoError(t, h.store.DB().Get(&resource, `SELECT resource_id FROM idempotency_keys WHERE key = $1`, key))
	require.Equal(t, resource, decode[caseOut](t, retry).ID)
	var cases int
	require.NoError(t, h.store.DB().Get(&cases, `SELECT count(*) FROM cases WHERE title = $1 AND client_name = 'In Flight'`, body["title"]))
	require.Equal(t, 1, cases)
}

func TestIdempotentScreening(t *testing.T) {
	h := suite(t)
	body := verdictBody("REVIEW", "LOW")
	headers := map[string]string{"Idempotency-Key": "screen-" + uuid.NewString()}
	tok := h.users[contract.RoleComplianceOfficer].token
	a := callWithHeader(t, h.baseURL, http.MethodPost, "/api/v1/screenings", tok, body, headers)
	b := callWithHeader(t, h.baseURL, http.MethodPost, "/api/v1/screenings", tok, body, headers)
	require.Equal(t, http.StatusAccepted, b.status)
	require.Equal(t, a.body, b.body)
	require.Equal(t, "true", b.header.Get("Idempotent-Replayed"))
	requireError(t, callWithHeader(t, h.baseURL, http.MethodPost, "/api/v1/screenings", tok, verdictBody("REVIEW", "LOW"), headers),
		http.StatusUnprocessableEntity, "IDEMPOTENCY_KEY_REUSED")
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, jsonEncoder(&b).Encode(v))
	return bytes.TrimSpace(b.Bytes())
}
