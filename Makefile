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
# The FlinkSessionJob CRD goes to the chart's files/, not crds/: Helm installs
# crds/ unconditionally, and this one only with sessionJobs.enabled
# (templates/flinksessionjob-crd.yaml).
SESSION_JOB_CRD_FILE := flink.apache.org_flinksessionjobs.yaml

.PHONY: help build test generate golden lint envtest bench fmt dev-cluster dev-cluster-down e2e

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build flink-operator, flink-render and flink-fetch into bin/
	go build -o bin/ ./cmd/...

test: envtest $(CONTROLLER_GEN) ## run every test (race detector on) against a real API server
	KUBEBUILDER_ASSETS="$$(hack/envtest.sh | tail -n 1)" CONTROLLER_GEN="$(CONTROLLER_GEN)" \
		go test -race -count=1 ./...

generate: $(CONTROLLER_GEN) ## regenerate deepcopy code, the CRD (schemas/, charts/) and the Go copy of the version table
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths=./schemas/v1beta1/...
	$(CONTROLLER_GEN) crd:allowDangerousTypes=true paths=./schemas/v1beta1/... output:crd:dir=schemas/crd
	cp schemas/crd/$(CRD_FILE) charts/flink-operator/crds/$(CRD_FILE)
	cp schemas/crd/$(SESSION_JOB_CRD_FILE) charts/flink-operator/files/$(SESSION_JOB_CRD_FILE)
	go run ./schemas/versions/gen

golden: ## rewrite the golden files from the current templates
	UPDATE_GOLDEN=1 go test ./golden/...

lint: ## gofmt, go vet and cue vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	go vet ./...

fmt: ## format Go and CUE sources
	gofmt -w $$(git ls-files '*.go')

envtest: ## build kube-apiserver and etcd for tests (cached); prints their folder
	@hack/envtest.sh

dev-cluster: ## start a local control plane whose node runs real Flink (DEV_FLINK=fake: kwok, fake JobManagers); prints its KUBECONFIG
	@hack/dev-cluster.sh up

dev-cluster-down: ## stop the local control plane and delete its data
	@hack/dev-cluster.sh down

e2e: ## end-to-end tests on the dev cluster (started for the run unless already up)
	hack/e2e.sh

bench: ## render benchmarks
	go test -run '^$$' -bench . -benchmem ./renderer/

# This operator beside the Apache Flink Kubernetes Operator 1.7.0 on one API
# server, and the API server's floor (BENCHMARKS.md, issue 23). Needs java
# and mvn, and fails without them; N and rounds: BENCH_VS_APACHE_N (default
# 100,1000) and BENCH_VS_APACHE_ROUNDS (default 1).
.PHONY: bench-vs-apache
bench-vs-apache: ## this operator beside the Apache operator 1.7.0, and the API server's floor (java, mvn; ~20 min)
	KUBEBUILDER_ASSETS="$$(hack/envtest.sh | tail -n 1)" BENCH_VS_APACHE_REQUIRE=1 \
		go test -run '^$$' -bench '^BenchmarkVsApache$$' -benchtime 1x -timeout 3h ./cmd/flink-operator/

# The same benchmark with this operator alone, as one process and as two
# shards (--label-selector, a Lease each) over the same N FlinkDeployments
# (BENCHMARKS.md, "Two shards"); BENCH_VS_APACHE_N as above, default 1000.
.PHONY: bench-shards
bench-shards: ## this operator as one process and as two label shards, N=1000 (~5 min)
	BENCH_VS_APACHE_ONLY=ours,shards BENCH_VS_APACHE_N="$${BENCH_VS_APACHE_N:-1000}" $(MAKE) bench-vs-apache

# Short fuzz runs of everything that parses user input, part of `make test`.
# Longer runs: make fuzz FUZZTIME=5m (see BENCHMARKS.md, "Fuzzing").
FUZZTIME ?= 15s
.PHONY: fuzz
test: fuzz
fuzz: ## fuzz YAML decoding and rendering for FUZZTIME each (default 15s)
	go test -run '^$$' -fuzz '^FuzzFile$$' -fuzztime $(FUZZTIME) ./schemas/decode/
	go test -run '^$$' -fuzz '^FuzzRender$$' -fuzztime $(FUZZTIME) ./renderer/

