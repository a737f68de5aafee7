#!/usr/bin/env bash
# The progressive delivery of the production overlay, exercised in the kind cluster (GitHub workflow,
# job kubernetes) after `npm run deploy -- production`: a blue-green rollout of gateway passes its
# pre-promotion analysis (readiness, the smoke journey, the gates) and waits, as production's
# autoPromotion is off; it is promoted, and the active Service moves to the new pods. Then a canary of
# marketplace that fails half its requests is aborted by its background analysis (the HighErrorRate
# gate), and the stable pods keep serving.
# Usage: bash scripts/ci/kind-rollouts.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ns=$(node -e "console.log(require('yaml').parse(require('fs').readFileSync('$root/grafana/environments.yaml','utf8')).kubernetes.namespace)")
rollouts() { kubectl argo rollouts --namespace "$ns" "$@"; }
phase() { kubectl --namespace "$ns" get rollout "$1" -o jsonpath='{.status.phase}/{.status.message}'; }
# wait_for <rollout> <phase regex> <seconds>
wait_for() {
  local deadline=$((SECONDS + $3))
  until [[ "$(phase "$1")" =~ $2 ]]; do
    if ((SECONDS > deadline)); then
      echo "::error::rollout/$1 is $(phase "$1"), not $2, after $3 s"
      rollouts get rollout "$1" || true
      exit 1
    fi
    sleep 5
  done
  echo "rollout/$1: $(phase "$1")"
}
selector_hash() { kubectl --namespace "$ns" get service "$1" -o jsonpath="{.spec.selector['rollouts-pod-template-hash']}"; }

echo "::: blue-green: a new gateway version waits on its preview, then is promoted"
before=$(selector_hash gateway)
kubectl --namespace "$ns" patch rollout gateway --type merge \
  -p "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"telemetry-kit/ci-run\":\"${GITHUB_RUN_ID:-local}\"}}}}}"
wait_for gateway '^Paused/BlueGreenPause$' 600
[ "$(selector_hash gateway)" = "$before" ] || { echo "::error::the active Service moved before promotion"; exit 1; }
rollouts promote gateway
wait_for gateway '^Healthy/' 300
after=$(selector_hash gateway)
[ "$after" != "$before" ] || { echo "::error::the active Service still selects the old pods"; exit 1; }
echo "active Service moved from $before to $after"

echo "::: canary: a marketplace version failing half its requests is aborted by its analysis"
stable=$(selector_hash marketplace)
kubectl --namespace "$ns" patch rollout marketplace --type json \
  -p '[{"op":"add","path":"/spec/template/spec/containers/0/env/-","value":{"name":"FAULT_ERROR_RATE","value":"0.5"}}]'
# Traffic as users send it: through the gateway, whose calls the marketplace Service spreads over the
# stable and the canary pods (a port-forward reaches a single pod, so it goes to the gateway).
kubectl --namespace "$ns" port-forward svc/gateway 18080:8080 >/dev/null 2>&1 &
forward=$!
( while true; do curl -s -o /dev/null http://127.0.0.1:18080/api/listings || true; sleep 0.1; done ) &
load=$!
trap 'kill "$forward" "$load" 2>/dev/null || true' EXIT
wait_for marketplace '^Degraded/RolloutAborted' 900
rollouts get rollout marketplace
[ "$(selector_hash marketplace)" = "$stable" ] || { echo "::error::the Service left the stable pods"; exit 1; }
kill "$load"
sleep 5
code=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:18080/api/listings)
[ "$code" = 200 ] || { echo "::error::listings answered $code after the abort"; exit 1; }
echo "canary aborted; the stable pods ($stable) serve the listings"
