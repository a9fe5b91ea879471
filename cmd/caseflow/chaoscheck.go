package main

// Reconciliation: what the clients were told against what the API,
// Postgres and the SMTP sink hold once the run is over, and the figures
// of the report.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/caseflow/caseflow/activities/mailtest"

	benchcmd "github.com/caseflow/caseflow/cmd/caseflow/bench"
)

// chaosCheck is one promise, reconciled over every case.
type chaosCheck struct {
	name     string
	ok       bool
	summary  string
	problems []string
}

func newCheck(name string, problems []string, summary string, args ...any) chaosCheck {
	return chaosCheck{name: name, ok: len(problems) == 0, summary: fmt.Sprintf(summary, args...), problems: problems}
}

// chaosEvent is one timeline event as either source shows it.
type chaosEvent struct {
	ID          string    `json:"id" db:"id"`
	CaseID      string    `json:"caseId" db:"case_id"`
	Seq         int64     `json:"-" db:"seq"`
	Type        string    `json:"eventType" db:"event_type"`
	Description string    `json:"description" db:"description"`
	NewValue    chaosJSON `json:"newValue" db:"new_value"`
}

// chaosJSON is a JSON value read from either source: the API's JSON or a
// jsonb column, NULL included.
type chaosJSON []byte

func (j *chaosJSON) UnmarshalJSON(b []byte) error {
	*j = append((*j)[:0], b...)
	return nil
}

func (j *chaosJSON) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*j = nil
	case []byte:
		*j = append((*j)[:0], v...)
	case string:
		*j = chaosJSON(v)
	default:
		return fmt.Errorf("chaos: cannot scan %T as JSON", src)
	}
	return nil
}

// chaosDetail is GET /cases/:id as the checks read it.
type chaosDetail struct {
	ID       string       `json:"id"`
	Status   string       `json:"status"`
	Timeline []chaosEvent `json:"timeline"`
}

// chaosNotification is a row of notifications: one e-mail as the workflow
// decided it.
type chaosNotification struct {
	ID        string         `db:"id"`
	CaseID    sql.NullString `db:"case_id"`
	Kind      string         `db:"kind"`
	Recipient string         `db:"recipient"`
	ToAddress string         `db:"to_address"`
	SentAt    sql.NullTime   `db:"sent_at"`
}

