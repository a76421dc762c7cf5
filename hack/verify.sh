#!/usr/bin/env bash
# Checks that the generated files are up to date: runs hack/generate.sh on a temporary copy of
# the tree and fails, showing the difference, when the result differs from the checked-in
# deepcopy functions (api/**/zz_generated.deepcopy.go) or CRD (config/crd/bases).
#
# Usage: hack/verify.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The module and everything generation reads or writes; bin/ stays out (the copy uses the
# checkout's controller-gen, which generate.sh builds there when it is missing or outdated).
cp "$root/go.mod" "$root/go.sum" "$tmp/"
mkdir -p "$tmp/config/crd"
cp -R "$root/api" "$root/hack" "$tmp/"
cp -R "$root/config/crd/bases" "$tmp/config/crd/"

CONTROLLER_GEN=${CONTROLLER_GEN:-$root/bin/controller-gen} "$tmp/hack/generate.sh"

status=0
for dir in api config/crd/bases; do
  if ! diff -ru --exclude=testdata "$root/$dir" "$tmp/$dir"; then
    status=1
  fi
done
if [ "$status" -ne 0 ]; then
  echo "verify: generated files are out of date; run hack/generate.sh" >&2
  exit 1
fi
echo "verify: generated files are up to date"
