package main

// The clients of a chaos run: each takes investigations one at a time and
// drives each from creation to CLOSED, sending every write with an
// Idempotency-Key of its own and the same body until it is acknowledged.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"
)

// chaosPath is the statuses a chaos case moves through after OPEN, in order.
func chaosPath() []string {
	return []string{"IN_PROGRESS", "PENDING_REVIEW", "RESOLVED_FALSE_POSITIVE", "CLOSED"}
}

// chaosCase is one investigation of the run.
type chaosCase struct {
	index int
	// screening cases are opened by a transaction verdict (POST
	// /screenings), which e-mails every officer and admin; the others by
	// POST /cases.
	screening bool
	id        string
	writes    []*chaosWrite
	started   time.Time
	closed    time.Time
	// gaveUp says why the case was abandoned: an answer no retry can
	// change, or the run's deadline.
	gaveUp string
}

// chaosWrite is one change, sent until acknowledged.
type chaosWrite struct {
	name   string // e.g. "create", "note 1", "status CLOSED"
	kind   string // create, screening, assign, note, status
	method string
	path   string // under /api/v1; ":id" is the case's ID
	token  string
	key    string
	body   []byte
	// target is a status change's status; note a note's content.
	target string
	note   string

	attempts []chaosAttempt
	acked    bool
	ackAt    time.Time
	// ackHow says what acknowledged it: "answer", "replayed answer", or a
	// 409 that proves the change was made (see judge).
	ackHow    string
	ackStatus int
	ackBody   []byte
}

// chaosAttempt is one request of a write and what came back.
type chaosAttempt struct {
	at, done time.Time
	// outcome is the status and error code ("503 SERVICE_UNAVAILABLE"), or
	// what went wrong before an answer ("connection refused").
	outcome string
	status  int
	// expected is false for an answer the promise rules out: a 5xx
	// other than 503, a 4xx that does not prove the change was made.
	expected bool
}

// answer is a response as the run reads it.
type answer struct {
	status    int
	code      string
	from      string // an INVALID_TRANSITION's current status
	body      []byte
	replayed  bool
	transport string // set when no answer came
}

func (a answer) outcome() string {
	switch {
	case a.transport != "":
		return a.transport
	case a.code != "":
		return fmt.Sprintf("%d %s", a.status, a.code)
	}
	return fmt.Sprint(a.status)
}

// verdict is what a client does with an answer.
type verdict int

const (
	retry         verdict = iota // not applied, or not known: send it again
	acknowledged                 // the change is made
	confirmClosed                // CASE_CLOSED to the closing write: read the case to be sure
	giveUp                       // no retry can change this answer
)

// judge decides what an answer to w means. A retry carries the same key
// and body, so the workflow receives the same update ID and applies it at
// most once; the answers that matter are those where the first attempt's
// answer was lost:
//
//   - 2xx, first or replayed: acknowledged.
//   - 503: an outage; 409 REQUEST_IN_PROGRESS: an earlier attempt still
//     holds the key (its API process may have died with it, and the key
//     is free again after idempotency.lease). Both: retry.
//   - 409 CASE_CLOSED to the closing write: the workflow has completed,
//     so the retry cannot reach it. The case closes only by this write of
//     this client, so CLOSED proves the first attempt applied; the case is
//     read to be sure. To any other write it is a failure.
//   - 409 INVALID_TRANSITION to a status change, naming a current status
//     at or past the target on the path: only this client moves the case,
//     one write at a time, so it can be there only if this write took.
//     The workflow answers a repeated update ID with its first answer, so
//     this should not happen; judge accepts it because the audit timeline
//     check proves or disproves it (the change must be there exactly once).
//   - any other 5xx: a bug (500 is never an outage's answer), but the key
//     was released, so retry, and the run fails on it.
//   - any other 4xx: given up.
func judge(w *chaosWrite, a answer) (verdict, bool) {
	switch {
	case a.transport != "":
		return retry, true
	case a.status >= 200 && a.status < 300:
		return acknowledged, true
	case a.status == http.StatusServiceUnavailable:
		return retry, true
	case a.status == http.StatusConflict && a.code == "REQUEST_IN_PROGRESS":
		return retry, true
	case a.status == http.StatusConflict && a.code == "CASE_CLOSED" && w.kind == "status" && w.target == "CLOSED":
		return confirmClosed, true
	case a.status == http.StatusConflict && a.code == "INVALID_TRANSITION" && w.kind == "status" && pastOnPath(a.from, w.target):
		return acknowledged, true
	case a.status >= 500:
		return retry, false
	}
	return giveUp, false
}

