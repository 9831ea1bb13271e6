#!/usr/bin/env bash
# Installs the Debian packages exposure needs (OCR, legacy Office, archive tools, a browser for the
# report tests) when they are missing.
# Called by `make setup`; safe to run again. Needs root (or sudo) only when something is missing.
set -euo pipefail

# command that must exist -> Debian package providing it
declare -A NEED=(
  [tesseract]=tesseract-ocr   # OCR of scans and image-only PDF pages
  [catdoc]=catdoc             # legacy Word .doc
  [unar]=unar                 # RAR archives (through rarfile)
  [chromium]=chromium         # tests only: renders summary.html headless (screenshot, DOM check)
)
# Debian packages that provide data, not a command
DATA_PACKAGES=(tesseract-ocr-eng fonts-dejavu-core)  # fonts: text in chromium's screenshots

missing=()
for cmd in "${!NEED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEED[$cmd]}")
done
for pkg in "${DATA_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
((${#missing[@]})) || exit 0

echo "Installing system packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
