package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
)

// Create Case, as the user guide has it: step 1, the type and the
// client's e-mail (and, for a type that verifies a person, the individual
// entity); step 2, what is requested and an optional due date. Save
// Changes keeps a draft; Send Request sends it. A draft is edited on the
// same form. Both post to the JSON API's create and edit.

type stepperData struct {
	Step int
	// Form is what was entered so far (and, editing, what the draft holds).
	Form     url.Values
	Types    []string
	Family   string
	NeedsInd bool
	// Individuals are the client's earlier ones, to choose from.
	Individuals []string
	// AutoApprove is whether the case approves itself once every check is.
	AutoApprove bool
	Priorities  []string
	// Case is the draft being edited, nil when creating.
	Case *store.Case
}

func (s *Server) stepper(c *fiber.Ctx, status int, step int, f url.Values, failure string, draft *store.Case) error {
	d := stepperData{Step: step, Form: f, Priorities: []string{"LOW", "MEDIUM", "HIGH", "CRITICAL"}, Case: draft}
	for t := range s.cfg.Cases.Types {
		d.Types = append(d.Types, t)
	}
	sort.Strings(d.Types)
	d.Family = string(s.cfg.Cases.Types[f.Get("type")])
	d.NeedsInd = slices.Contains(s.cfg.Cases.NeedsIndividual, f.Get("type"))
	if step == 2 && d.NeedsInd {
		// Chosen from the client's earlier cases, or added by name.
		names, err := s.store.ClientIndividuals(c.UserContext(), strings.TrimSpace(f.Get("clientEmail")), 20)
		if err != nil {
			return s.pageError(c, err)
		}
		d.Individuals = names
	}
	// Until a posted form says otherwise, the catalogue's default.
	d.AutoApprove = f.Get("autoApprove") == "yes" || f.Get("key") == "" && s.cfg.Cases.AutoApprove[f.Get("type")]
	title := "Create Case"
	if draft != nil {
		title = "Edit draft " + draft.CaseNumber
	}
	return s.render(c, status, "new", view{Title: title, Nav: "cases", Error: failure, Data: d})
}

// newCasePage shows step 1, or step 2 once step 1's answers hold.
func (s *Server) newCasePage(c *fiber.Ctx) error {
	f := url.Values{}
	for k, v := range c.Queries() {
		f.Set(k, v)
	}
	if f.Get("step") != "2" {
		return s.stepper(c, http.StatusOK, 1, f, "", nil)
	}
	var problems []string
	family, known := s.cfg.Cases.Types[f.Get("type")]
	switch {
	case !known:
		problems = append(problems, "choose the case type")
	case family == contract.FamilyOnboarding && strings.TrimSpace(f.Get("clientEmail")) == "":
		problems = append(problems, "enter the client's e-mail: the request goes there")
	}
	if len(problems) > 0 {
		return s.stepper(c, http.StatusUnprocessableEntity, 1, f, sentence(strings.Join(problems, "; ")), nil)
	}
	return s.stepper(c, http.StatusOK, 2, f, "", nil)
}

// createBody is the stepper's form as POST /api/v1/cases takes it.
func (s *Server) createBody(_ *fiber.Ctx, f url.Values) (any, error) {
	body := map[string]any{"type": f.Get("type"), "description": strings.TrimSpace(f.Get("description"))}
	for _, k := range []string{"title", "priority", "relatedTransactionId"} {
		if v := strings.TrimSpace(f.Get(k)); v != "" {
			body[k] = v
		}
	}
	if client := clientOf(f); client != nil {
		body["client"] = client
	}
	if tags := tagsOf(f.Get("tags")); len(tags) > 0 {
		body["tags"] = tags
	}
	if raw := strings.TrimSpace(f.Get("dueDate")); raw != "" {
		due, err := dueDate(raw)
		if err != nil {
			return nil, err
		}
		body["dueDate"] = due
	}
	if name := strings.TrimSpace(f.Get("entityName")); name != "" {
		body["entities"] = []map[string]string{{"kind": "INDIVIDUAL", "name": name}}
	}
	if s.cfg.Cases.Types[f.Get("type")] == contract.FamilyOnboarding {
		body["autoApprove"] = f.Get("autoApprove") == "yes"
	}
	return body, nil
}

// clientOf is the form's client: the name defaults to the individual's.
func clientOf(f url.Values) map[string]string {
	email, name := strings.TrimSpace(f.Get("clientEmail")), strings.TrimSpace(f.Get("clientName"))
	if name == "" {
		name = strings.TrimSpace(f.Get("entityName"))
	}
	if email == "" && name == "" {
		return nil
	}
	client := map[string]string{}
	if email != "" {
		client["email"] = email
	}
	if name != "" {
		client["name"] = name
	}
	return client
}

