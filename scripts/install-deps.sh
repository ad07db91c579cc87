#!/usr/bin/env bash
# Installs what Complexchain needs from Debian 12 packages, and only what is missing (a second run
# installs nothing). Run as root or with sudo available.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config python3
  clang libclang-rt-14-dev          # libFuzzer targets
  libboost1.81-dev libboost-json1.81-dev
  librocksdb-dev libsecp256k1-dev libssl-dev liblua5.4-dev libjemalloc-dev libzip-dev
  libyaml-dev                       # YAML authoring of Alpha templates (cli)
  libgtest-dev libgmock-dev libbenchmark-dev
  iproute2 procps
  zip                               # functional tests zip contract folders as ICON tools do
  chromium                          # browser tests (tests/browser): headless, driven by playwright-core
  firefox-esr                       # browser tests: the explorer again in Firefox, driven by puppeteer-core (WebDriver BiDi)
  openssl                           # tests parse the chain CA's certificates with `openssl x509`
  curl xxd                          # the TLS test reads over https with curl, its key converted by xxd + openssl
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js and npm run the icon-sdk-js functional tests. Some images ship a Node.js build that
# bundles npm (and conflicts with Debian's npm package): accept any working node + npm.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
