#!/usr/bin/env bash
# Browser tests against a localnet of real nodes that serve web/: the explorer and the GAPP in Debian's
# headless Chromium (playwright-core), then again in Debian's firefox-esr (puppeteer-core over WebDriver
# BiDi, behind the Playwright-like shim of firefox.mjs). CX_BROWSERS picks the browsers ("chromium
# firefox" by default, or one of them). Screenshots go to tests/browser/screenshots/ (Firefox's end in
# -firefox).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
browsers=${CX_BROWSERS:-chromium firefox}
for b in $browsers; do
  case "$b" in
    chromium) exe=${CX_CHROMIUM:-/usr/bin/chromium} ;;
    firefox) exe=${CX_FIREFOX:-/usr/bin/firefox-esr} ;;
    *) echo "browser tests: CX_BROWSERS has '$b': expected chromium and/or firefox" >&2; exit 1 ;;
  esac
  if [ ! -x "$exe" ]; then
    echo "browser tests: no $b at $exe (scripts/install-deps.sh installs it)" >&2
    exit 1
  fi
done
# The node serves web/ as it is; the one file from npm is icon-sdk-js's browser bundle.
make -C "$root" --no-print-directory web
cd "$here"
# puppeteer-core downloads no browser on install; the variable makes sure nothing it pulls in does.
export PUPPETEER_SKIP_DOWNLOAD=1
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/puppeteer-core ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
export CX_BIN="$build/complexchain"
for b in $browsers; do
  start=$SECONDS
  if [ "$b" = chromium ]; then
    CX_BROWSER=chromium node --test --test-concurrency=1 --test-reporter=spec *.test.mjs
  else
    # web_lib.test.mjs runs in Node, not in a browser: once is enough.
    CX_BROWSER=firefox node --test --test-concurrency=1 --test-reporter=spec explorer.test.mjs gapp.test.mjs
  fi
  echo "browser tests: $b took $((SECONDS - start)) s"
done
