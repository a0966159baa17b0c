# syntax=docker/dockerfile:1
#
# Two images from one build, each a static binary on a distroless base that
# runs as a non-root user and has no shell:
#
#   flink-operator  the controller (and flink-render); the default target
#   flink-fetch     the init container that downloads a remote spec.job.jarURI
#                   into a Flink pod; the operator's --fetcher-image
#
#   docker build --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg REVISION=$(git rev-parse HEAD) --target flink-operator -t flink-operator .
#   docker build ... --target flink-fetch -t flink-fetch .
#
# Base images are pinned to exact versions; CI should pin them further by
# digest (image@sha256:...) when it publishes.

FROM --platform=$BUILDPLATFORM golang:1.26.8 AS build
WORKDIR /src
# Modules first, so that this layer is reused until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG TARGETOS=linux
ARG TARGETARCH=amd64
ARG VERSION=dev
ARG COMMIT=unknown
# The same flags as `make release`: static, reproducible binaries. One build
# stage for both images: building the second target reuses this layer.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/go-build-cache \
    GOCACHE=/go-build-cache CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -buildvcs=false -ldflags="-s -w -buildid= -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /out/ ./cmd/flink-operator ./cmd/flink-render ./cmd/flink-fetch

# The fetcher alone: job pods pull this small image, not the operator.
# The pod's securityContext picks the user (Flink's, so that the jar belongs
# to it); the image's own is non-root too.
FROM gcr.io/distroless/static-debian12:nonroot AS flink-fetch
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="flink-fetch" \
      org.opencontainers.image.description="Init container of flink-operator: downloads a Flink job's jar (https, s3, gs) into the pod before Flink starts" \
      org.opencontainers.image.source="https://github.com/flinkops/flink-operator" \
      org.opencontainers.image.url="https://github.com/flinkops/flink-operator" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="gcr.io/distroless/static-debian12:nonroot"
COPY --from=build /out/flink-fetch /usr/local/bin/
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/flink-fetch"]

# Last, so that a build without --target makes the operator image.
FROM gcr.io/distroless/static-debian12:nonroot AS flink-operator
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="flink-operator" \
      org.opencontainers.image.description="Kubernetes operator for Apache Flink: renders FlinkDeployments with CUE templates and server-side-applies them" \
      org.opencontainers.image.source="https://github.com/flinkops/flink-operator" \
      org.opencontainers.image.url="https://github.com/flinkops/flink-operator" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="gcr.io/distroless/static-debian12:nonroot"
COPY --from=build /out/flink-operator /out/flink-render /usr/local/bin/
# distroless's "nonroot" user; numeric so that runAsNonRoot can verify it.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/flink-operator"]
