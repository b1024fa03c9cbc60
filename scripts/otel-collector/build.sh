#!/usr/bin/env bash
# Builds the minimal collector (main.go: OTLP receiver + debug exporter, collector v0.165.0) into a
# cache directory outside the repository, once; prints the binary's path. Needs Go >= 1.26 and the
# Go module proxy. The binary (~50 MB) and the module cache are never committed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${OTEL_COLLECTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/digilocker-revocation/otel-collector}"
binary="$cache/otelcol-$(sha256sum "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-12)"
if [[ ! -x "$binary" ]]; then
  mkdir -p "$cache"
  echo "building the collector into $binary (first run: a few minutes)" >&2
  (cd "$here" && GOFLAGS=-mod=readonly nice go build -trimpath -o "$binary.tmp" . && mv "$binary.tmp" "$binary")
  # Binaries of earlier versions of these files go: each is ~50 MB.
  find "$cache" -maxdepth 1 -name 'otelcol-*' ! -name "$(basename "$binary")" -delete
fi
echo "$binary"
