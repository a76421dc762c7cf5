#!/usr/bin/env bash
# Builds the control plane that tests, benchmarks and the demo run on: kube-apiserver,
# kube-controller-manager and kubectl from k8s.io/kubernetes, and etcd, all from the Go module
# proxy at pinned versions. Binaries go to a cache outside the checkout and are built once.
#
# Usage: hack/controlplane/build.sh          build what is missing, print the directory
#        MHPA_CONTROLPLANE_DIR=/path ...      use another cache directory
set -euo pipefail

KUBE_VERSION=v1.36.3
ETCD_VERSION=v3.6.5
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${MHPA_CONTROLPLANE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mhpa/controlplane/$KUBE_VERSION}
mkdir -p "$dir"

log() { printf 'controlplane: %s\n' "$*" >&2; }

build() { # build MODULE_DIR PACKAGE BINARY
  local mod=$1 pkg=$2 bin=$3
  if [ -x "$dir/$bin" ]; then
    return
  fi
  log "building $bin from $pkg (cold builds take minutes on 2 cores)..."
  local start=$SECONDS tmp="$dir/.$bin.tmp.$$" buildlog="$dir/.$bin.build.log" status=0
  # Show progress: go build -v prints each package as it compiles; print a count every 200.
  # The whole output is kept in $buildlog so that a failure can show the compiler's errors.
  (cd "$here/$mod" && CGO_ENABLED=0 go build -trimpath -v -o "$tmp" "$pkg" 2>&1) |
    tee "$buildlog" |
    awk -v bin="$bin" '/^go: / { print > "/dev/stderr"; next } { n++; if (n % 200 == 0) printf "controlplane:   %s: %d packages compiled\n", bin, n > "/dev/stderr" }' ||
    status=$?
  if [ "$status" -ne 0 ] || [ ! -x "$tmp" ]; then
    rm -f "$tmp"
    log "building $bin failed (exit status $status); go build said:"
    # Everything but the bare package paths of -v: compiler errors, "# pkg" headers, go: lines.
    local errors
    errors=$(grep -v -E '^[[:alnum:]_.~/+-]+$' "$buildlog" | head -n 200 || true)
    if [ -n "$errors" ]; then
      printf '%s\n' "$errors" >&2
    else
      tail -n 50 "$buildlog" >&2
    fi
    log "full output: $buildlog"
    exit 1
  fi
  rm -f "$buildlog"
  mv "$tmp" "$dir/$bin"
  log "built $bin in $((SECONDS - start))s"
}

build etcd go.etcd.io/etcd/server/v3 etcd
build kube k8s.io/kubernetes/cmd/kube-apiserver kube-apiserver
build kube k8s.io/kubernetes/cmd/kube-controller-manager kube-controller-manager
build kube k8s.io/kubernetes/cmd/kubectl kubectl
printf '%s\n' "$dir"
