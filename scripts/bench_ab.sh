#!/usr/bin/env bash
# Two builds of complexchain compared on the same machine in the same window: RUNS rounds, each a fresh
# single-validator localnet per build and one `complexchain bench` of TXS transfers against it, the two
# builds alternating so that load from elsewhere falls on both; then the median committed tx/s of each.
#   usage: scripts/bench_ab.sh A_BINARY B_BINARY [TXS] [RUNS]     (env: PORT=9650: A uses PORT, B PORT+1)
set -euo pipefail
a=$1
b=$2
txs=${3:-20000}
runs=${4:-3}
port=${PORT:-9650}
out=$(mktemp -d /tmp/cx-bench-ab-XXXXXX)
one() {  # binary port label run
  local dir
  dir=$(mktemp -d /tmp/cx-bench-ab-net-XXXXXX)
  "$1" localnet start --dir "$dir" --validators 1 --port "$2" --json > "$dir/start.json"
  sleep 1
  "$1" bench --accounts-file "$dir/accounts.json" --rpc "http://127.0.0.1:$2/api/v3" --txs "$txs" --json \
    > "$out/$3-$4.json" || true
  "$1" localnet reset --dir "$dir" > /dev/null 2>&1 || true
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(sys.argv[2], r['committed_tps'], 'tx/s', 'p50', r['latency_ms']['p50'], 'ms', r['committed'], 'committed')" \
    "$out/$3-$4.json" "$3 run $4" >&2
}
for i in $(seq "$runs"); do
  one "$a" "$port" A "$i"
  one "$b" $((port + 1)) B "$i"
done
python3 - "$out" "$runs" <<'PY'
import json, statistics, sys
d, runs = sys.argv[1], int(sys.argv[2])
res = {k: [json.load(open(f"{d}/{k}-{i}.json")) for i in range(1, runs + 1)] for k in ("A", "B")}
med = {k: statistics.median(r["committed_tps"] for r in res[k]) for k in res}
p50 = {k: statistics.median(r["latency_ms"]["p50"] for r in res[k]) for k in res}
print(json.dumps({"A_tps": [r["committed_tps"] for r in res["A"]], "B_tps": [r["committed_tps"] for r in res["B"]],
                  "A_median_tps": med["A"], "B_median_tps": med["B"],
                  "B_vs_A": round(med["B"] / med["A"], 3) if med["A"] else 0,
                  "A_p50_ms": p50["A"], "B_p50_ms": p50["B"]}, indent=2))
PY
