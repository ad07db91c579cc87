#!/usr/bin/env bash
# Plain transfers against IRC2 transfer calls on one fresh localnet, in the same run (docs/acore-bench.md):
# RUNS rounds of (bench --workload transfer, bench --workload irc2), then the medians and their ratio.
#   usage: scripts/bench_acore.sh VALIDATORS [TXS] [RUNS]     (env: B=path/to/complexchain, PORT=9400,
#          CX_ACORE_EXECUTOR=0 to run the contracts inside the nodes instead of in executor processes)
set -euo pipefail
B=${B:-./build/complexchain}
validators=${1:-1}
txs=${2:-20000}
runs=${3:-3}
port=${PORT:-9400}
dir=$(mktemp -d /tmp/cx-bench-acore-XXXXXX)
"$B" localnet start --dir "$dir" --validators "$validators" --port "$port" --json > "$dir/start.json"
trap '"$B" localnet reset --dir "$dir" > /dev/null 2>&1 || true' EXIT
if [ "${CX_ACORE_EXECUTOR:-1}" = 0 ]; then
  # Contracts inside the node (config "executor": {"processes": 0}), to compare in the same window.
  "$B" localnet stop --dir "$dir" > /dev/null
  for c in "$dir"/node*/config.json; do
    python3 -c "import json,sys; p=sys.argv[1]; c=json.load(open(p)); c['executor']={'processes': 0}; json.dump(c, open(p,'w'), indent=2)" "$c"
  done
  "$B" localnet start --dir "$dir" --json > "$dir/start.json"
fi
rpcs=$(python3 -c "import json,sys; print(','.join(n['rpc'] for n in json.load(open(sys.argv[1]))['nodes']))" "$dir/start.json")
sleep 2
for i in $(seq "$runs"); do
  for w in transfer irc2; do
    "$B" bench --accounts-file "$dir/accounts.json" --rpc "$rpcs" --txs "$txs" --senders 200 --workload "$w" \
      --json > "$dir/$w-$i.json" || true
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(sys.argv[2], r['workload'], r['committed_tps'], 'tx/s', r['committed'], 'committed', r['step_used_per_tx'], 'steps/tx', 'p50', r['latency_ms']['p50'], 'ms')" \
      "$dir/$w-$i.json" "run $i" >&2
  done
done
python3 - "$dir" "$runs" "$validators" <<'EOF'
import json, os, statistics, sys
d, runs, validators = sys.argv[1], int(sys.argv[2]), sys.argv[3]
res = {w: [json.load(open(f"{d}/{w}-{i}.json")) for i in range(1, runs + 1)] for w in ("transfer", "irc2")}
med = {w: statistics.median(r["committed_tps"] for r in res[w]) for w in res}
out = {"validators": int(validators), "runs": runs, "executor": os.environ.get("CX_ACORE_EXECUTOR", "1") != "0",
       "transfer_tps": [r["committed_tps"] for r in res["transfer"]],
       "irc2_tps": [r["committed_tps"] for r in res["irc2"]],
       "transfer_median_tps": med["transfer"], "irc2_median_tps": med["irc2"],
       "ratio": round(med["irc2"] / med["transfer"], 3) if med["transfer"] else 0,
       "irc2_steps_per_call": max(r["step_used_per_tx"] for r in res["irc2"]),
       "transfer_steps_per_tx": max(r["step_used_per_tx"] for r in res["transfer"]),
       "complete": all(r["complete"] for w in res for r in res[w])}
print(json.dumps(out, indent=2))
EOF
