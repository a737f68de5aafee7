#!/usr/bin/env bash
# Builds the images an overlay runs, under the names it gives them, and loads them into the kind
# cluster (GitHub workflow, job kubernetes). Usage: bash scripts/ci/kind-images.sh <env> [cluster]
set -euo pipefail
env=$1 cluster=${2:-kit}
root=$(cd "$(dirname "$0")/../.." && pwd)
node_image=${NODE_IMAGE:-$(sed -n 's/^NODE_IMAGE=//p' "$root/images.env")}
for image in $(kubectl kustomize "$root/k8s/overlays/$env" | sed -n 's/^ *image: //p' | sort -u); do
  service=$(basename "${image%%:*}")
  echo "::: building $image from services/$service/Dockerfile"
  docker build --build-arg "NODE_IMAGE=$node_image" -f "$root/services/$service/Dockerfile" -t "$image" "$root"
  kind load docker-image --name "$cluster" "$image"
done
