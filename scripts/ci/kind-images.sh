#!/usr/bin/env bash
# Builds the images an overlay runs, under the names it gives them, and loads them into the kind
# cluster (GitHub workflow, job kubernetes). Each is built as compose builds it (`npm run release --
# build-plan`: its Dockerfile and stage), with SERVICE and the commit as SERVICE_VERSION.
# Usage: bash scripts/ci/kind-images.sh <env> [cluster]
set -euo pipefail
env=$1 cluster=${2:-kit}
root=$(cd "$(dirname "$0")/../.." && pwd)
node_image=${NODE_IMAGE:-$(sed -n 's/^NODE_IMAGE=//p' "$root/images.env")}
revision=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo dev)
plan=$(cd "$root" && npx tsx scripts/release.ts build-plan)
for image in $(kubectl kustomize "$root/k8s/overlays/$env" | sed -n 's/^ *image: //p' | sort -u); do
  service=$(basename "${image%%:*}")
  read -r dockerfile target < <(node -e "const p=JSON.parse(process.argv[1]).find((e)=>e.service===process.argv[2]);console.log(p.dockerfile,p.target)" "$plan" "$service")
  echo "::: building $image from $dockerfile (stage $target, SERVICE=$service)"
  docker build --build-arg "NODE_IMAGE=$node_image" --build-arg "SERVICE=$service" \
    --build-arg "SERVICE_VERSION=$revision" --target "$target" -f "$root/$dockerfile" -t "$image" "$root"
  kind load docker-image --name "$cluster" "$image"
done
