# kubectl-eksaccess. `make demo` and `make test` are the README's two commands.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

BIN      := bin/kubectl-eksaccess
PKG      := github.com/eksaccess/kubectl-eksaccess/pkg/cmd
VERSION  ?= $(shell git describe --tags --match 'v*' --dirty 2>/dev/null || echo v0.0.0-$$(git rev-parse --short HEAD 2>/dev/null || echo dev))
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null)
# The commit's date, not the clock's, so that a build is reproducible.
DATE     ?= $(shell git log -1 --format=%cI 2>/dev/null)
LDFLAGS  := -s -w -X $(PKG).version=$(VERSION) -X $(PKG).commit=$(COMMIT) -X $(PKG).date=$(DATE)
# Same flags as .goreleaser.yaml: no cgo (it doubles the binary), no local paths.
export CGO_ENABLED := 0
# go.work is for editors: builds and tests use each module's own go.mod, as
# goreleaser and `go install ...@latest` do.
export GOWORK := off
GOFLAGS_BUILD := -trimpath -ldflags '$(LDFLAGS)'

.PHONY: build install testbin test test-unit test-e2e vet conformance bench demo fuzz krew-test release-test stress sandbox-up sandbox-down clean

build: ## Build bin/kubectl-eksaccess
	go build $(GOFLAGS_BUILD) -o $(BIN) ./cmd/kubectl-eksaccess

install: ## go install the plugin into $GOBIN (kubectl finds it on PATH)
	go install $(GOFLAGS_BUILD) ./cmd/kubectl-eksaccess

testbin: ## Build kube-apiserver and etcd for the e2e tests (cached; first run ~5-11 min)
	@bash hack/testbin.sh

# make test: the plugin's unit tests, then the test module (test/go.mod):
# end-to-end tests against a real kube-apiserver and etcd, the sandbox, the
# access-entry tests and the conformance tests against the real
# aws-iam-authenticator code. EKSACCESS_E2E=required (as .ci/run sets) turns
# a missing control plane or tool into a failure instead of a skip.
test: build vet test-unit test-e2e ## Run every test

test-unit: ## Unit tests of the plugin's module (no control plane; the SARIF schema from hack/sarif-schema.sh)
	SARIF_SCHEMA="$$(bash hack/sarif-schema.sh)" go test -count=1 ./...

# -timeout 30m: the sandbox package alone runs ~10 min on a loaded 2-core machine
# (each AWS CLI call starts Python), go test's default limit.
test-e2e: build ## The test module: e2e, sandbox, access entries, conformance, and 20 s of FuzzEditJudged
	assets="$$(bash hack/testbin.sh)" && cd test && \
	  PATH="$$PATH:$$assets" KUBEBUILDER_ASSETS="$$assets" EKSACCESS_PLUGIN="$(CURDIR)/$(BIN)" go test -count=1 -timeout 30m ./... && \
	  go test -run '^$$' -fuzz FuzzEditJudged -fuzztime 20s -parallel 1 ./conformance

vet: ## gofmt and go vet over both modules (the plugin and test/)
	@out=$$(gofmt -l cmd pkg test hack); if [[ -n $$out ]]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	cd test && go vet ./...

conformance: ## Only the differential tests against aws-iam-authenticator v0.7.13
	cd test && go test -v ./conformance

fuzz: ## Fuzz edits (FuzzEditJudged, FUZZTIME, default 15m) and the parser (FuzzParse, 2m) against the real authenticator
	cd test && go test -run '^$$' -fuzz FuzzEditJudged -fuzztime $${FUZZTIME:-15m} -parallel 1 ./conformance && \
	  go test -run '^$$' -fuzz FuzzParse -fuzztime 2m -parallel 1 ./conformance

bench: ## Parse/lint benchmarks (goal: 5,000 entries in < 20 ms, < 30 MB)
	go test -run '^$$' -bench . -benchmem ./pkg/awsauth/

demo: build testbin ## Replay the Unauthorized -> add -> access story on a local sandbox cluster
	bash hack/demo.sh

sandbox-up: build testbin ## Start the local EKS sandbox (see hack/sandbox.sh)
	bash hack/sandbox.sh up

sandbox-down: ## Stop the local EKS sandbox
	bash hack/sandbox.sh down

stress: ## 50 concurrent writers (add and remove mixed, default flags), 10 times, under CPU load
	assets="$$(bash hack/testbin.sh)"; sh -c 'while :; do :; done' & h1=$$!; sh -c 'while :; do :; done' & h2=$$!; \
	rc=0; (cd test && KUBEBUILDER_ASSETS="$$assets" EKSACCESS_E2E=required go test -count=10 -run TestE2EConcurrentMixedProcesses ./e2e) || rc=$$?; \
	kill $$h1 $$h2; exit $$rc

release-test: ## actionlint on .github/workflows (broken copies must fail), pins, CHANGELOG notes, krew index update
	bash hack/release-test.sh

krew-test: ## Build a goreleaser snapshot, validate the krew manifest, install it with krew offline
	bash hack/krew-test.sh

clean:
	rm -rf bin dist
