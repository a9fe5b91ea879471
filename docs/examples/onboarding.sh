#!/usr/bin/env bash
# An onboarding case from draft to auto-approval, as README.md shows it.
# Needs curl and jq, API (e.g. http://localhost:8080/api/v1) and TOKEN (a
# BANK_ADMIN's or COMPLIANCE_OFFICER's bearer token).
set -euo pipefail
: "${API:?set API, e.g. http://localhost:8080/api/v1}" "${TOKEN:?set TOKEN to a bearer token}"
AUTH="Authorization: Bearer $TOKEN"
api() { curl -sS --fail-with-body -H "$AUTH" -H 'Content-Type: application/json' "$@"; }
flag() { api "$API/cases/$ID" | jq -r '.data.flag // "none"'; }

# A draft: the individual gets the checks the catalogue requires.
ID=$(api -X POST "$API/cases" -d '{
  "type": "IDENTITY_VERIFICATION", "autoApprove": true,
  "client": {"name": "Jane Roe", "email": "jane.roe@example.com"},
  "entities": [{"kind": "INDIVIDUAL", "name": "Jane Roe", "role": "applicant"}]
}' | jq -r .data.id)
echo "draft $ID"

# Send the request: the client is e-mailed a portal link.
api -X POST "$API/cases/$ID/send" | jq -r '"\(.data.caseNumber) is \(.data.status)"'

# What the client owes, and what providers answer.
OWED=$(api "$API/cases/$ID" | jq -r '.data.entities[].checks[] | select(.fromProvider | not) | .id')
SCREENINGS=$(api "$API/cases/$ID" | jq -r '.data.entities[].checks[] | select(.fromProvider) | .id')

# The client provides (here an analyst submits on their behalf; the client
# does it through the portal link).
FIRST=$(echo "$OWED" | head -n 1)
api -X PATCH "$API/cases/$ID/checks/$FIRST" -d '{"status": "SUBMITTED"}' > /dev/null
echo "flag: $(flag)"   # COLLECTING: something provided, something still owed
for c in $(echo "$OWED" | tail -n +2); do
  api -X PATCH "$API/cases/$ID/checks/$c" -d '{"status": "SUBMITTED"}' > /dev/null
done
echo "flag: $(flag)"   # REVIEWING: the client owes nothing more

# The officer rejects one: the client is asked again (the same link works).
api -X PATCH "$API/cases/$ID/checks/$FIRST" -d '{"status": "REJECTED", "reason": "The photo is unreadable."}' > /dev/null
echo "flag: $(flag)"   # RECOLLECTING
api "$API/cases?flag=RECOLLECTING&q=$ID" | jq -r '.data.items[] | "\(.caseNumber) \(.flag)"'
api -X PATCH "$API/cases/$ID/checks/$FIRST" -d '{"status": "SUBMITTED"}' > /dev/null

# The officer approves what the client sent; providers answer the screenings.
for c in $OWED; do
  api -X PATCH "$API/cases/$ID/checks/$c" -d '{"status": "APPROVED"}' > /dev/null
done
for c in $SCREENINGS; do
  api -X POST "$API/cases/$ID/checks/$c/result" -d '{"result": "APPROVED", "provider": "ScreenCo", "reference": "SC-1029"}' > /dev/null
done

# A provider's result is a signal: the case takes it in a moment later.
for _ in $(seq 100); do
  [ "$(api "$API/cases/$ID" | jq -r .data.status)" = APPROVED ] && break
  sleep 0.1
done
api "$API/cases/$ID" | jq -r '"\(.data.caseNumber) is \(.data.status), flag \(.data.flag)"'
