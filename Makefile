# phonghop — build, run and test.
#   make run    build the web app and the server, serve http://127.0.0.1:8080 with demo data
#   make test   everything: Go tests on SQLite and PostgreSQL, embedded and external NATS,
#               media tests on loopback, frontend type checks, browser tests
#   make lint   gofmt, go vet, frontend type checks

GO        ?= go
BIN       := bin/phonghop
DATA_DIR  ?= data
GOFLAGS_TEST ?= -count=1
# Go packages whose tests send media keep to loopback through their own settings; the browser
# tests run inside a network namespace that has only a loopback interface (see e2e/run.sh).

.PHONY: all build run frontend frontend-deps test test-go test-frontend e2e lint clean

all: build

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

frontend-deps: frontend/node_modules/.package-lock.json

# The app is rebuilt when any of its sources change.
FRONTEND_SRC := $(shell find frontend/src frontend/public frontend/index.html frontend/vite.config.ts frontend/tsconfig.json frontend/package.json -type f 2>/dev/null)
frontend/dist/index.html: frontend/node_modules/.package-lock.json $(FRONTEND_SRC)
	cd frontend && npm run build

frontend: frontend/dist/index.html

$(BIN): frontend/dist/index.html $(shell find . -name '*.go' -not -path './frontend/node_modules/*' 2>/dev/null) go.mod go.sum
	$(GO) build -o $(BIN) ./cmd/phonghop

build: $(BIN)

run: build
	PHONGHOP_DATA_DIR=$(DATA_DIR) ./$(BIN) serve --demo

test: lint test-go e2e

# Media tests (sfu) run inside a network namespace that has only loopback, on top of their own
# loopback-only Pion settings: no packet can reach another address.
NETNS := $(if $(filter 0,$(shell id -u)),unshare -n,unshare -rn)
test-go:
	$(GO) test $(GOFLAGS_TEST) $$($(GO) list ./... | grep -Ev '/(sfu|loadtest)')
	$(NETNS) sh -c 'ip link set lo up && exec $(GO) test -p 1 $(GOFLAGS_TEST) ./sfu/... ./loadtest/...'

test-frontend: frontend-deps
	cd frontend && npm run check

e2e/node_modules/.package-lock.json: e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund
	@touch $@

# The browser tests' helpers, built here so that the tests, in their namespace, need no Go
# toolchain: Pion meeting points and a NATS server on loopback (e2e/mediafeed), and the stand-in
# for the SFU's side of a recording (recordfixture).
MEDIAFEED := bin/mediafeed
$(MEDIAFEED): $(shell find e2e/mediafeed internal sfu -name '*.go' 2>/dev/null) go.mod go.sum
	$(GO) build -o $(MEDIAFEED) ./e2e/mediafeed

# The province sign-in test runs its own OpenID provider (internal/auth/oidctest) as bin/testop.
TESTOP := bin/testop
$(TESTOP): $(shell find internal/auth -name '*.go' 2>/dev/null) go.mod go.sum
	$(GO) build -o $(TESTOP) ./internal/auth/oidctest/cmd/testop

e2e: build $(MEDIAFEED) $(TESTOP) e2e/node_modules/.package-lock.json
	$(GO) build -o bin/recordfixture ./sfu/record/cmd/recordfixture
	PHONGHOP_BIN=$(CURDIR)/$(BIN) MEDIAFEED_BIN=$(CURDIR)/$(MEDIAFEED) RECORD_FIXTURE_BIN=$(CURDIR)/bin/recordfixture TESTOP_BIN=$(CURDIR)/$(TESTOP) e2e/run.sh

lint: test-frontend
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin e2e/artifacts
	find frontend/dist -mindepth 1 ! -name .keep -delete

-include mk/*.mk
