# Shared helpers for the CI provisioning scripts: timed steps and quiet apt.
# Sourced, not executed.

step_start() {
  STEP_NAME=$1
  STEP_T0=$(date +%s)
  echo "::: ${STEP_NAME}"
}

step_end() {
  echo "::: ${STEP_NAME} — done in $(( $(date +%s) - STEP_T0 ))s"
}

die() {
  echo "error: $*" >&2
  exit 1
}

# apt-get update once per run; a third-party source that cannot be reached must not stop us,
# so failures of update are tolerated and the install that follows is what decides.
APT_UPDATED=${APT_UPDATED:-}
apt_install() {
  if [ -z "$APT_UPDATED" ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed — is Debian's archive reachable?"
}