// reconcile waits for the system to settle, then checks every promise.
// The checks are the run's unit: the report's last line counts them.
func reconcile(ctx context.Context, log *slog.Logger, env *chaosEnv, d *chaosDriver, res *chaosResult, settle time.Duration) []chaosCheck {
	expectedMail := 0
	for _, cs := range res.cases {
		if cs.screening && cs.id != "" {
			expectedMail += env.officers
		}
	}
	settled := waitSettled(ctx, env, expectedMail, settle)
	if settled != nil {
		log.Warn("chaos: not settled", "err", settled)
	}

	details, apiProblems := fetchDetails(ctx, d, res.cases)
	var (
		rows []struct {
			ID      string `db:"id"`
			Status  string `db:"status"`
			Pending int    `db:"pending"`
		}
		events        []chaosEvent
		notifications []chaosNotification
	)
	db := env.store.DB()
	dbErr := db.SelectContext(ctx, &rows, `SELECT id, status, jsonb_array_length(pending_events) AS pending FROM cases`)
	if dbErr == nil {
		dbErr = db.SelectContext(ctx, &events, `SELECT id, case_id, seq, event_type, description, new_value FROM case_events ORDER BY case_id, seq`)
	}
	if dbErr == nil {
		dbErr = db.SelectContext(ctx, &notifications, `SELECT id, case_id, kind, recipient, to_address, sent_at FROM notifications`)
	}

	checks := []chaosCheck{checkAcknowledged(res.cases)}

	// closed: every case CLOSED, by the client's account, the API's and
	// Postgres's, and no case but the run's exists (a create applied twice
	// would leave one).
	var problems []string
	if dbErr != nil {
		problems = append(problems, "read Postgres: "+dbErr.Error())
	}
	if settled != nil {
		problems = append(problems, settled.Error())
	}
	problems = append(problems, apiProblems...)
	dbStatus := map[string]string{}
	for _, r := range rows {
		dbStatus[r.ID] = r.Status
	}
	closed := 0
	for _, cs := range res.cases {
		switch {
		case cs.closed.IsZero():
			problems = append(problems, fmt.Sprintf("case %d: not closed by the client (%s)", cs.index, orNone(cs.gaveUp)))
		case details[cs.id].Status != "CLOSED":
			problems = append(problems, fmt.Sprintf("case %d (%s): the API says %q", cs.index, cs.id, details[cs.id].Status))
		case dbStatus[cs.id] != "CLOSED":
			problems = append(problems, fmt.Sprintf("case %d (%s): Postgres says %q", cs.index, cs.id, dbStatus[cs.id]))
		default:
			closed++
		}
	}
	if len(rows) != len(res.cases) && dbErr == nil {
		problems = append(problems, fmt.Sprintf("Postgres holds %d cases; the run made %d", len(rows), len(res.cases)))
	}
	checks = append(checks, newCheck("closed", problems, "%d/%d cases CLOSED within %s of the last fault (client, API and Postgres agree); %d cases in Postgres",
		closed, len(res.cases), res.opts.closeWithin, len(rows)))

	// The audit timeline, from the API and from Postgres.
	byCase := map[string][]chaosEvent{}
	for _, e := range events {
		byCase[e.CaseID] = append(byCase[e.CaseID], e)
	}
	pending := map[string]int{}
	for _, r := range rows {
		pending[r.ID] = r.Pending
	}
	var apiTimeline, dbTimeline []string
	changes := 0
	for _, cs := range res.cases {
		if cs.id == "" {
			continue
		}
		changes += len(expectedEvents(cs))
		for _, p := range checkTimeline(cs, details[cs.id].Timeline) {
			apiTimeline = append(apiTimeline, fmt.Sprintf("case %d (%s): %s", cs.index, cs.id, p))
		}
		dbProblems := checkTimeline(cs, byCase[cs.id])
		if seqs := seqProblem(byCase[cs.id]); seqs != "" {
			dbProblems = append(dbProblems, seqs)
		}
		if pending[cs.id] > 0 {
			dbProblems = append(dbProblems, fmt.Sprintf("%d events still pending, not in case_events", pending[cs.id]))
		}
		for _, p := range dbProblems {
			dbTimeline = append(dbTimeline, fmt.Sprintf("case %d (%s): %s", cs.index, cs.id, p))
		}
	}
	if dbErr != nil {
		dbTimeline = append(dbTimeline, "read Postgres: "+dbErr.Error())
	}
	checks = append(checks,
		newCheck("timeline (API)", append(apiProblems, apiTimeline...),
			"GET /cases/:id: %d acknowledged changes and creations each exactly once, no event twice, nothing else", changes),
		newCheck("timeline (Postgres)", dbTimeline,
			"case_events: %d of %d events each exactly once, sequences gapless, none left pending", len(events), changes))

	checks = append(checks, checkMail(res.cases, notifications, env.sink.Messages(), env.officers, dbErr))
	checks = append(checks, checkAnswers(res))
	checks = append(checks, checkReplays(ctx, d, res.cases))
	checks = append(checks, checkFaults(res.faults, env.crashes()))
	return checks
}

// waitSettled waits until the workflows have moved every event to the
// audit timeline and sent every e-mail they decided, and the sink holds as
// many as Postgres says were sent.
func waitSettled(ctx context.Context, env *chaosEnv, expectedMail int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last string
	for {
		var s struct {
			Pending int `db:"pending"`
			Unsent  int `db:"unsent"`
			Sent    int `db:"sent"`
			NewCase int `db:"new_case"`
		}
		err := env.store.DB().GetContext(ctx, &s, `SELECT
			(SELECT count(*) FROM cases WHERE jsonb_array_length(pending_events) > 0) AS pending,
			(SELECT count(*) FROM notifications WHERE sent_at IS NULL) AS unsent,
			(SELECT count(*) FROM notifications WHERE sent_at IS NOT NULL AND to_address <> '') AS sent,
			(SELECT count(*) FROM notifications WHERE kind = 'NEW_CASE') AS new_case`)
		if err == nil {
			if s.Pending == 0 && s.Unsent == 0 && s.NewCase >= expectedMail && len(env.sink.Messages()) >= s.Sent {
				return nil
			}
			last = fmt.Sprintf("%d cases with pending events, %d e-mails unsent, %d of %d NEW_CASE e-mails decided, %d of %d sent ones received",
				s.Pending, s.Unsent, s.NewCase, expectedMail, len(env.sink.Messages()), s.Sent)
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("not settled %s after the clients finished: %s", limit, last)
		}
		pause(ctx, 250*time.Millisecond)
	}
}

