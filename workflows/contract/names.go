package contract

// Every name the API, the worker and Temporal agree on: workflow types,
// updates, signals, queries and activities. A running case is bound to
// these names by its history, so a name here never changes; a new message
// gets a new name.
const (
	// WorkflowName is the case workflow: one per case, its ID the case's.
	WorkflowName = "CaseWorkflow"
	// DigestWorkflowName is the daily overdue digest, started each day by
	// the Schedule DigestScheduleID (created at start-up when missing).
	DigestWorkflowName = "OverdueDigest"
	DigestScheduleID   = "caseflow-overdue-digest"

	// Updates: each is validated by the workflow before it is accepted,
	// and answered with what it changed.
	UpdateCreate  = "create"
	UpdateStatus  = "status"
	UpdateAssign  = "assign"
	UpdateNote    = "note"
	UpdateSend    = "send"
	UpdateEntity  = "addEntity"
	UpdateCheck   = "check"
	UpdateSubmit  = "submit"
	UpdateDueDate = "dueDate"
	UpdateRevoke  = "revoke"
	// UpdateEdit changes what describes a case after it opened, and
	// UpdateLink attaches one more screened transaction to it.
	UpdateEdit = "edit"
	UpdateLink = "linkTransaction"
	// UpdateViewDocument records an officer opening a document.
	UpdateViewDocument = "viewDocument"

	// Signals carry facts that need no answer: a provider's verdict on a
	// check, and a screening verdict on the case's transaction.
	SignalCheckResult = "checkResult"
	SignalVerdict     = "verdict"

	QueryState = "state"

	// Activities, called by name so the engine never imports the I/O code.
	// ProjectActivity writes the case's projection to Postgres;
	// NotifyActivity sends one e-mail, keyed by the workflow;
	// RevokePortalActivity ends every portal link of a case;
	// DigestActivity sends the day's overdue digests.
	ProjectActivity      = "ProjectCase"
	NotifyActivity       = "SendNotification"
	RevokePortalActivity = "RevokePortal"
	DigestActivity       = "SendOverdueDigests"
)

// Refusal codes carried by the ApplicationError a validator, handler or
// activity returns. The API maps each to an HTTP status.
const (
	CodeValidation        = "VALIDATION_ERROR"
	CodeInvalidTransition = "INVALID_TRANSITION"
	CodeCaseClosed        = "CASE_CLOSED"
	CodeInvalidAssignee   = "INVALID_ASSIGNEE"
	CodeFourEyes          = "FOUR_EYES_REQUIRED"
	CodeNotFound          = "NOT_FOUND"
	// CodeRetry refuses an update while the case moves to a fresh run
	// (Continue-As-New); sent again a moment later, it lands on that run.
	CodeRetry = "RETRY"
	// CodeAlreadyAssigned refuses a claim of a case someone else owns.
	CodeAlreadyAssigned = "ALREADY_ASSIGNED"
	// CodeAlreadyLinked refuses a transaction the case has already.
	CodeAlreadyLinked = "ALREADY_LINKED"
	// CodeProjectionRefused is the type of a projection write Postgres
	// refused for good (activities.ProjectCase), and of the error an
	// update whose change it could not write is answered with.
	CodeProjectionRefused = "PROJECTION_REFUSED"
)

// Event types of the audit timeline (docs/ARCHITECTURE.md, "The audit
// timeline").
const (
	EventCaseCreated    = "CASE_CREATED"
	EventStatusChanged  = "STATUS_CHANGED"
	EventAssigned       = "ASSIGNED"
	EventNoteAdded      = "NOTE_ADDED"
	EventRequestSent    = "REQUEST_SENT"
	EventClientSubmit   = "CLIENT_SUBMITTED"
	EventCheckUpdated   = "CHECK_UPDATED"
	EventFlagChanged    = "FLAG_CHANGED"
	EventAutoApproved   = "AUTO_APPROVED"
	EventDueDateChanged = "DUE_DATE_CHANGED"
	EventReminderSent   = "REMINDER_SENT"
	EventOverdue        = "OVERDUE"
	EventRequestRevoked = "REQUEST_REVOKED"
	EventTxLinked       = "TRANSACTION_LINKED"
	EventCaseUpdated    = "CASE_UPDATED"
	// EventEntityAdded: adding an entity changes what the client is asked
	// for, and the audit timeline records every change.
	EventEntityAdded = "ENTITY_ADDED"
	// EventDocumentUploaded: one per file sent; EventDocumentViewed: one
	// per officer download, who and when.
	EventDocumentUploaded = "DOCUMENT_UPLOADED"
	EventDocumentViewed   = "DOCUMENT_VIEWED"
)
