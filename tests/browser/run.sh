#!/usr/bin/env bash
# Browser tests: the explorer (and the GAPP) in Debian's headless Chromium, driven by playwright-core,
# against a localnet of real nodes that serve web/. Screenshots go to tests/browser/screenshots/.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ ! -x "${CX_CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "browser tests: no Chromium at ${CX_CHROMIUM:-/usr/bin/chromium} (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
# The node serves web/ as it is; the one file from npm is icon-sdk-js's browser bundle.
make -C "$root" --no-print-directory web
cd "$here"
if [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
export CX_BIN="$build/complexchain"
node --test --test-concurrency=1 --test-reporter=spec *.test.mjs