// fetchDetails reads every case through the API, a few at a time.
func fetchDetails(ctx context.Context, d *chaosDriver, cases []*chaosCase) (map[string]chaosDetail, []string) {
	var (
		mu       sync.Mutex
		out      = map[string]chaosDetail{}
		problems []string
		wg       sync.WaitGroup
	)
	work := make(chan *chaosCase)
	for range len(d.progress.busy) {
		wg.Go(func() {
			for cs := range work {
				det, err := d.detail(ctx, cs.id)
				mu.Lock()
				if err != nil {
					problems = append(problems, fmt.Sprintf("case %d (%s): %v", cs.index, cs.id, err))
				} else {
					out[cs.id] = det
				}
				mu.Unlock()
			}
		})
	}
	for _, cs := range cases {
		if cs.id != "" {
			work <- cs
		}
	}
	close(work)
	wg.Wait()
	return out, problems
}

// detail reads one case, waiting out a 503 for a while: the system should
// be healthy by now, but it need not fail the run for a slow moment.
func (d *chaosDriver) detail(ctx context.Context, id string) (chaosDetail, error) {
	var last answer
	for range 20 {
		last = d.do(ctx, http.MethodGet, "/cases/"+id, "", "", nil)
		if last.status == http.StatusOK {
			var env struct {
				Data chaosDetail `json:"data"`
			}
			if err := json.Unmarshal(last.body, &env); err != nil {
				return chaosDetail{}, fmt.Errorf("GET: %w", err)
			}
			return env.Data, nil
		}
		if last.status != http.StatusServiceUnavailable && last.transport == "" {
			break
		}
		pause(ctx, 250*time.Millisecond)
	}
	return chaosDetail{}, fmt.Errorf("GET answered %s", last.outcome())
}

// expectedEvent is an event an acknowledged write (or the creation) must
// have put in the timeline exactly once.
type expectedEvent struct {
	name      string
	eventType string
	match     func(chaosEvent) bool
}

// expectedEvents lists what case cs's timeline must hold: the creation
// (and, for a screening case, its verdict) and each acknowledged change.
func expectedEvents(cs *chaosCase) []expectedEvent {
	anyOne := func(chaosEvent) bool { return true }
	out := []expectedEvent{{"creation", "CASE_CREATED", anyOne}}
	if cs.screening {
		out = append(out, expectedEvent{"the verdict", "TRANSACTION_LINKED", anyOne})
	}
	for _, w := range cs.writes {
		if !w.acked {
			continue
		}
		switch w.kind {
		case "assign":
			out = append(out, expectedEvent{w.name, "ASSIGNED", anyOne})
		case "note":
			note := w.note
			out = append(out, expectedEvent{w.name, "NOTE_ADDED", func(e chaosEvent) bool { return e.Description == note }})
		case "status":
			want, _ := json.Marshal(w.target)
			out = append(out, expectedEvent{w.name, "STATUS_CHANGED", func(e chaosEvent) bool { return bytes.Equal(compactJSON(e.NewValue), want) }})
		}
	}
	return out
}

func compactJSON(raw []byte) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