// pastOnPath reports whether status is target or later on chaosPath.
func pastOnPath(status, target string) bool {
	path := chaosPath()
	i, j := slices.Index(path, status), slices.Index(path, target)
	return i >= 0 && j >= 0 && i >= j
}

// chaosProgress is what the clients and the fault injector share.
type chaosProgress struct {
	mu      sync.Mutex
	limit   int // cases released to the clients
	next    int // the next case to hand out
	started int
	closed  int
	busy    []bool
	lastAck []time.Time
	acks    int
	// released is closed, and replaced, when limit grows.
	released chan struct{}
	inflight atomic.Int64
}

func newChaosProgress(clients, limit int) *chaosProgress {
	return &chaosProgress{limit: limit, busy: make([]bool, clients), lastAck: make([]time.Time, clients),
		released: make(chan struct{})}
}

// take hands client c the next released case, waiting for a release;
// false when every case is handed out or ctx ends.
func (p *chaosProgress) take(ctx context.Context, c, total int) (int, bool) {
	for {
		p.mu.Lock()
		if p.next >= total {
			p.busy[c] = false
			p.mu.Unlock()
			return 0, false
		}
		if p.next < p.limit {
			i := p.next
			p.next++
			p.started++
			p.busy[c] = true
			p.mu.Unlock()
			return i, true
		}
		p.busy[c] = false
		wait := p.released
		p.mu.Unlock()
		select {
		case <-ctx.Done():
			return 0, false
		case <-wait:
		}
	}
}

func (p *chaosProgress) release(limit int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if limit > p.limit {
		p.limit = limit
		close(p.released)
		p.released = make(chan struct{})
	}
}

func (p *chaosProgress) acked(c int, at time.Time) {
	p.mu.Lock()
	p.lastAck[c] = at
	p.acks++
	p.mu.Unlock()
}

// ackedWrites counts the writes acknowledged so far.
func (p *chaosProgress) ackedWrites() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.acks
}

// finished frees client c; closed says whether its case reached CLOSED.
func (p *chaosProgress) finished(c int, closed bool) {
	p.mu.Lock()
	if closed {
		p.closed++
	}
	p.busy[c] = false
	p.mu.Unlock()
}

func (p *chaosProgress) counts() (started, closed int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.started, p.closed
}

// moving reports whether every client holding a case has had a write
// acknowledged since t: the system has recovered from what happened then.
func (p *chaosProgress) moving(since time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c, busy := range p.busy {
		if busy && p.lastAck[c].Before(since) {
			return false
		}
	}
	return true
}

// chaosDriver sends the run's requests.
type chaosDriver struct {
	apiURL string
	// readToken is the token reads go with.
	readToken  string
	http       *http.Client
	cases      []*chaosCase
	progress   *chaosProgress
	maxBackoff time.Duration
}

func newChaosDriver(apiURL, readToken string, clients int, cases []*chaosCase, firstRelease int) *chaosDriver {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 2 * clients
	return &chaosDriver{
		apiURL:    apiURL,
		readToken: readToken,
		// Longer than temporal.callTimeout and a database dial together: a
		// request that takes longer has hung, and is counted against the run.
		http:       &http.Client{Transport: transport, Timeout: time.Minute},
		cases:      cases,
		progress:   newChaosProgress(clients, firstRelease),
		maxBackoff: 2 * time.Second,
	}
}