func tagsOf(raw string) []string {
	var tags []string
	for _, t := range strings.Split(raw, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return tags
}

// createForm runs the JSON create on the stepper's form, then sends the
// request when Send Request was pressed.
func (s *Server) createForm() fiber.Handler {
	return s.formAction(s.createBody,
		func(c *fiber.Ctx, f url.Values, data json.RawMessage) error {
			var created struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(data, &created); err != nil || created.ID == "" {
				return s.pageError(c, apiError(http.StatusInternalServerError, codeInternal, "create answered without a case"))
			}
			return s.afterDraft(c, f, created.ID, "created")
		},
		func(c *fiber.Ctx, f url.Values, status int, e *Error) error {
			return s.stepper(c, status, 2, f, failureText(e), nil)
		})
}

// afterDraft sends the request when the form said Send Request, and shows
// the case.
func (s *Server) afterDraft(c *fiber.Ctx, f url.Values, id, saved string) error {
	done := saved
	if s.cfg.Cases.Types[f.Get("type")] == contract.FamilyOnboarding && saved == "created" {
		done = "draft"
	}
	if f.Get("action") == "send" {
		if err := s.thenUpdate(c, id, contract.UpdateSend, s.sendRequest, map[string]any{}); err != nil {
			return s.renderCase(c, id, classify(err).Status, "", failureText(classify(err)))
		}
		done = "send"
	}
	return c.Redirect("/ui/cases/"+id+"?done="+done, http.StatusSeeOther)
}

// thenUpdate sends one more update in the same form action, built by the
// JSON route's own builder from body. Its update ID derives from the
// form's key like the first's, so a form sent twice sends it once.
func (s *Server) thenUpdate(c *fiber.Ctx, id, name string, build func(*fiber.Ctx, string) (any, error), body any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	c.Request().SetBody(raw)
	arg, err := build(c, id)
	if err != nil {
		return err
	}
	if err := s.checkValues(arg); err != nil {
		return err
	}
	return s.update(c, id, name, arg, nil)
}

// editDraftPage shows a draft on the stepper's form, filled in.
func (s *Server) editDraftPage(c *fiber.Ctx) error {
	row, err := s.existingCase(c)
	if err != nil {
		return s.pageError(c, err)
	}
	if row.Status != string(contract.StatusDraft) {
		return s.renderCase(c, row.ID, http.StatusConflict, "", "Only a draft is edited here: this case is "+words(row.Status)+".")
	}
	f, err := s.draftValues(c, row)
	if err != nil {
		return s.pageError(c, err)
	}
	return s.stepper(c, http.StatusOK, 2, f, "", &row)
}

func (s *Server) draftValues(c *fiber.Ctx, row store.Case) (url.Values, error) {
	f := url.Values{"type": {row.Type}, "title": {row.Title}, "description": {row.Description},
		"clientEmail": {row.ClientEmail.String}, "clientName": {row.ClientName.String}, "priority": {row.Priority},
		"tags": {strings.Join(row.Tags, ", ")}, "relatedTransactionId": {row.RelatedTransactionID.String}}
	if row.DueDate.Valid {
		f.Set("dueDate", isoDay(row.DueDate.Time))
	}
	entities, err := s.store.Entities(c.UserContext(), row.ID)
	if err != nil {
		return nil, err
	}
	for _, e := range entities {
		if e.Kind == "INDIVIDUAL" {
			f.Set("entityName", e.Name)
			break
		}
	}
	f.Set("dueWas", f.Get("dueDate"))
	f.Set("entityWas", f.Get("entityName"))
	return f, nil
}

// editBody is the draft's form as PATCH /api/v1/cases/:id takes it: the
// individual replaced only when changed (its checks start again).
func editBody(_ *fiber.Ctx, f url.Values) (any, error) {
	title, desc := strings.TrimSpace(f.Get("title")), strings.TrimSpace(f.Get("description"))
	body := map[string]any{"title": title, "description": desc, "tags": tagsOf(f.Get("tags"))}
	if body["tags"] == nil {
		body["tags"] = []string{}
	}
	if p := f.Get("priority"); p != "" {
		body["priority"] = p
	}
	if client := clientOf(f); client != nil {
		body["client"] = client
	}
	if name := strings.TrimSpace(f.Get("entityName")); name != strings.TrimSpace(f.Get("entityWas")) && name != "" {
		body["entities"] = []map[string]string{{"kind": "INDIVIDUAL", "name": name}}
	}
	return body, nil
}

// editForm runs the JSON edit on the draft's form, then its due date and
// the send, each only when asked.
func (s *Server) editForm() fiber.Handler {
	return s.formAction(editBody,
		func(c *fiber.Ctx, f url.Values, _ json.RawMessage) error {
			id, err := caseID(c)
			if err != nil {
				return s.pageError(c, err)
			}
			if due := strings.TrimSpace(f.Get("dueDate")); due != strings.TrimSpace(f.Get("dueWas")) {
				body, err := dueBody(c, f)
				if err == nil {
					err = s.thenUpdate(c, id, contract.UpdateDueDate, s.dueDateChange, body)
				}
				if err != nil {
					return s.renderCase(c, id, classify(err).Status, "", failureText(classify(err)))
				}
			}
			return s.afterDraft(c, f, id, "draft")
		},
		func(c *fiber.Ctx, f url.Values, status int, e *Error) error {
			row, err := s.existingCase(c)
			if err != nil {
				return s.pageError(c, err)
			}
			return s.stepper(c, status, 2, f, failureText(e), &row)
		})
}
