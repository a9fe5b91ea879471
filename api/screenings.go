package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// screening takes a transaction verdict. It is stored; REVIEW, ESCALATE
// and BLOCK open the transaction's case by signal-with-start on an ID
// derived from the transaction, so one transaction is one case however
// many times, and however concurrently, it is delivered. 202: the case
// takes the verdict in when its worker gets to it.
func (s *Server) screening(c *fiber.Ctx) error {
	var v contract.Verdict
	if err := decodeJSON(c, &v); err != nil {
		return err
	}
	if err := contract.ValidateVerdict(v); err != nil {
		return asInvalid(err)
	}
	caseType, opens := contract.CaseTypeFor(s.cfg.Screening.Rules, v)
	answer := fiber.Map{"transactionId": v.TransactionID, "outcome": v.Outcome, "caseId": nil, "caseType": nil, "caseClosed": false}
	if !opens {
		if err := s.store.RecordVerdict(c.UserContext(), v, nil); err != nil {
			return err
		}
		return ok(c, http.StatusAccepted, answer)
	}
	nc := contract.ScreeningCase(caseType, s.cfg.Cases.Types[caseType], v)
	nc.Reminders, nc.HistoryLimit, nc.MaxDueYears = s.reminderPolicy(), s.cfg.Temporal.HistoryLimit, s.cfg.Cases.MaxDueYears
	if err := contract.ValidateNewCase(nc, time.Now()); err != nil {
		return fmt.Errorf("screening case: %w", err) // our rules made a bad case: a bug, not the caller's
	}
	if err := s.store.RecordVerdict(c.UserContext(), v, &nc.ID); err != nil {
		return err
	}
	// A later verdict joins the case the transaction already has, of the
	// type that case was opened as, whatever this verdict would open, and
	// draws no case number. Two first deliveries at once both draw one and
	// one start wins: a gap in the numbers, which is harmless.
	var number string
	existing, err := s.store.GetCase(c.UserContext(), nc.ID)
	switch {
	case err == nil:
		caseType, number = existing.Type, existing.CaseNumber
	case errors.Is(err, store.ErrNotFound):
		if number, err = s.store.NextCaseNumber(c.UserContext(), time.Now()); err != nil {
			return err
		}
	default:
		return err
	}
	answer["caseId"], answer["caseType"] = nc.ID, caseType

	ctx, cancel := s.temporalCtx(c)
	defer cancel()
	err = s.cases.SignalWithStart(ctx, contract.Input{New: nc, CaseNumber: number}, contract.SignalVerdict, v.Link())
	if err != nil && temporalclient.WorkflowGone(err) {
		// The transaction's case is already closed: the verdict is kept
		// with the transaction, and the case stays closed.
		answer["caseClosed"] = true
		return ok(c, http.StatusAccepted, answer)
	}
	if err != nil {
		return fmt.Errorf("deliver verdict: %w", err)
	}
	return ok(c, http.StatusAccepted, answer)
}
