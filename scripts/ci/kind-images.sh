#!/usr/bin/env bash
# Builds the images an overlay runs, under the names it gives them, and loads them into the kind
# cluster (GitHub workflow, job kubernetes). Each is built from services/Dockerfile as compose builds
# it (its stage and SERVICE from compose/compose.yaml), with the commit as SERVICE_VERSION.
# Usage: bash scripts/ci/kind-images.sh <env> [cluster]
set -euo pipefail
env=$1 cluster=${2:-kit}
root=$(cd "$(dirname "$0")/../.." && pwd)
node_image=${NODE_IMAGE:-$(sed -n 's/^NODE_IMAGE=//p' "$root/images.env")}
revision=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo dev)
build_field() {
  node -e "const y=require('yaml');const c=y.parse(require('fs').readFileSync('$root/compose/compose.yaml','utf8'),{merge:true});const b=c.services['$1'].build;console.log($2)"
}
for image in $(kubectl kustomize "$root/k8s/overlays/$env" | sed -n 's/^ *image: //p' | sort -u); do
  service=$(basename "${image%%:*}")
  dockerfile=$(build_field "$service" 'b.dockerfile')
  target=$(build_field "$service" 'b.target')
  echo "::: building $image from $dockerfile (stage $target, SERVICE=$service)"
  docker build --build-arg "NODE_IMAGE=$node_image" --build-arg "SERVICE=$service" \
    --build-arg "SERVICE_VERSION=$revision" --target "$target" -f "$root/$dockerfile" -t "$image" "$root"
  kind load docker-image --name "$cluster" "$image"
done
