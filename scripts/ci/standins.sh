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

# The recipe: the image's own folder, the shared lib/ (the build context is standins/), the base
# image and the pinned version.
recipe_hash() { # <recipe dir> <version>
  (cd "$here/standins" && find "$1" lib -type f -print0 | sort -z | xargs -0 sha256sum; echo "$base_id $2") \
    | sha256sum | cut -c1-16
}

build_standin() { # <image> <recipe dir> <version> [more build args...]
  local image=$1 dir=$2 version=$3; shift 3
  local hash
  hash=$(recipe_hash "$dir" "$version")
  step_start "stand-in $image"
  if [ "$(current_hash "$image")" = "$hash" ]; then
    echo "up to date"
  else
    local log="$STATE_DIR/build-$dir.log"
    docker build --label "kit.standin.hash=$hash" --build-arg "BASE=$DEBIAN_IMAGE" --build-arg "VERSION=$version" "$@" \
      -t "$image" -f "$here/standins/$dir/Dockerfile" "$here/standins" >"$log" 2>&1 \
      || { tail -n 30 "$log" >&2; die "building $image from scripts/ci/standins/$dir failed — full log in $log"; }
  fi
  step_end
}

# The version a stand-in must have: the tag images.env pins for the real image, without a leading v
# and without a -variant suffix (v3.5.3 -> 3.5.3, 17.12-trixie -> 17.12, 24.21.0-trixie-slim -> 24.21.0).
pinned_version() { # <VARIABLE in images.env>
  local pin
  pin=$(sed -n "s/^$1=//p" "$root/images.env")
  [ -n "$pin" ] || die "images.env pins no $1"
  pin=${pin##*:}
  pin=${pin#v}
  echo "${pin%%-*}"
}

# Node comes from the npm registry at exactly the pinned version, with the newest npm 11 (asked only
# when the image is about to be built).
node_version=$(pinned_version NODE_IMAGE)
npm_version=unused
if [ "$(current_hash "$NODE_IMAGE")" != "$(recipe_hash node "$node_version")" ]; then
  npm_version=$(npm view npm@11 version --json | tr -d '[]" \n' | tr ',' '\n' | sort -V | tail -1)
fi
build_standin "$NODE_IMAGE" node "$node_version" --build-arg "NPM_VERSION=$npm_version"
build_standin "$POSTGRES_IMAGE" postgres "$(pinned_version POSTGRES_IMAGE)"
build_standin "$PROMETHEUS_IMAGE" prometheus "$(pinned_version PROMETHEUS_IMAGE)"
build_standin "$ALERTMANAGER_IMAGE" alertmanager "$(pinned_version ALERTMANAGER_IMAGE)"
build_standin "$NODE_EXPORTER_IMAGE" node-exporter "$(pinned_version NODE_EXPORTER_IMAGE)"
