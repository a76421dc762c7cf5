#!/usr/bin/env bash
# Regenerates the code and manifests derived from the API types with controller-gen (pinned in
# the tools module hack/tools): the deepcopy functions of every API version
# (api/*/zz_generated.deepcopy.go) and the CustomResourceDefinition
# (config/crd/bases/autoscaling.mhpa.dev_horizontalpodautoscalers.yaml).
#
# Usage: hack/generate.sh
#        CONTROLLER_GEN=/path/to/controller-gen hack/generate.sh   use another binary
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

controller_gen=${CONTROLLER_GEN:-$root/bin/controller-gen}
want_version=$(cd hack/tools && go list -m -f '{{.Version}}' sigs.k8s.io/controller-tools)
if [ ! -x "$controller_gen" ] || [ "$("$controller_gen" --version 2>/dev/null)" != "Version: $want_version" ]; then
  echo "generate: building controller-gen $want_version into $controller_gen" >&2
  mkdir -p "$(dirname "$controller_gen")"
  (cd hack/tools && go build -o "$controller_gen" sigs.k8s.io/controller-tools/cmd/controller-gen)
fi

# Deepcopy for every API package.
"$controller_gen" object paths=./api/...

# The CRD. Descriptions are kept: they are what `kubectl explain` shows.
"$controller_gen" crd paths=./api/... output:crd:artifacts:config=config/crd/bases
