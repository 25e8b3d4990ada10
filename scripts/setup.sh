#!/usr/bin/env bash
# Installs system packages (Debian) and the Python environment in .venv.
# Idempotent: safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
APT_PKGS="fonts-ipaexfont-gothic tesseract-ocr tesseract-ocr-jpn poppler-data"
if [ "${1:-}" = "--test" ]; then
  APT_PKGS="$APT_PKGS chromium ninja-build cmake g++ libreoffice-writer-nogui"
fi
missing=""
for p in $APT_PKGS; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
# Debian's python3 needs python3-venv for `python -m venv`; install it only when it is missing.
if ! python3 -c "import ensurepip" >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-venv
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
if [ "${1:-}" = "--test" ]; then
  .venv/bin/pip install -q -e '.[test]'
else
  .venv/bin/pip install -q -e .
fi
