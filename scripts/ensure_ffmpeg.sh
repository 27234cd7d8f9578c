#!/usr/bin/env bash
# Make sure the ffmpeg and ffprobe binaries are on PATH; install them with the
# system package manager when they are missing (Debian/Ubuntu apt, Fedora dnf,
# macOS Homebrew). Exits non-zero with one line when it cannot.
set -euo pipefail
if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then
  exit 0
fi
echo "ffmpeg/ffprobe not found: installing them" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; fi
if command -v apt-get >/dev/null 2>&1; then
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null
elif command -v dnf >/dev/null 2>&1; then
  $SUDO dnf install -y -q ffmpeg
elif command -v brew >/dev/null 2>&1; then
  brew install ffmpeg
else
  echo "shotstyle: error: no ffmpeg on PATH and no known package manager; install FFmpeg >= 5 by hand" >&2
  exit 1
fi
command -v ffprobe >/dev/null 2>&1 || { echo "shotstyle: error: ffmpeg install did not provide ffprobe" >&2; exit 1; }
