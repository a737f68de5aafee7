#!/usr/bin/env bash
# Make a Docker engine answer on /var/run/docker.sock and provide the compose v2 plugin.
# Idempotent: an engine that already answers is left alone.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

STATE_DIR=${KIT_CI_STATE:-/var/tmp/telemetry-kit-ci}
mkdir -p "$STATE_DIR"

step_start "container engine"
if docker info >/dev/null 2>&1; then
  echo "engine already answering"
else
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io
  # containerd comes with docker.io; dockerd starts its own when none runs.
  nohup dockerd >"$STATE_DIR/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || die "dockerd did not answer within 60s — see $STATE_DIR/dockerd.log"
fi
step_end

step_start "compose v2 plugin"
if docker compose version >/dev/null 2>&1; then
  echo "$(docker compose version)"
else
  # Debian 12 ships only compose v1; trixie's docker-compose package carries the v2 plugin
  # binary, which runs on bookworm. Fetch it with a private sources list so the system's
  # apt configuration is untouched.
  work="$STATE_DIR/compose"
  mkdir -p "$work/lists/partial" "$work/archives/partial"
  cat >"$work/trixie.sources" <<SOURCES
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  apt_opts=(-o "Dir::Etc::sourcelist=$work/trixie.sources" -o Dir::Etc::sourceparts=/nonexistent
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives")
  apt-get "${apt_opts[@]}" update -qq >/dev/null || die "cannot read Debian trixie's package index"
  (cd "$work" && apt-get "${apt_opts[@]}" download docker-compose >/dev/null) \
    || die "cannot download trixie's docker-compose package"
  rm -rf "$work/x" && dpkg-deb -x "$work"/docker-compose_*.deb "$work/x"
  install -D -m 0755 "$work/x/usr/libexec/docker/cli-plugins/docker-compose" \
    /usr/local/lib/docker/cli-plugins/docker-compose
  docker compose version
fi
step_end
