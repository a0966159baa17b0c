# flink-operator. `make help` lists the targets.
#
# Built tools live outside the repository, in $(CACHE), and are reused across
# runs and clones: a fresh machine builds them once.

SHELL := /usr/bin/env bash -o pipefail
CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/flink-operator
TOOLS := $(CACHE)/tools
export GOFLAGS ?= -mod=readonly

CONTROLLER_GEN_VERSION := v0.23.0
CONTROLLER_GEN := $(TOOLS)/controller-gen-$(CONTROLLER_GEN_VERSION)
CRD_FILE := flink.apache.org_flinkdeployments.yaml

.PHONY: help build test generate golden lint envtest bench fmt

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build flink-render and flink-operator into bin/
	go build -o bin/ ./cmd/...

test: envtest $(CONTROLLER_GEN) ## run every test (race detector on) against a real API server
	KUBEBUILDER_ASSETS="$$(hack/envtest.sh | tail -n 1)" CONTROLLER_GEN="$(CONTROLLER_GEN)" \
		go test -race -count=1 ./...

generate: $(CONTROLLER_GEN) ## regenerate deepcopy code and the CRD (schemas/, charts/)
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths=./schemas/v1beta1/...
	$(CONTROLLER_GEN) crd:allowDangerousTypes=true paths=./schemas/v1beta1/... output:crd:dir=schemas/crd
	cp schemas/crd/$(CRD_FILE) charts/flink-operator/crds/$(CRD_FILE)

golden: ## rewrite the golden files from the current templates
	UPDATE_GOLDEN=1 go test ./golden/...

lint: ## gofmt, go vet and cue vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	go vet ./...

fmt: ## format Go and CUE sources
	gofmt -w $$(git ls-files '*.go')

envtest: ## build kube-apiserver and etcd for tests (cached); prints their folder
	@hack/envtest.sh

bench: ## render benchmarks
	go test -run '^$$' -bench . -benchmem ./renderer/

$(CONTROLLER_GEN):
	mkdir -p $(TOOLS)/tmp
	GOFLAGS= GOBIN=$(TOOLS)/tmp go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION)
	mv $(TOOLS)/tmp/controller-gen $@