// checkTimeline holds a case's timeline to its expected events: each
// exactly once, no event ID twice, and no event the run did not cause. A
// write never acknowledged may or may not have taken, but at most once.
func checkTimeline(cs *chaosCase, events []chaosEvent) []string {
	var problems []string
	seen := map[string]bool{}
	for _, e := range events {
		if seen[e.ID] {
			problems = append(problems, fmt.Sprintf("event %s (%s) twice", e.ID, e.Type))
		}
		seen[e.ID] = true
	}
	claimed := make([]bool, len(events))
	for _, x := range expectedEvents(cs) {
		n := 0
		for i, e := range events {
			if e.Type == x.eventType && x.match(e) {
				n++
				claimed[i] = true
			}
		}
		if n != 1 {
			problems = append(problems, fmt.Sprintf("%s: %d %s events, want exactly 1", x.name, n, x.eventType))
		}
	}
	for i, e := range events {
		if !claimed[i] && !unacknowledgedChange(cs, e) {
			problems = append(problems, fmt.Sprintf("unexpected %s event %q", e.Type, e.Description))
		}
	}
	return problems
}

// unacknowledgedChange reports whether e is the one trace a write the run
// gave up on may have left.
func unacknowledgedChange(cs *chaosCase, e chaosEvent) bool {
	for _, w := range cs.writes {
		if w.acked {
			continue
		}
		switch {
		case w.kind == "assign" && e.Type == "ASSIGNED",
			w.kind == "note" && e.Type == "NOTE_ADDED" && e.Description == w.note,
			w.kind == "status" && e.Type == "STATUS_CHANGED" && strings.Contains(string(e.NewValue), `"`+w.target+`"`):
			return true
		}
	}
	return false
}

// seqProblem checks that case_events numbers a case's events 1, 2, 3…
func seqProblem(events []chaosEvent) string {
	for i, e := range events {
		if e.Seq != int64(i+1) {
			seqs := make([]int64, len(events))
			for j, e := range events {
				seqs[j] = e.Seq
			}
			return fmt.Sprintf("event sequence %v is not 1..%d", seqs, len(events))
		}
	}
	return ""
}

// checkAcknowledged: every write of every case was acknowledged.
func checkAcknowledged(cases []*chaosCase) chaosCheck {
	var problems []string
	total, acked := 0, 0
	how := map[string]int{}
	for _, cs := range cases {
		for _, w := range cs.writes {
			total++
			if w.acked {
				acked++
				how[w.ackHow]++
			}
		}
		if cs.gaveUp != "" {
			problems = append(problems, fmt.Sprintf("case %d (%s): gave up at %s", cs.index, orNone(cs.id), cs.gaveUp))
		}
	}
	return newCheck("acknowledged", problems, "%d/%d writes acknowledged: %s", acked, total, histogram(how, "by "))
}

// checkMail: every e-mail the workflows decided went out exactly once.
// The sink is the mail server: it counts deliveries by the Message-ID the
// notification row gives each e-mail, so one delivered twice, or one
// delivered under two IDs, shows; so does one nobody decided.
func checkMail(cases []*chaosCase, rows []chaosNotification, messages []mailtest.Message, officers int, dbErr error) chaosCheck {
	var problems []string
	if dbErr != nil {
		problems = append(problems, "read Postgres: "+dbErr.Error())
	}
	delivered := map[string]int{}
	for _, m := range messages {
		id := strings.TrimSuffix(strings.Trim(strings.TrimSpace(m.MessageID), "<>"), "@caseflow")
		delivered[id]++
	}
	byID := map[string]chaosNotification{}
	sentRows := 0
	perCase := map[string]int{}
	for _, r := range rows {
		byID[r.ID] = r
		if r.Kind != "NEW_CASE" {
			problems = append(problems, fmt.Sprintf("unexpected %s e-mail to %s", r.Kind, orNone(r.ToAddress)))
		}
		if r.CaseID.Valid {
			perCase[r.CaseID.String]++
		}
		switch {
		case !r.SentAt.Valid:
			problems = append(problems, fmt.Sprintf("%s e-mail %s to %s never sent", r.Kind, r.ID, r.Recipient))
		case r.ToAddress == "":
			// Nobody to tell: recorded, nothing delivered.
		default:
			sentRows++
			if n := delivered[r.ID]; n != 1 {
				problems = append(problems, fmt.Sprintf("%s e-mail %s to %s delivered %d times", r.Kind, r.ID, r.ToAddress, n))
			}
		}
	}
	for id, n := range delivered {
		if _, ok := byID[id]; !ok {
			problems = append(problems, fmt.Sprintf("%d e-mails with Message-ID %s, which no notification decided", n, id))
		}
	}
	expected := 0
	for _, cs := range cases {
		if cs.id == "" {
			continue
		}
		want := 0
		if cs.screening {
			want = officers
		}
		expected += want
		if perCase[cs.id] != want {
			problems = append(problems, fmt.Sprintf("case %d (%s): %d e-mails decided, want %d", cs.index, cs.id, perCase[cs.id], want))
		}
	}
	return newCheck("e-mail", problems, "%d expected (NEW_CASE to %d officers per screening case), %d decided, %d sent, %d delivered to the SMTP sink",
		expected, officers, len(rows), sentRows, len(messages))
}

