#!/usr/bin/env bash
# Runs every conversion fuzz target of the API for a number of seconds each (default 30).
# `go test -fuzz` takes one package and one target at a time, so the targets run one after
# the other. New failing inputs are written to the package's testdata/fuzz directory, where
# they become part of the seed corpus that plain `go test` runs.
#
# Usage: hack/fuzz.sh [seconds]
#        FUZZ_MINIMIZE_TIME=10s hack/fuzz.sh   minimize new inputs longer (default 100x: 100 runs,
#                                              so that the time goes to fuzzing)
set -euo pipefail

seconds=${1:-30}
case $seconds in
  '' | *[!0-9]*) echo "usage: $0 [seconds]   (seconds must be a whole number, got '$seconds')" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

targets=(
  ./api/v1:FuzzV1RoundTrip
  ./api/v1:FuzzHubThroughV1
  ./api/v2beta1:FuzzV2beta1RoundTrip
  ./api/v2beta1:FuzzHubThroughV2beta1
  ./api/v2beta2:FuzzV2beta2RoundTrip
  ./api/v2beta2:FuzzHubThroughV2beta2
)

failed=0
passed=0
for t in "${targets[@]}"; do
  pkg=${t%%:*}
  name=${t##*:}
  echo "fuzz: $name ($pkg) for ${seconds}s"
  if go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "${seconds}s" -fuzzminimizetime "${FUZZ_MINIMIZE_TIME:-100x}"; then
    passed=$((passed + 1))
  else
    echo "fuzz: $name FAILED (the failing input is under $pkg/testdata/fuzz/$name)" >&2
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
