#!/bin/sh
# apt-install-version.sh <upstream version> <package>...
# Installs Debian packages at exactly the upstream version images.env pins, from whichever suite has
# it (trixie, or sid at a low pin priority so nothing else is taken from it). Fails, naming the
# versions Debian has, when none matches: then the pin in images.env and the stand-in disagree.
set -eu
version=$1; shift
cat >/etc/apt/sources.list.d/sid.sources <<SOURCES
Types: deb
URIs: http://deb.debian.org/debian
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
printf 'Package: *\nPin: release n=sid\nPin-Priority: 100\n' >/etc/apt/preferences.d/sid
# Signatures are still checked; only the Release file's expiry is not: sid's lasts a week, and the
# archive a CI machine reaches may be a mirror frozen for longer than that.
apt-get -o Acquire::Check-Valid-Until=false update -qq
wanted=""
for package in "$@"; do
  # Debian versions look like 3.5.3+ds1-6 or 0.33.1-5: the upstream version, then + or -.
  exact=$(apt-cache madison "$package" | awk -v want="$version" '{ v = $3; if (index(v, want) == 1 && substr(v, length(want) + 1, 1) ~ /[+~-]/) { print v; exit } }')
  if [ -z "$exact" ]; then
    echo "error: Debian has no $package $version (images.env pins $version). Debian has:" >&2
    apt-cache madison "$package" | awk '{ print "  " $3 " (" $6 ")" }' >&2
    exit 1
  fi
  wanted="$wanted $package=$exact"
done
# shellcheck disable=SC2086 # one word per package=version
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $wanted
rm -rf /var/lib/apt/lists/* /etc/apt/sources.list.d/sid.sources /etc/apt/preferences.d/sid