# Tools are built into a folder of this process's own and renamed into
# place, so concurrent makes (make test beside make e2e) never share a
# temporary file: the rename is atomic, and the loser's copy is the same.
$(CONTROLLER_GEN):
	mkdir -p $(TOOLS)
	tmp=$$(mktemp -d $(TOOLS)/.build.XXXXXX) && \
		GOFLAGS= GOBIN=$$tmp go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION) && \
		mv -f $$tmp/controller-gen $@; status=$$?; rm -rf $$tmp; exit $$status

# Helm, for the chart's tests and `make release`, built from Go modules into
# the tools cache like controller-gen. The chart tests find it through $HELM.
HELM_VERSION := v3.22.0
HELM_BIN := $(TOOLS)/helm-$(HELM_VERSION)/helm
.PHONY: helm
test: $(HELM_BIN)
test: export HELM := $(HELM_BIN)

helm: $(HELM_BIN) ## build helm into the tools cache (once) and print its path
	@echo $(HELM_BIN)

$(HELM_BIN):
	mkdir -p $(dir $@)
	tmp=$$(mktemp -d $(TOOLS)/.build.XXXXXX) && \
		GOFLAGS= GOBIN=$$tmp go install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION) && \
		mv -f $$tmp/helm $@; status=$$?; rm -rf $$tmp; exit $$status

# Release artifacts in dist/: static binaries for each platform (the
# operator, flink-render, and flink-fetch, the jar fetcher's init container)
# and the packaged chart, with SHA256SUMS. Builds are reproducible: -trimpath, no
# build id, no VCS stamp, CGO off, and the chart archive gets fixed file
# times and owners (helm package stamps the current time), so the same
# source, VERSION and SOURCE_DATE_EPOCH give byte-identical files.
DIST ?= dist
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
# COMMIT is the revision build_info reports (the binaries carry no VCS stamp).
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
RELEASE_PLATFORMS := linux/amd64 linux/arm64
RELEASE_LDFLAGS := -s -w -buildid= -X main.version=$(VERSION) -X main.commit=$(COMMIT)
CHART_VERSION = $(shell awk '/^version:/ {print $$2}' charts/flink-operator/Chart.yaml)
.PHONY: release release-check

release: $(HELM_BIN) ## reproducible linux/amd64 and linux/arm64 binaries (flink-operator, flink-render, flink-fetch) and the packaged chart, with SHA256SUMS, into dist/
	rm -rf $(DIST) && mkdir -p $(DIST)
	for platform in $(RELEASE_PLATFORMS); do \
		os=$${platform%/*}; arch=$${platform#*/}; \
		for cmd in flink-operator flink-render flink-fetch; do \
			CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch go build -trimpath -buildvcs=false -ldflags='$(RELEASE_LDFLAGS)' \
				-o $(DIST)/$$cmd-$$os-$$arch ./cmd/$$cmd || exit 1; \
		done; \
	done
	$(HELM_BIN) lint --strict charts/flink-operator
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
		$(HELM_BIN) package charts/flink-operator --destination "$$tmp" >/dev/null && \
		tar -xzmf "$$tmp/flink-operator-$(CHART_VERSION).tgz" -C "$$tmp" && \
		tar -C "$$tmp" --sort=name --mtime=@$(SOURCE_DATE_EPOCH) --owner=0 --group=0 --numeric-owner \
			--mode='a=r,u+w,a+X' --format=gnu -cf - flink-operator | gzip -n -9 > $(DIST)/flink-operator-$(CHART_VERSION).tgz
	cd $(DIST) && sha256sum flink-* > SHA256SUMS && cat SHA256SUMS

release-check: ## build the release twice, from two copies of the tree, and check the artifacts are byte-identical
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
		mkdir -p "$$tmp/src" && tar --exclude=./.git --exclude=./$(DIST) --exclude=./bin --exclude='*.test' -cf - . | tar -xf - -C "$$tmp/src" && \
		$(MAKE) --no-print-directory release DIST="$$tmp/first" VERSION=$(VERSION) COMMIT=$(COMMIT) SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) >/dev/null && \
		$(MAKE) --no-print-directory -C "$$tmp/src" release DIST="$$tmp/second" VERSION=$(VERSION) COMMIT=$(COMMIT) SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) >/dev/null && \
		diff "$$tmp/first/SHA256SUMS" "$$tmp/second/SHA256SUMS" && echo "reproducible:" && cat "$$tmp/first/SHA256SUMS"