// planCases lays out every case's writes before the run, so each write has
// its key and body, byte for byte the same on every attempt.
func planCases(run string, n int, officerToken, analystToken, officerID string) []*chaosCase {
	cases := make([]*chaosCase, n)
	for i := range cases {
		c := &chaosCase{index: i, screening: i%2 == 1}
		key := func(step string) string { return fmt.Sprintf("chaos-%s-%d-%s", run, i, step) }
		if c.screening {
			tx := uuid.NewSHA1(uuid.NameSpaceURL, []byte("caseflow:chaos/"+run+"/"+fmt.Sprint(i))).String()
			c.writes = append(c.writes, &chaosWrite{name: "create (screening)", kind: "screening", method: http.MethodPost,
				path: "/screenings", token: officerToken, key: key("create"), body: mustJSON(map[string]any{
					"transactionId": tx, "externalId": fmt.Sprintf("CHAOS-%s-%d", run, i), "amount": "9500.00", "currency": "EUR",
					"sender":   map[string]string{"name": "Chaos Sender", "account": "GB29NWBK60161331926819", "country": "GB"},
					"receiver": map[string]string{"name": "Chaos Receiver", "country": "AE"},
					"outcome":  "REVIEW", "riskLevel": "MEDIUM", "aggregateScore": 55.5, "totalLatencyMs": 12, "hits": []any{},
				})})
		} else {
			c.writes = append(c.writes, &chaosWrite{name: "create", kind: "create", method: http.MethodPost,
				path: "/cases", token: analystToken, key: key("create"), body: mustJSON(map[string]any{
					"type": "AML_ALERT", "priority": "HIGH", "title": fmt.Sprintf("Chaos case %d", i),
					"description": "Opened by caseflow chaos.",
					"client":      map[string]string{"name": "Chaos Client", "email": "chaos.client@example.com"},
				})})
		}
		c.writes = append(c.writes, &chaosWrite{name: "assign", kind: "assign", method: http.MethodPatch,
			path: "/cases/:id/assign", token: officerToken, key: key("assign"), body: mustJSON(map[string]any{"assigneeId": officerID})})
		note := func(n int) *chaosWrite {
			content := fmt.Sprintf("Chaos note %d of case %d (run %s).", n, i, run)
			return &chaosWrite{name: fmt.Sprintf("note %d", n), kind: "note", method: http.MethodPost, path: "/cases/:id/notes",
				token: analystToken, key: key(fmt.Sprintf("note%d", n)), body: mustJSON(map[string]string{"content": content}), note: content}
		}
		status := func(to string) *chaosWrite {
			body := map[string]string{"status": to}
			if to == "RESOLVED_FALSE_POSITIVE" || to == "CLOSED" {
				body["resolutionNote"] = "Closed by caseflow chaos."
			}
			return &chaosWrite{name: "status " + to, kind: "status", method: http.MethodPatch, path: "/cases/:id/status",
				token: officerToken, key: key(strings.ToLower(to)), body: mustJSON(body), target: to}
		}
		path := chaosPath()
		c.writes = append(c.writes, note(1), status(path[0]), note(2), status(path[1]), status(path[2]), status(path[3]))
		cases[i] = c
	}
	return cases
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the run's own literals
	}
	return b
}

// client is one of the run's clients: it drives case after case.
func (d *chaosDriver) client(ctx context.Context, c int) {
	for {
		i, ok := d.progress.take(ctx, c, len(d.cases))
		if !ok {
			return
		}
		d.drive(ctx, c, d.cases[i])
		d.progress.finished(c, !d.cases[i].closed.IsZero())
	}
}

// drive takes one case from creation to CLOSED.
func (d *chaosDriver) drive(ctx context.Context, c int, cs *chaosCase) {
	cs.started = time.Now()
	for _, w := range cs.writes {
		if why := d.send(ctx, c, cs, w); why != "" {
			cs.gaveUp = fmt.Sprintf("%s: %s", w.name, why)
			return
		}
		if w.kind == "create" || w.kind == "screening" {
			id, err := createdID(w)
			if err != nil {
				cs.gaveUp = fmt.Sprintf("%s: %v", w.name, err)
				return
			}
			cs.id = id
		}
	}
	cs.closed = cs.writes[len(cs.writes)-1].ackAt
}

