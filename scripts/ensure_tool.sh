#!/usr/bin/env bash
# ensure_tool.sh COMMAND[,ALTERNATIVE...] PACKAGE [--optional]
# Make sure COMMAND (or one of its alternatives) is on PATH; install PACKAGE with the system package manager
# when it is missing (Debian/Ubuntu apt, Fedora dnf, macOS Homebrew), as root or
# with password-less sudo. Without --optional a failed install exits non-zero
# with one line; with it, it only says what is missing (tests that need it skip,
# or fail under CI=true).
set -euo pipefail
cmds="$1"; pkg="$2"; optional="${3:-}"
cmd="${cmds%%,*}"
have() {
  local c
  for c in ${cmds//,/ }; do command -v "$c" >/dev/null 2>&1 && return 0; done
  return 1
}
if have; then
  exit 0
fi
fail() {
  if [ "$optional" = "--optional" ]; then
    echo "shotstyle: note: $cmd not installed ($1); the tests that need it are skipped" >&2
    exit 0
  fi
  echo "shotstyle: error: $cmd not found and $1; install $pkg by hand" >&2
  exit 1
}
echo "$cmd not found: installing $pkg" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"
  elif ! command -v brew >/dev/null 2>&1; then fail "installing it needs root"; fi
fi
if command -v apt-get >/dev/null 2>&1; then
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq || fail "apt-get update failed"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null \
    || fail "apt-get install $pkg failed"
elif command -v dnf >/dev/null 2>&1; then
  $SUDO dnf install -y -q "$pkg" || fail "dnf install $pkg failed"
elif command -v brew >/dev/null 2>&1; then
  brew install "$pkg" || fail "brew install $pkg failed"
else
  fail "no known package manager"
fi
have || fail "installing $pkg did not provide it"
