# baton: thin targets; .ci/run calls `make test`.
GO      ?= go
PKGS    := ./...
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/batonhq/baton/engine/version.Version=$(VERSION)
FUZZTIME ?= 5s

.PHONY: build test fmt-check vet unit windows fuzz-smoke bench demo golden test-integration clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/baton ./cmd/baton

## test: everything CI checks (formatting, vet, race tests, Windows build, fuzz smoke)
test: fmt-check vet unit windows fuzz-smoke

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

unit:
	$(GO) test -race -count=1 -timeout 15m $(PKGS)

## windows: vet every package for Windows and build every test binary (which
## compiles every package, the command's included), so that Windows-only
## files compile with their tests. The
## binaries are not run (/bin/true stands in): Wine 8 cannot run Go 1.26 ones.
windows:
	GOOS=windows GOARCH=amd64 $(GO) vet $(PKGS)
	GOOS=windows GOARCH=amd64 $(GO) test -vet=off -exec /bin/true $(PKGS)

fuzz-smoke:
	@./.ci/fuzz-smoke $(FUZZTIME)

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 $(PKGS)

demo: build
	@./scripts/demo.sh

## golden: rewrite every golden file (review the diff before committing).
## -update is internal/golden's flag, so only the packages whose tests
## import it get it (any other test binary would reject the flag).
golden:
	$(GO) test -count=1 $$(grep -rl --include='*_test.go' '"github.com/batonhq/baton/internal/golden"' . | xargs -n1 dirname | sort -u) -update

test-integration:
	@if [ -z "$$BATON_TEST_MSSQL_DSN" ]; then echo "set BATON_TEST_MSSQL_DSN to a ConfigMgr site database to run the integration suite"; exit 1; fi
	$(GO) test -count=1 -run Integration ./steps/...

clean:
	rm -rf bin
