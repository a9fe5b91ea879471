package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

type userOut struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	Role      string `json:"role"`
	Active    bool   `json:"active"`
}

type tokenOut struct {
	ID        string  `json:"id"`
	Token     string  `json:"token"`
	RevokedAt *string `json:"revokedAt"`
}

// Users find themselves and whom to assign; an admin adds a user, issues
// them a token, deactivates them (the token stops at once, no case can be
// theirs), reactivates them and revokes the token, all without a terminal.
func TestUsersAndTokens(t *testing.T) {
	h := suite(t)
	analyst, admin := h.users[contract.RoleAnalyst], h.users[contract.RoleBankAdmin]

	me := decode[userOut](t, h.do(t, contract.RoleAnalyst, http.MethodGet, "/me", nil))
	require.Equal(t, analyst.ID, me.ID, "how a new user finds their own ID")
	require.True(t, me.Active)

	officers := decode[struct{ Items []userOut }](t, h.do(t, contract.RoleAnalyst, http.MethodGet, "/users?role=COMPLIANCE_OFFICER", nil))
	var emails []string
	for _, u := range officers.Items {
		require.Equal(t, "COMPLIANCE_OFFICER", u.Role)
		emails = append(emails, u.Email)
	}
	require.Contains(t, emails, h.officer2.Email)
	require.NotContains(t, emails, analyst.Email)

	email := "new-" + uuid.NewString()[:8] + "@example.com"
	requireError(t, h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/users", map[string]string{"email": email, "role": "ANALYST"}),
		http.StatusForbidden, "FORBIDDEN")
	r := h.do(t, contract.RoleBankAdmin, http.MethodPost, "/users", map[string]string{"email": email, "role": "COMPLIANCE_OFFICER", "firstName": "Nora", "lastName": "New"})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	nora := decode[userOut](t, r)
	requireError(t, h.do(t, contract.RoleBankAdmin, http.MethodPost, "/users", map[string]string{"email": email, "role": "ANALYST"}),
		http.StatusConflict, "USER_EXISTS")
	requireError(t, h.do(t, contract.RoleBankAdmin, http.MethodPost, "/users", map[string]string{"email": "not an address", "role": "ANALYST"}),
		http.StatusUnprocessableEntity, contract.CodeValidation)

	r = h.do(t, contract.RoleBankAdmin, http.MethodPost, "/users/"+nora.ID+"/tokens", nil)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	issued := decode[tokenOut](t, r)
	require.NotEmpty(t, issued.Token)
	require.Equal(t, nora.ID, decode[userOut](t, call(t, h.baseURL, http.MethodGet, "/api/v1/me", issued.Token, nil)).ID)
	listed := decode[struct{ Items []tokenOut }](t, h.do(t, contract.RoleBankAdmin, http.MethodGet, "/users/"+nora.ID+"/tokens", nil))
	require.Len(t, listed.Items, 1)
	require.Empty(t, listed.Items[0].Token, "a token is shown once")

	// Deactivated: the token stops at once, and no case can be theirs.
	c := h.createCase(t, contract.RoleAnalyst, investigation("Users Person"))
	r = h.do(t, contract.RoleBankAdmin, http.MethodPatch, "/users/"+nora.ID, map[string]any{"active": false})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.False(t, decode[userOut](t, r).Active)
	requireError(t, call(t, h.baseURL, http.MethodGet, "/api/v1/me", issued.Token, nil), http.StatusUnauthorized, "UNAUTHORIZED")
	r = h.do(t, contract.RoleComplianceOfficer, http.MethodPatch, "/cases/"+c.ID+"/assign", map[string]any{"assigneeId": nora.ID})
	requireError(t, r, http.StatusUnprocessableEntity, contract.CodeInvalidAssignee)
	active := decode[struct{ Items []userOut }](t, h.do(t, contract.RoleAnalyst, http.MethodGet, "/users", nil))
	for _, u := range active.Items {
		require.NotEqual(t, nora.ID, u.ID, "pickers list active users")
	}
	all := decode[struct{ Items []userOut }](t, h.do(t, contract.RoleAnalyst, http.MethodGet, "/users?inactive=true", nil))
	require.Contains(t, all.Items, userOut{ID: nora.ID, Email: email, FirstName: "Nora", Role: "COMPLIANCE_OFFICER", Active: false})

	// Reactivated, with a new role; then the token revoked.
	r = h.do(t, contract.RoleBankAdmin, http.MethodPatch, "/users/"+nora.ID, map[string]any{"active": true, "role": "ANALYST"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Equal(t, "ANALYST", decode[userOut](t, call(t, h.baseURL, http.MethodGet, "/api/v1/me", issued.Token, nil)).Role)
	r = h.do(t, contract.RoleBankAdmin, http.MethodPost, "/tokens/"+issued.ID+"/revoke", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.NotNil(t, decode[tokenOut](t, r).RevokedAt)
	requireError(t, call(t, h.baseURL, http.MethodGet, "/api/v1/me", issued.Token, nil), http.StatusUnauthorized, "UNAUTHORIZED")

	// An admin cannot lock themself out.
	requireError(t, h.do(t, contract.RoleBankAdmin, http.MethodPatch, "/users/"+admin.ID, map[string]any{"active": false}),
		http.StatusConflict, "SELF_CHANGE")
	requireError(t, h.do(t, contract.RoleBankAdmin, http.MethodPatch, "/users/"+uuid.NewString(), map[string]any{"active": false}),
		http.StatusNotFound, "NOT_FOUND")
}

type inboxOut struct {
	Unread int `json:"unread"`
	Items  []struct {
		ID     string    `json:"id"`
		CaseID *string   `json:"caseId"`
		Kind   string    `json:"kind"`
		SentAt time.Time `json:"sentAt"`
		ReadAt *string   `json:"readAt"`
	} `json:"items"`
}

// Every e-mail an officer gets is in their notification list too, once:
// here, the new case a screening verdict opens. (Other tests' e-mails may
// land in the same list meanwhile, so only this case's entry is counted.)
func TestOfficersNotifications(t *testing.T) {
	h := suite(t)
	otto := h.officer2
	entry := func(r response, caseID string) (inboxOut, []int) {
		t.Helper()
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		in := decode[inboxOut](t, r)
		var at []int
		for i, it := range in.Items {
			if it.CaseID != nil && *it.CaseID == caseID && it.Kind == contract.MailNewCase {
				at = append(at, i)
			}
		}
		return in, at
	}
	before := len(h.mail.To(otto.Email))
	caseID := *h.screen(t, verdictBody("BLOCK", "HIGH")).CaseID
	h.waitForSubject(t, otto.Email, before, "New case")
	// The e-mail goes out, then its row is marked sent: the list shows it
	// a moment later.
	var got inboxOut
	var at []int
	require.Eventually(t, func() bool {
		got, at = entry(call(t, h.baseURL, http.MethodGet, "/api/v1/notifications", otto.token, nil), caseID)
		return len(at) > 0
	}, 10*time.Second, 20*time.Millisecond)
	require.Len(t, at, 1, "once")
	item := got.Items[at[0]]
	require.Nil(t, item.ReadAt)
	require.GreaterOrEqual(t, got.Unread, 1)

	// Not anyone else's to read.
	requireError(t, h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/notifications/"+item.ID+"/read", nil),
		http.StatusNotFound, "NOT_FOUND")
	after, at := entry(call(t, h.baseURL, http.MethodPost, "/api/v1/notifications/"+item.ID+"/read", otto.token, nil), caseID)
	require.Len(t, at, 1)
	require.NotNil(t, after.Items[at[0]].ReadAt)
	markedAt := time.Now()
	all := decode[inboxOut](t, call(t, h.baseURL, http.MethodPost, "/api/v1/notifications/read", otto.token, nil))
	for _, it := range all.Items {
		if it.SentAt.Before(markedAt) {
			require.NotNil(t, it.ReadAt, "all read")
		}
	}
}
