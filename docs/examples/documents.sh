#!/usr/bin/env bash
# Documents: a file sent for a requested item, listed and downloaded, as
# README.md shows it. Needs curl, jq and sha256sum, API and TOKEN.
set -euo pipefail
: "${API:?set API, e.g. http://localhost:8080/api/v1}" "${TOKEN:?set TOKEN to a bearer token}"
AUTH="Authorization: Bearer $TOKEN"
api() { curl -sS --fail-with-body -H "$AUTH" "$@"; }

# A sent identity verification, and the check its identity document answers.
ID=$(api -X POST "$API/cases" -H 'Content-Type: application/json' -d '{
  "type": "IDENTITY_VERIFICATION",
  "client": {"name": "Jane Roe", "email": "jane.roe@example.com"},
  "entities": [{"kind": "INDIVIDUAL", "name": "Jane Roe", "role": "applicant"}]
}' | jq -r .data.id)
api -X POST "$API/cases/$ID/send" > /dev/null
CHECK=$(api "$API/cases/$ID" | jq -r '.data.entities[0].checks[] | select(.type == "IDENTITY_DOCUMENT") | .id')

# Upload on the client's behalf (the client does the same through the
# portal): one multipart field per file, named file:<checkId>.
DIR=$(mktemp -d); trap 'rm -rf "$DIR"' EXIT
printf '%%PDF-1.4\n%% passport scan\n%%%%EOF\n' > "$DIR/passport.pdf"
DOC=$(api -X POST "$API/cases/$ID/documents" -F "file:$CHECK=@$DIR/passport.pdf" | jq -r '.data[0].id')

# List the case's documents, then download one: the download is recorded
# on the case's timeline (DOCUMENT_VIEWED) before the file is handed over.
api "$API/cases/$ID/documents" | jq -r '.data[] | "\(.name): \(.contentType), \(.size) bytes"'
api -o "$DIR/downloaded.pdf" "$API/cases/$ID/documents/$DOC"
WANT=$(api "$API/cases/$ID/documents" | jq -r '.data[0].sha256')
GOT=$(sha256sum "$DIR/downloaded.pdf" | cut -d' ' -f1)
api "$API/cases/$ID" | jq -r --arg ok "$([ "$WANT" = "$GOT" ] && echo matches || echo DIFFERS)" \
  '"\(.data.caseNumber): identity document \(.data.entities[0].checks[0].status), \([.data.timeline[] | select(.eventType == "DOCUMENT_VIEWED")] | length) view recorded, SHA-256 \($ok)"'
