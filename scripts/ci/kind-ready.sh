#!/usr/bin/env bash
# Every workload of the kit's namespace is ready (GitHub workflow, job kubernetes): each Deployment
# Available, each Argo Rollout Healthy, with its replicas. Usage: bash scripts/ci/kind-ready.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ns=$(node -e "console.log(require('yaml').parse(require('fs').readFileSync('$root/grafana/environments.yaml','utf8')).kubernetes.namespace)")
if [ -n "$(kubectl -n "$ns" get deployments -o name)" ]; then
  kubectl -n "$ns" wait --for=condition=Available deployment --all --timeout=5m
fi
for rollout in $(kubectl -n "$ns" get rollouts -o name); do
  kubectl argo rollouts -n "$ns" status "${rollout#*/}" --timeout 5m
done
kubectl -n "$ns" get deployments,rollouts \
  -o jsonpath='{range .items[*]}{.kind}/{.metadata.name} {.status.readyReplicas}/{.spec.replicas}{"\n"}{end}'