// checkAnswers: during outages the API answers 503 and nothing worse.
// Allowed: 2xx, 503, 409 REQUEST_IN_PROGRESS, the 409s that prove a change
// took (judge), and no answer at all while the API is down or just killed.
func checkAnswers(res *chaosResult) chaosCheck {
	var problems []string
	all := map[string]int{}
	for _, cs := range res.cases {
		for _, w := range cs.writes {
			for _, a := range w.attempts {
				all[a.outcome]++
				switch {
				case !a.expected:
					problems = append(problems, fmt.Sprintf("case %d %s: %s at %s", cs.index, w.name, a.outcome, res.when(a.done)))
				case a.status == 0 && !strings.HasPrefix(a.outcome, "cancelled") && !apiDown(res.faults, a.done, res.opts.cfg.serve):
					problems = append(problems, fmt.Sprintf("case %d %s: %s while the API was up, at %s", cs.index, w.name, a.outcome, res.when(a.done)))
				}
			}
		}
	}
	return newCheck("answers", problems, "no 5xx but 503, no 4xx but REQUEST_IN_PROGRESS and proofs of a change made; seen: %s", histogram(all, ""))
}

// apiDown reports whether t falls between an API kill and the recovery;
// under serve, a worker kill is one too.
func apiDown(faults []*chaosFault, t time.Time, serve bool) bool {
	for _, f := range faults {
		end := f.recovered
		if end.IsZero() {
			end = time.Now()
		}
		killed := f.kind == "api" || serve && f.kind == "worker"
		if killed && !f.injected.IsZero() && !t.Before(f.injected) && !t.After(end) {
			return true
		}
	}
	return false
}

// checkReplays sends every acknowledged write once more, after the run:
// the same key and body must bring the same answer, byte for byte, marked
// Idempotent-Replayed, whatever happened while it was first answered.
func checkReplays(ctx context.Context, d *chaosDriver, cases []*chaosCase) chaosCheck {
	type job struct {
		cs *chaosCase
		w  *chaosWrite
	}
	var (
		mu       sync.Mutex
		problems []string
		replayed int
		wg       sync.WaitGroup
	)
	work := make(chan job)
	for range len(d.progress.busy) {
		wg.Go(func() {
			for j := range work {
				path := strings.ReplaceAll(j.w.path, ":id", j.cs.id)
				var a answer
				for range 20 {
					a = d.do(ctx, j.w.method, path, j.w.token, j.w.key, j.w.body)
					if a.status != http.StatusServiceUnavailable && a.transport == "" {
						break
					}
					pause(ctx, 250*time.Millisecond)
				}
				var p string
				switch {
				case a.status != j.w.ackStatus:
					p = fmt.Sprintf("answered %s, first %d", a.outcome(), j.w.ackStatus)
				case !bytes.Equal(a.body, j.w.ackBody):
					p = fmt.Sprintf("answered other bytes:\n    first:  %s\n    replay: %s", j.w.ackBody, a.body)
				case !a.replayed:
					p = "not marked Idempotent-Replayed"
				}
				mu.Lock()
				if p != "" {
					problems = append(problems, fmt.Sprintf("case %d %s: %s", j.cs.index, j.w.name, p))
				} else {
					replayed++
				}
				mu.Unlock()
			}
		})
	}
	total := 0
	for _, cs := range cases {
		for _, w := range cs.writes {
			if w.acked {
				total++
				work <- job{cs, w}
			}
		}
	}
	close(work)
	wg.Wait()
	return newCheck("replay", problems, "%d/%d acknowledged keys, sent again, replay their answer byte for byte with Idempotent-Replayed: true", replayed, total)
}

