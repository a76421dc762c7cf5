# mhpa: a horizontal pod autoscaler for Kubernetes that reads metrics from many metrics servers.
#
# make test          everything CI runs: build the local control plane (once), verify generated
#                    code, unit + integration + e2e tests, and the conversion fuzzers
# make demo          the main job on a local control plane (see README)
# make help          all targets

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c

GO ?= go
BIN := $(CURDIR)/bin
# Where hack/controlplane/build.sh puts etcd, kube-apiserver, kube-controller-manager, kubectl.
export MHPA_CONTROLPLANE_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/mhpa/controlplane/v1.36.3
FUZZTIME ?= 30
TEST_TIMEOUT ?= 45m
GOTEST_FLAGS ?=

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: controlplane
controlplane: ## Build etcd, kube-apiserver, kube-controller-manager and kubectl into the cache (once).
	@hack/controlplane/build.sh >/dev/null

.PHONY: tools
tools: $(BIN)/controller-gen ## Build the code generators.

$(BIN)/controller-gen: hack/tools/go.mod
	@mkdir -p $(BIN)
	cd hack/tools && $(GO) build -o $(BIN)/controller-gen sigs.k8s.io/controller-tools/cmd/controller-gen

.PHONY: generate
generate: tools ## Regenerate deepcopy code and CRD manifests.
	hack/generate.sh

.PHONY: verify
verify: tools ## Fail if generated code is stale, code is not gofmt-ed, or go.mod is not tidy.
	hack/verify.sh
	@out=$$(gofmt -l $$(git ls-files '*.go') 2>&1); if [ -n "$$out" ]; then echo "verify: gofmt needed:"; echo "$$out"; exit 1; fi
	@$(GO) mod tidy -diff || { echo "verify: go.mod is not tidy; run go mod tidy"; exit 1; }

.PHONY: build
build: ## Build the binaries into bin/.
	$(GO) build -o $(BIN)/ ./cmd/...

# DEMO_FLAGS are passed to mhpa-demo, e.g. DEMO_FLAGS=--short or DEMO_FLAGS=--keep (--help lists all).
DEMO_FLAGS ?=

.PHONY: demo
demo: ## Run mhpa on a local control plane against a changing load; writes a plot. DEMO_FLAGS=--short|--keep|--help
	@echo "demo: building bin/mhpa-demo"
	@$(GO) build -o $(BIN)/mhpa-demo ./cmd/mhpa-demo
	@$(BIN)/mhpa-demo $(DEMO_FLAGS)

.PHONY: test
test: controlplane verify test-go test-fuzz ## Everything CI runs.

.PHONY: test-go
test-go: ## Unit, integration and e2e tests (integration and e2e run on the local control plane).
	$(GO) vet ./...
	$(GO) test -timeout $(TEST_TIMEOUT) $(GOTEST_FLAGS) ./...

.PHONY: test-unit
test-unit: ## Unit tests only: no API server.
	$(GO) test $(GOTEST_FLAGS) ./api/... ./config/... ./internal/replicas/... ./internal/behavior/... ./internal/decision/... \
		./internal/validation/... ./internal/webhook/... ./internal/certs/... ./pkg/adapter/... ./internal/fakemetrics/... \
		./internal/metrics ./internal/metrics/aggregated/... ./internal/metrics/breaker/... ./internal/metrics/dedupe/... \
		./internal/simulate/... ./internal/builtin/... ./internal/cli/... ./internal/monitoring/... ./internal/controller/... \
		./internal/shadow/... ./internal/subdomain/... ./internal/explain/... ./internal/chart/... ./internal/install/...

.PHONY: test-fuzz
test-fuzz: ## Run every conversion fuzz target for FUZZTIME seconds.
	hack/fuzz.sh $(FUZZTIME)

.PHONY: bench
bench: controlplane ## Benchmarks under test/bench (control plane start, reconcile throughput).
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./test/bench/...

.PHONY: lint
lint: ## go vet and gofmt (golangci-lint when installed).
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@if command -v golangci-lint >/dev/null; then golangci-lint run ./...; else echo "golangci-lint not installed: skipped"; fi

.PHONY: clean
clean: ## Remove build output (the control-plane cache stays; delete $MHPA_CONTROLPLANE_DIR to rebuild it).
	rm -rf $(BIN)
