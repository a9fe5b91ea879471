#!/usr/bin/env bash
# An investigation from creation to CLOSED, as README.md shows it. Needs
# curl and jq, API (e.g. http://localhost:8080/api/v1) and TOKEN (a
# BANK_ADMIN's or COMPLIANCE_OFFICER's bearer token).
set -euo pipefail
: "${API:?set API, e.g. http://localhost:8080/api/v1}" "${TOKEN:?set TOKEN to a bearer token}"
AUTH="Authorization: Bearer $TOKEN"
api() { curl -sS --fail-with-body -H "$AUTH" -H 'Content-Type: application/json' "$@"; }

# Who am I? (your user ID, to assign cases to yourself)
ME=$(api "$API/me" | jq -r .data.id)

# Open an investigation: type, priority, title and description are required.
ID=$(api -X POST "$API/cases" -d '{
  "type": "SUSPICIOUS_TRANSACTION", "priority": "HIGH",
  "title": "Structuring on account 4411",
  "description": "Nine cash deposits just under the reporting threshold.",
  "client": {"name": "Jane Roe", "email": "jane.roe@example.com", "externalId": "CUST-1029"},
  "tags": ["cash"], "metadata": {"source": "monitoring"}
}' | jq -r .data.id)
echo "opened $ID"

# Find it: q searches the case number, case ID, client name or e-mail, author.
api "$API/cases?q=jane.roe&status=OPEN" | jq -r '.data.items[] | "\(.caseNumber) \(.status) \(.title)"'

# Assign it (to yourself here; GET /users?role=COMPLIANCE_OFFICER lists
# whom else), add a note. An Idempotency-Key makes a retry safe.
api -X PATCH "$API/cases/$ID/assign" -d "{\"assigneeId\": \"$ME\"}" > /dev/null
api -X POST "$API/cases/$ID/notes" -H "Idempotency-Key: note-$ID-1" -d '{"content": "Called the branch."}' > /dev/null

# Skipping a state is refused (409), naming the allowed next states.
curl -sS -H "$AUTH" -X PATCH "$API/cases/$ID/status" -d '{"status": "CLOSED"}' | jq -r .error.message

for s in IN_PROGRESS PENDING_REVIEW ESCALATED; do
  api -X PATCH "$API/cases/$ID/status" -d "{\"status\": \"$s\"}" > /dev/null
done
api -X PATCH "$API/cases/$ID/status" -d '{"status": "RESOLVED_TRUE_POSITIVE", "resolutionNote": "SAR filed."}' > /dev/null
api -X PATCH "$API/cases/$ID/status" -d '{"status": "CLOSED", "resolutionNote": "No further action."}' |
  jq -r '"\(.data.caseNumber) is \(.data.status) after \(.data.timeline | length) timeline events"'