// checkFaults: every fault struck while requests were in flight, and the
// system came back; no process died that the run did not kill.
func checkFaults(faults []*chaosFault, crashes []string) chaosCheck {
	var problems []string
	for i, f := range faults {
		for _, p := range f.problems {
			problems = append(problems, fmt.Sprintf("fault %d (%s): %s", i+1, f.describe(), p))
		}
		if f.inflight == 0 && len(f.problems) == 0 {
			problems = append(problems, fmt.Sprintf("fault %d (%s): struck with no request in flight", i+1, f.describe()))
		}
	}
	problems = append(problems, crashes...)
	return newCheck("faults", problems, "%d faults struck mid-request and every client moved again after each; no process exited on its own", len(faults))
}

// chaosFigures are the run's measurements.
type chaosFigures struct {
	writes, attempts int
	perFault         []faultFigures
	// afterLast is how long each case still open at the last fault's
	// restart took from then to CLOSED; caseTimes each case's whole time.
	afterLast []time.Duration
	caseTimes []time.Duration
}

type faultFigures struct {
	f *chaosFault
	// Answers by phase: while the component was down, and from its
	// restart until every client moved again.
	down, recovering map[string]int
	// firstAck: from the restart to the first write acknowledged.
	firstAck time.Duration
	// longestWait: the longest a write under this fault waited from its
	// first attempt to its acknowledgement.
	longestWait time.Duration
}

func figures(res *chaosResult, lastFault time.Time) chaosFigures {
	var fg chaosFigures
	var prevRecovered time.Time
	for _, f := range res.faults {
		ff := faultFigures{f: f, down: map[string]int{}, recovering: map[string]int{}, firstAck: -1}
		for _, cs := range res.cases {
			for _, w := range cs.writes {
				for _, a := range w.attempts {
					switch {
					case !a.done.Before(f.injected) && a.done.Before(f.restarted):
						ff.down[a.outcome]++
					case !a.done.Before(f.restarted) && !a.done.After(f.recovered):
						ff.recovering[a.outcome]++
					}
				}
				if !w.acked || f.injected.IsZero() || len(w.attempts) == 0 {
					continue
				}
				if w.ackAt.After(f.restarted) && (ff.firstAck < 0 || w.ackAt.Sub(f.restarted) < ff.firstAck) {
					ff.firstAck = w.ackAt.Sub(f.restarted)
				}
				// A write counts under the fault it overlapped, begun since
				// the previous one was over.
				first := w.attempts[0].at
				if !first.Before(prevRecovered) && !first.After(f.recovered) && w.ackAt.After(f.injected) {
					ff.longestWait = max(ff.longestWait, w.ackAt.Sub(first))
				}
			}
		}
		if !f.recovered.IsZero() {
			prevRecovered = f.recovered
		}
		fg.perFault = append(fg.perFault, ff)
	}
	for _, cs := range res.cases {
		for _, w := range cs.writes {
			fg.writes++
			fg.attempts += len(w.attempts)
		}
		if cs.closed.IsZero() {
			continue
		}
		fg.caseTimes = append(fg.caseTimes, cs.closed.Sub(cs.started))
		if len(res.faults) > 0 && cs.closed.After(lastFault) {
			fg.afterLast = append(fg.afterLast, cs.closed.Sub(lastFault))
		}
	}
	return fg
}

// when places t relative to the faults, for a person reading the report.
func (r *chaosResult) when(t time.Time) string {
	phase := "no fault"
	for i, f := range r.faults {
		switch {
		case f.injected.IsZero():
		case !t.Before(f.injected) && t.Before(f.restarted):
			phase = fmt.Sprintf("fault %d (%s), down", i+1, f.kind)
		case !t.Before(f.restarted) && !t.After(f.recovered):
			phase = fmt.Sprintf("fault %d (%s), recovering", i+1, f.kind)
		}
	}
	return t.Format("15:04:05.000") + ", " + phase
}

