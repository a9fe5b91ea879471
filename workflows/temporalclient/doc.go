// Package temporalclient is how a caseflow process talks to Temporal about
// cases, apart from the HTTP API that is one such process: the client
// options and dialing, the payload codec and the data converter every
// client and worker needs, the case search attributes' registration, the
// typed client of case workflows (Cases) that the API calls, with the
// resend rules of its updates, telling the errors Temporal answers with
// apart, the options a case's workflow starts under, and the SDK's metrics
// handler. A worker-only process needs all of it and none of the API, so
// it lives here and not in api.
//
// It speaks the contract (workflows/contract), whose names and payloads it
// sends, and imports nothing else of caseflow: not the engine, no api,
// store, activities or config (its callers pass the few settings it
// needs), and no HTTP or SQL (architecture_test.go holds it to that).
package temporalclient
