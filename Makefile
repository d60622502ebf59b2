# kesu (客诉). `make run` starts kesu on the embedded SQLite default;
# `make test` runs every test that can run on this machine.
GO      ?= go
BIN     := bin/kesu
ADDR    ?= 127.0.0.1:8080
DB      ?= kesu.db

.PHONY: all build run test race vet bench clean

all: build

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/kesu

run: build
	./$(BIN) serve --addr $(ADDR) --db $(DB)

# Unit, store contract (SQLite always; PostgreSQL when KESU_TEST_POSTGRES_URL
# is set), API, CLI and crash tests. With KESU_TEST_REQUIRE_ALL=1 a test that
# would skip for a missing service fails instead.
# The browser tests (web) save screenshots of the main pages, desktop and
# 375 px wide, in $(SCREENSHOTS).
SCREENSHOTS ?= $(or $(TMPDIR),/tmp)/kesu-screenshots
test: vet
	@echo "screenshots of the main pages (desktop and 375 px) go to $(SCREENSHOTS)"
	KESU_SCREENSHOTS=$(SCREENSHOTS) $(GO) test -count=1 ./...
	@echo "screenshots of the main pages (desktop and 375 px): $(SCREENSHOTS)"

race:
	$(GO) test -race -count=1 ./...

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

bench: build
	./$(BIN) bench intake --clients 32 --duration 10s

clean:
	rm -rf bin