func (r *chaosResult) print(w io.Writer) {
	o, fg := r.opts, r.figures
	screening := 0
	for _, cs := range r.cases {
		if cs.screening {
			screening++
		}
	}
	fmt.Fprintf(w, "\ncaseflow chaos: %d investigations (%d by POST /cases, %d by POST /screenings), %d clients, faults: %s\n",
		len(r.cases), len(r.cases)-screening, screening, o.clients, orNone(strings.Join(o.faults, ", ")))
	fmt.Fprintf(w, "each: create, assign, note, IN_PROGRESS, note, PENDING_REVIEW, RESOLVED_FALSE_POSITIVE, CLOSED\n")
	setting := func(d time.Duration) string {
		if d == 0 {
			return "caseflow's default"
		}
		return d.String()
	}
	fmt.Fprintf(w, "worker, API and Temporal down %s each, Postgres %s; temporal.callTimeout %s, idempotency.lease %s\n",
		o.down, o.pgOutage, setting(o.cfg.callTimeout), setting(o.cfg.lease))
	fmt.Fprintf(w, "run took %s; %d writes in %d requests\n\n", r.elapsed.Round(100*time.Millisecond), fg.writes, fg.attempts)

	for i, ff := range fg.perFault {
		f := ff.f
		fmt.Fprintf(w, "fault %d: %s, %d requests in flight\n", i+1, f.describe(), f.inflight)
		if f.injected.IsZero() || f.restarted.IsZero() {
			fmt.Fprintf(w, "  not completed: %s\n", strings.Join(f.problems, "; "))
			continue
		}
		fmt.Fprintf(w, "  down %s; after the restart: API and worker ready in %s, first write acknowledged in %s, every client moving in %s\n",
			f.restarted.Sub(f.injected).Round(10*time.Millisecond), dur(f.ready, f.restarted), durOr(ff.firstAck),
			dur(f.recovered, f.restarted))
		fmt.Fprintf(w, "  longest a write waited for its acknowledgement: %s\n", ff.longestWait.Round(10*time.Millisecond))
		fmt.Fprintf(w, "  answers while down:       %s\n", histogram(ff.down, ""))
		fmt.Fprintf(w, "  answers while recovering: %s\n", histogram(ff.recovering, ""))
	}
	if len(r.faults) > 0 {
		fmt.Fprintf(w, "\ncases finishing after the last fault's restart: %d; time to CLOSED from it: %s\n", len(fg.afterLast), spread(fg.afterLast))
	}
	fmt.Fprintf(w, "time per case, create to CLOSED: %s\n\n", spread(fg.caseTimes))

	for _, c := range r.checks {
		mark := "PASS"
		if !c.ok {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "%s %s: %s\n", mark, c.name, c.summary)
		for i, p := range c.problems {
			if i == 10 {
				fmt.Fprintf(w, "    … and %d more\n", len(c.problems)-10)
				break
			}
			fmt.Fprintf(w, "    %s\n", p)
		}
	}
	fmt.Fprintf(w, "%d passed, %d failed\n", len(r.checks)-r.failed(), r.failed())
}

func dur(a, b time.Time) string {
	if a.IsZero() || b.IsZero() {
		return "—"
	}
	return a.Sub(b).Round(10 * time.Millisecond).String()
}

func durOr(d time.Duration) string {
	if d < 0 {
		return "—"
	}
	return d.Round(10 * time.Millisecond).String()
}

// spread is p50/p95/max of ds.
func spread(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Millisecond) }
	return fmt.Sprintf("p50 %s, p95 %s, max %s", r(benchcmd.Percentile(ds, 50)), r(benchcmd.Percentile(ds, 95)), r(slices.Max(ds)))
}

// histogram prints counts, largest first: "200 ×40, 503 SERVICE_UNAVAILABLE ×5".
func histogram(m map[string]int, prefix string) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s%s ×%d", prefix, k, m[k])
	}
	return strings.Join(parts, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
