#!/usr/bin/env bash
# Regenerates what the Helm chart (charts/mhpa) takes from config/: templates/crd.yaml, the
# CustomResourceDefinition as config/default installs it, with the conversion webhook's
# namespace set to the release's. The other templates are written by hand; the tests of
# package charts fail when any of them differs from config/default.
#
# Usage: hack/gen-chart.sh           regenerate
#        hack/gen-chart.sh --verify  fail if the chart is out of date (no files written)
#
# Needs kubectl from the control plane build (`make controlplane`) to render config/default.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

case "${1:-}" in
  "") go test ./charts -count=1 -run '^TestGeneratedCRDTemplate$' -args -update ;;
  --verify) go test ./charts -count=1 ;;
  *) echo "usage: hack/gen-chart.sh [--verify]" >&2; exit 2 ;;
esac