// createdID reads the case ID from a create's answer: POST /cases gives
// the case, POST /screenings its ID.
func createdID(w *chaosWrite) (string, error) {
	var env struct {
		Data struct {
			ID     string `json:"id"`
			CaseID string `json:"caseId"`
		} `json:"data"`
	}
	if err := json.Unmarshal(w.ackBody, &env); err != nil {
		return "", fmt.Errorf("read the created case: %w", err)
	}
	if id := env.Data.ID + env.Data.CaseID; id != "" {
		return id, nil
	}
	return "", fmt.Errorf("no case ID in %s", w.ackBody)
}

// send sends w until it is acknowledged; it returns why it gave up.
func (d *chaosDriver) send(ctx context.Context, c int, cs *chaosCase, w *chaosWrite) string {
	path := strings.ReplaceAll(w.path, ":id", cs.id)
	for n := 0; ; n++ {
		if ctx.Err() != nil {
			return "the run's deadline passed before it was acknowledged"
		}
		at := time.Now()
		a := d.do(ctx, w.method, path, w.token, w.key, w.body)
		v, expected := judge(w, a)
		if a.transport == "" && ctx.Err() != nil {
			return "the run's deadline passed before it was acknowledged"
		}
		w.attempts = append(w.attempts, chaosAttempt{at: at, done: time.Now(), outcome: a.outcome(), status: a.status, expected: expected})
		if v == confirmClosed {
			v = d.confirmClosed(ctx, cs.id)
		}
		switch v {
		case acknowledged:
			w.acked, w.ackAt, w.ackStatus, w.ackBody = true, time.Now(), a.status, a.body
			w.ackHow = "answer"
			switch {
			case a.replayed:
				w.ackHow = "replayed answer"
			case a.status >= 400:
				w.ackHow = a.outcome()
			}
			d.progress.acked(c, w.ackAt)
			return ""
		case giveUp:
			return fmt.Sprintf("answered %s: %s", a.outcome(), bytes.TrimSpace(a.body))
		}
		// Backoff with jitter, so the clients do not retry in step.
		wait := min(100*time.Millisecond<<min(n, 5), d.maxBackoff)
		pause(ctx, time.Duration(float64(wait)*(0.5+rand.Float64())))
	}
}

// confirmClosed reads the case after a CASE_CLOSED answer to its closing
// write: CLOSED means that write took.
func (d *chaosDriver) confirmClosed(ctx context.Context, id string) verdict {
	for ctx.Err() == nil {
		a := d.do(ctx, http.MethodGet, "/cases/"+id, "", "", nil)
		if a.status == http.StatusOK {
			var env struct {
				Data struct {
					Status string `json:"status"`
				} `json:"data"`
			}
			if json.Unmarshal(a.body, &env) == nil && env.Data.Status == "CLOSED" {
				return acknowledged
			}
			return giveUp
		}
		pause(ctx, 200*time.Millisecond)
	}
	return retry
}

// do sends one request, with the given token or, when empty, the read token.
func (d *chaosDriver) do(ctx context.Context, method, path, token, key string, body []byte) answer {
	if token == "" {
		token = d.readToken
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, d.apiURL+"/api/v1"+path, rd)
	if err != nil {
		return answer{transport: "bad request: " + err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	d.progress.inflight.Add(1)
	defer d.progress.inflight.Add(-1)
	res, err := d.http.Do(req)
	if err != nil {
		return answer{transport: transportError(err)}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{transport: transportError(err)}
	}
	a := answer{status: res.StatusCode, body: data, replayed: res.Header.Get("Idempotent-Replayed") == "true"}
	if res.StatusCode >= 400 {
		var env struct {
			Error struct {
				Code    string `json:"code"`
				Details []struct {
					From string `json:"from"`
				} `json:"details"`
			} `json:"error"`
		}
		if json.Unmarshal(data, &env) == nil {
			a.code = env.Error.Code
			if len(env.Error.Details) > 0 {
				a.from = env.Error.Details[0].From
			}
		}
	}
	return a
}

// transportError names why no answer came, in a few classes.
func transportError(err error) string {
	var netErr net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed before an answer"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "cancelled by the run's deadline"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "no answer within the client's timeout"
	}
	return "transport error: " + err.Error()
}
