package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// An information request as the user guide makes one (type, the client's
// e-mail, a description, a due date) can be answered: the e-mail and the
// portal ask for what the description says, and the client's answer is
// taken.
func TestInformationRequestEndToEnd(t *testing.T) {
	h := suite(t)
	client := "info-" + uuid.NewString()[:8] + "@example.com"
	c := h.createCase(t, contract.RoleAnalyst, map[string]any{
		"type": "INFORMATION_REQUEST", "client": map[string]string{"name": "Ines Info", "email": client},
		"description": "Your payslips for the last three months.",
		"dueDate":     time.Now().Add(10 * 24 * time.Hour).UTC().Format(time.RFC3339),
	})
	r := h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+c.ID+"/send", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	o := decode[onboardingOut](t, r)
	require.Len(t, o.Entities, 1)
	require.Equal(t, "REQUEST", o.Entities[0].Kind)

	m := h.waitForMail(t, client, 1)
	require.Contains(t, m.Text, "Your payslips for the last three months.")
	require.Contains(t, m.Text, "Ines Info: Requested information", "the e-mail says what is asked")
	link := linkIn(t, m)

	status, _, html := h.page(t, http.MethodGet, link, nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, html, "Requested information")
	require.Contains(t, html, "<form method=\"post\"")
	view := decode[portalOut](t, call(t, h.baseURL, http.MethodGet, strings.Replace(link, "/portal/r/", "/portal/api/r/", 1), "", nil))
	require.Len(t, view.Requested, 1)

	status, _, html = h.page(t, http.MethodPost, link, url.Values{"checkId": {view.Requested[0].CheckID}, "message": {"Three payslips attached."}})
	require.Equal(t, http.StatusOK, status, html)
	require.Contains(t, html, "we have received what you sent")
	o = h.onboarding(t, c.ID)
	require.Equal(t, "SUBMITTED", o.Entities[0].Checks[0].Status)
	require.Equal(t, "REVIEWING", *o.Flag)

	// The case stays editable with the request item among its entities.
	r = h.do(t, contract.RoleAnalyst, http.MethodPatch, "/cases/"+c.ID, map[string]any{"title": "Payslips: Ines Info"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
}
