#!/usr/bin/env bash
# Functional tests: real node processes on loopback, driven with icon-sdk-js (node's test runner).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")"
if [ ! -d node_modules/icon-sdk-js ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
export CX_BIN="$build/complexchain"
node --test --test-concurrency=1 --test-reporter=spec *.test.mjs
