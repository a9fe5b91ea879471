package workflows

import (
	"fmt"
	"slices"

	"github.com/caseflow/caseflow/workflows/contract"
	"go.temporal.io/sdk/workflow"
)

// Cases from transaction screening: verdicts linked to their case by
// signal, and signals that break the contract dropped.

// onVerdict links a screening verdict to the case, once however often it
// is delivered.
func (r *caseRun) onVerdict(ctx workflow.Context, v contract.VerdictLink) error {
	if r.refuseSignal(ctx, contract.SignalVerdict, v.Validate()) {
		return nil
	}
	if slices.Contains(r.c.Verdicts, v.VerdictID) {
		return nil
	}
	r.c.Verdicts = append(r.c.Verdicts, v.VerdictID)
	ev := r.event(contract.EventTxLinked, nil, fmt.Sprintf("Screening verdict %s (risk %s, score %.1f)", v.Outcome, v.RiskLevel, v.AggregateScore), nil, contract.JSONValue(v.TransactionID))
	ev.Metadata = contract.JSONValue(v)
	return r.commit(ctx, []contract.Event{ev})
}

// refuseSignal drops a signal whose values break the contract. The API
// never sends one, but any Temporal client can, and a signal cannot be
// refused: applied, its values would be refused by Postgres and stall the
// case. It is logged with what was wrong (never the values) and counted.
func (r *caseRun) refuseSignal(ctx workflow.Context, name string, err error) bool {
	if err == nil || !r.strict {
		return false
	}
	workflow.GetLogger(ctx).Warn("malformed signal dropped", "caseId", r.c.ID, "signal", name, "error", err)
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"signal": name}).Counter(contract.SignalsDroppedMetric).Inc(1)
	return true
}
