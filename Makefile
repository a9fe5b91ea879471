# caseflow: `make run` starts everything locally, `make test` runs the whole
# suite. Both work as the first command on a fresh machine: they build the
# pinned Temporal CLI into ./bin and provision Postgres when none answers;
# `make test` also installs Debian's chromium for the portal's browser test.

GO       ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
BIN      := $(CURDIR)/bin
TEMPORAL := $(BIN)/temporal
CASEFLOW := $(BIN)/caseflow
# The dev server the project is tested against (newer releases do not
# `go install`).
TEMPORAL_VERSION := v1.5.1
# The real Temporal server and its SQL tool, for `make cluster` and the
# cluster suite: the server the dev server above embeds, and the one
# docker-compose.yml deploys (temporalclient.ServerVersion, checked
# by the compose test).
TEMPORAL_SERVER_VERSION := 1.29.1
TEMPORAL_SERVER := $(BIN)/temporal-server
TEMPORAL_SQL_TOOL := $(BIN)/temporal-sql-tool
# staticcheck 2026.2.2 (module v0.8.2), a release that supports this Go;
# pinned so that lint reports the same on every machine.
STATICCHECK := $(BIN)/staticcheck
STATICCHECK_VERSION := v0.8.2

export CASEFLOW_TEMPORAL_BIN := $(TEMPORAL)
# The client portal's browser test drives Debian's Chromium, headless.
CHROMIUM ?= /usr/bin/chromium
export CASEFLOW_CHROMIUM := $(CHROMIUM)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-short build lint clean bench fuzz fuzz-run chaos cluster

build:
	$(GO) build -o $(CASEFLOW) ./cmd/caseflow

$(TEMPORAL):
	@echo "building the temporal CLI $(TEMPORAL_VERSION) into ./bin (2 to 8 minutes on two cores, once; each package is listed as it is built)"
	GOBIN=$(BIN) $(GO) install -v github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_VERSION)

$(TEMPORAL_SERVER) $(TEMPORAL_SQL_TOOL):
	@echo "building the Temporal server $(TEMPORAL_SERVER_VERSION) and temporal-sql-tool into ./bin (3 to 5 minutes on two cores, once)"
	GOBIN=$(BIN)/.server-build $(GO) install -v go.temporal.io/server/cmd/server@v$(TEMPORAL_SERVER_VERSION) \
		go.temporal.io/server/cmd/tools/sql@v$(TEMPORAL_SERVER_VERSION)
	mv $(BIN)/.server-build/server $(TEMPORAL_SERVER)
	mv $(BIN)/.server-build/sql $(TEMPORAL_SQL_TOOL)
	rmdir $(BIN)/.server-build

$(STATICCHECK):
	@echo "building staticcheck $(STATICCHECK_VERSION) into ./bin (once)"
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

run: build $(TEMPORAL)
	$(CASEFLOW) dev

# Past one machine, on this one: the real Temporal server on the Postgres
# `make run` uses, two APIs and three workers (caseflow cluster --help).
cluster: build $(TEMPORAL_SERVER) $(TEMPORAL_SQL_TOOL)
	$(CASEFLOW) cluster --bin $(BIN) $(CLUSTER_ARGS)

$(CHROMIUM):
	@echo "installing Debian's chromium for the portal's browser test (once)"
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# The README's API examples (docs/examples) run under test with curl and jq.
EXAMPLE_TOOLS := /usr/bin/jq /usr/bin/curl
$(EXAMPLE_TOOLS):
	@echo "installing Debian's jq and curl for the README's examples (once)"
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq curl

# Tests start their own Temporal dev servers from ./bin/temporal on free
# ports; `dev exec` hands them a Postgres server in CASEFLOW_TEST_DATABASE_URL.
# Then two small chaos runs (below) prove the retry promises under faults,
# the API and the worker as two processes, then as one (caseflow serve,
# whose creates start eagerly); each one's last line is its summary, and a
# failed promise fails the target.
test: build $(TEMPORAL) $(TEMPORAL_SERVER) $(TEMPORAL_SQL_TOOL) $(CHROMIUM) $(EXAMPLE_TOOLS)
	$(CASEFLOW) dev exec -- sh -c '$(GO) test -count=1 -timeout 20m ./... && $(MAKE) --no-print-directory fuzz-run FUZZTIME=$(TEST_FUZZTIME)'
	$(CASEFLOW) chaos $(TEST_CHAOS_ARGS)
	$(CASEFLOW) chaos $(TEST_CHAOS_ARGS) --serve

# The fast tier: no Postgres, no Temporal, seconds. Tests that need a
# service skip under -short (docs/ARCHITECTURE.md, "Tests in two tiers");
# `make test` runs them all.
test-short:
	$(GO) test -short ./...

# Fault injection, on loopback with a Postgres cluster and dev server of
# its own: 200 investigations driven to CLOSED by 8 clients while the
# worker, Postgres, the API and Temporal are killed and brought back in
# turn, then every promise reconciled (see caseflow chaos --help). Bounded
# by --deadline (15m); the last line is "N passed, N failed". CHAOS_ARGS
# adds flags. `make test` runs 20 cases, one fault of each kind, with a
# short idempotency lease so a killed API's keys free up within a minute.
TEST_CHAOS_ARGS := --cases 20 --clients 8 --lease 15s

chaos: build $(TEMPORAL)
	$(CASEFLOW) chaos $(CHAOS_ARGS)

# Fuzz targets, as package:name. `go test` runs their committed corpus
# (testdata/fuzz) like any test; `make test` also fuzzes each for
# TEST_FUZZTIME, `make fuzz` for FUZZTIME. An input that fails is written
# to the package's testdata/fuzz, to be fixed and kept; inputs that only
# widen coverage stay in Go's cache.
FUZZ_TARGETS := ./workflows/contract:FuzzText ./workflows/contract:FuzzObject \
	./api:FuzzDecodeBody ./api:FuzzDecodeCursor ./api:FuzzFileName ./store:FuzzAcceptedCaseIsStorable \
	./store/documents:FuzzOpen
TEST_FUZZTIME := 4s
FUZZTIME ?= 2m

fuzz: build $(TEMPORAL)
	$(CASEFLOW) dev exec -- $(MAKE) --no-print-directory fuzz-run FUZZTIME=$(FUZZTIME)

fuzz-run:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzzing $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

# Load: the API against the raw Temporal SDK, 1M cases seeded for lists.
# Bounded (see caseflow bench --help); BENCH_ARGS adds flags.
bench: build $(TEMPORAL) $(TEMPORAL_SERVER) $(TEMPORAL_SQL_TOOL)
	$(CASEFLOW) bench --json bench.json $(BENCH_ARGS)

# gofmt, go vet, then staticcheck: cheapest first.
lint: $(STATICCHECK)
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

clean:
	rm -rf $(BIN) .data
