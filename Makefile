# Every module of the repository: the core and the nested ones (benchmarks,
# adapters) that keep heavy dependencies out of the core's go.mod.
MODULES := $(patsubst ./%,%,$(patsubst %/go.mod,%,$(shell find . -name go.mod -not -path './.git/*' | sort)))
GO ?= go
FUZZTIME ?= 10s
STATICCHECK_VERSION ?= v0.8.2
BENCHCOUNT ?= 6
BENCHTIME ?= 1s
HTTPPAIRS ?= 40
HTTPAB = cd benchmarks && $(GO) run ./cmd/httpab -pairs $(HTTPPAIRS)

.PHONY: test cover bench bench-http demo lint fuzz soak

## test: vet and race-test every module (what CI runs)
test:
	@set -e; for m in $(MODULES); do \
		echo "== $$m: go vet"; (cd $$m && $(GO) vet ./...); \
		echo "== $$m: go test -race"; (cd $$m && $(GO) test -race -count=1 -timeout 240s ./...); \
		echo "== $$m: allocation guards (no -race: it makes sync.Pool drop items)"; \
		(cd $$m && $(GO) test -count=1 -run 'Alloc' ./...); \
	done

## cover: per-package statement coverage of the core module
cover:
	$(GO) test -count=1 -cover ./...

## bench: peers side by side, medians of BENCHCOUNT runs (see docs/benchmarks.md)
bench:
	cd benchmarks && $(GO) run ./cmd/benchtable -count $(BENCHCOUNT) -benchtime $(BENCHTIME)
	$(HTTPAB) -a bare -b resilience
	$(HTTPAB) -a bare-cancellable -b resilience-cancellable

## bench-http: requests/s and CPU/request of the HTTP stacks against bare,
## the clients taking turns in one process (see docs/benchmarks.md)
bench-http:
	$(HTTPAB) -a bare -b bare
	$(HTTPAB) -a bare -b bare-cancellable
	$(HTTPAB) -a bare -b resilience-no-policies
	$(HTTPAB) -a bare -b resilience-retry
	$(HTTPAB) -a bare -b resilience
	$(HTTPAB) -a bare-cancellable -b resilience-cancellable
	$(HTTPAB) -a bare -b bare-cancellable -workers 32
	$(HTTPAB) -a bare -b resilience -workers 32
	$(HTTPAB) -a bare -b resilience -workers 1

## demo: the flaky-upstream demo: 10s of traffic; under a minute on a fresh clone, module download and build included
demo:
	$(GO) run ./cmd/demo

## lint: gofmt, go vet and staticcheck (pinned, fetched through the module
## proxy on first use) on every module
lint:
	@test -z "$$(gofmt -l .)" || { gofmt -l .; echo "gofmt: files above need formatting"; exit 1; }
	@set -e; for m in $(MODULES); do \
		echo "== $$m: go vet, staticcheck $(STATICCHECK_VERSION)"; \
		(cd $$m && $(GO) vet ./... && $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...); \
	done

## fuzz: every fuzz target for FUZZTIME each
fuzz:
	@set -e; for pkg in $$(grep -rl --include='*_test.go' '^func Fuzz' . | grep -v '^./benchmarks' | xargs -n1 dirname | sort -u); do \
		for f in $$(grep -h '^func Fuzz' $$pkg/*_test.go | sed 's/func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
			echo "== $$pkg $$f"; $(GO) test $$pkg -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME); \
		done; \
	done

## soak: the long parallel soak tests (build tag soak)
soak:
	$(GO) test -race -count=1 -tags soak -run Soak -timeout 20m ./...
