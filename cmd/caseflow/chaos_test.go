package main

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/activities/mailtest"
)

// The chaos suite's own rules, without the processes: what acknowledges a
// write, how faults are spaced, and what the reconciliation calls a
// failure. The suite itself runs in `make test` (caseflow chaos).

func TestJudgeAcknowledgesOnlyWhatProvesTheChange(t *testing.T) {
	note := &chaosWrite{kind: "note"}
	review := &chaosWrite{kind: "status", target: "PENDING_REVIEW"}
	closing := &chaosWrite{kind: "status", target: "CLOSED"}
	for _, tc := range []struct {
		name     string
		w        *chaosWrite
		a        answer
		want     verdict
		expected bool
	}{
		{"created", note, answer{status: http.StatusCreated}, acknowledged, true},
		{"replayed", note, answer{status: http.StatusOK, replayed: true}, acknowledged, true},
		{"outage", note, answer{status: http.StatusServiceUnavailable, code: "SERVICE_UNAVAILABLE"}, retry, true},
		{"key held", note, answer{status: http.StatusConflict, code: "REQUEST_IN_PROGRESS"}, retry, true},
		{"API gone", note, answer{transport: "connection refused"}, retry, true},
		{"bug", note, answer{status: http.StatusInternalServerError, code: "INTERNAL_ERROR"}, retry, false},
		{"closed under a note", note, answer{status: http.StatusConflict, code: "CASE_CLOSED"}, giveUp, false},
		{"closed under the closing write", closing, answer{status: http.StatusConflict, code: "CASE_CLOSED"}, confirmClosed, true},
		{"already past", review, answer{status: http.StatusConflict, code: "INVALID_TRANSITION", from: "RESOLVED_FALSE_POSITIVE"}, acknowledged, true},
		{"already there", review, answer{status: http.StatusConflict, code: "INVALID_TRANSITION", from: "PENDING_REVIEW"}, acknowledged, true},
		{"not yet there", review, answer{status: http.StatusConflict, code: "INVALID_TRANSITION", from: "OPEN"}, giveUp, false},
		{"key reused", note, answer{status: http.StatusUnprocessableEntity, code: "IDEMPOTENCY_KEY_REUSED"}, giveUp, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, expected := judge(tc.w, tc.a)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.expected, expected)
		})
	}
}

func TestFaultsStrikeMidBatch(t *testing.T) {
	// 20 cases, 4 faults: batches of 4; fault i strikes once half of
	// batch i's writes are in, and batch i+1 opens once it is over.
	require.Equal(t, 4, batchSize(20, 4))
	require.Equal(t, 4, released(-1, 20, 4))
	require.Equal(t, 8, released(0, 20, 4))
	require.Equal(t, 20, released(3, 20, 4), "after the last fault, everything")
	require.Equal(t, 16, strikeAt(0, 20, 4, 8))
	require.Equal(t, 3*32+16, strikeAt(3, 20, 4, 8))
	require.Equal(t, 200, released(-1, 200, 0), "no faults: no batches")
	require.Equal(t, 1, batchSize(2, 4), "never an empty batch")

	faults, err := parseFaults("worker, api,worker")
	require.NoError(t, err)
	require.Equal(t, []string{"worker", "api", "worker"}, faults)
	faults, err = parseFaults("none")
	require.NoError(t, err)
	require.Empty(t, faults)
	_, err = parseFaults("disk")
	require.Error(t, err)
}

func TestCheckTimeline(t *testing.T) {
	cases := planCases("t", 2, "officer", "analyst", "u1")
	cs := cases[1] // a screening case
	for _, w := range cs.writes {
		w.acked = true
	}
	status := func(s string) chaosJSON { b, _ := json.Marshal(s); return b }
	good := []chaosEvent{
		{ID: "1", Type: "CASE_CREATED"}, {ID: "2", Type: "TRANSACTION_LINKED"}, {ID: "3", Type: "ASSIGNED"},
		{ID: "4", Type: "NOTE_ADDED", Description: cs.writes[2].note},
		{ID: "5", Type: "STATUS_CHANGED", NewValue: status("IN_PROGRESS")},
		{ID: "6", Type: "NOTE_ADDED", Description: cs.writes[4].note},
		{ID: "7", Type: "STATUS_CHANGED", NewValue: chaosJSON(`"PENDING_REVIEW"`)},
		{ID: "8", Type: "STATUS_CHANGED", NewValue: status("RESOLVED_FALSE_POSITIVE")},
		{ID: "9", Type: "STATUS_CHANGED", NewValue: status("CLOSED")},
	}
	require.Empty(t, checkTimeline(cs, good))

	twice := append(append([]chaosEvent(nil), good...), chaosEvent{ID: "10", Type: "NOTE_ADDED", Description: cs.writes[2].note})
	require.Equal(t, []string{"note 1: 2 NOTE_ADDED events, want exactly 1"}, checkTimeline(cs, twice))

	require.Contains(t, checkTimeline(cs, good[:8]), "status CLOSED: 0 STATUS_CHANGED events, want exactly 1")
	require.Contains(t, checkTimeline(cs, append(good[:9:9], good[0])), "event 1 (CASE_CREATED) twice")
	require.Contains(t, checkTimeline(cs, append(good[:9:9], chaosEvent{ID: "x", Type: "OVERDUE"})), `unexpected OVERDUE event ""`)

	// A write never acknowledged may have taken, once, or not.
	cs.writes[7].acked = false
	require.Empty(t, checkTimeline(cs, good))
	require.Empty(t, checkTimeline(cs, good[:8]))

	require.Empty(t, seqProblem([]chaosEvent{{Seq: 1}, {Seq: 2}}))
	require.NotEmpty(t, seqProblem([]chaosEvent{{Seq: 1}, {Seq: 3}}))
}

func TestCheckMail(t *testing.T) {
	cases := planCases("t", 2, "officer", "analyst", "u1")
	cases[0].id, cases[1].id = "c0", "c1"
	sent := sql.NullTime{Time: time.Now(), Valid: true}
	rows := []chaosNotification{
		{ID: "n1", CaseID: sql.NullString{String: "c1", Valid: true}, Kind: "NEW_CASE", Recipient: "user:a", ToAddress: "a@x", SentAt: sent},
		{ID: "n2", CaseID: sql.NullString{String: "c1", Valid: true}, Kind: "NEW_CASE", Recipient: "user:b", ToAddress: "b@x", SentAt: sent},
	}
	msg := func(id string) mailtest.Message { return mailtest.Message{MessageID: "<" + id + "@caseflow>"} }
	require.True(t, checkMail(cases, rows, []mailtest.Message{msg("n1"), msg("n2")}, 2, nil).ok)

	twice := checkMail(cases, rows, []mailtest.Message{msg("n1"), msg("n2"), msg("n2")}, 2, nil)
	require.False(t, twice.ok)
	require.Contains(t, strings.Join(twice.problems, "\n"), "n2 to b@x delivered 2 times")

	stray := checkMail(cases, rows, []mailtest.Message{msg("n1"), msg("n2"), msg("n3")}, 2, nil)
	require.Contains(t, strings.Join(stray.problems, "\n"), "Message-ID n3, which no notification decided")

	missing := checkMail(cases, rows[:1], []mailtest.Message{msg("n1")}, 2, nil)
	require.Contains(t, strings.Join(missing.problems, "\n"), "case 1 (c1): 1 e-mails decided, want 2")
}
