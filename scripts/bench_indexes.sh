#!/usr/bin/env bash
# What the explorer's indexes cost the commit pipeline (docs/explorer-api.md "Cost"): two fresh
# single-validator localnets, one with the indexes (the default) and one with "indexes": false, run in
# turn (only one at a time on the machine), RUNS rounds of `bench --workload W` each; prints the medians.
#   usage: scripts/bench_indexes.sh [TXS] [RUNS] [WORKLOADS]   (env: B=path/to/complexchain, PORT=9600)
set -euo pipefail
B=${B:-./build/complexchain}
txs=${1:-20000}
runs=${2:-3}
workloads=${3:-transfer irc2}
port=${PORT:-9600}
on=$(mktemp -d /tmp/cx-bench-idx-on-XXXXXX)
off=$(mktemp -d /tmp/cx-bench-idx-off-XXXXXX)
trap '"$B" localnet reset --dir "$on" > /dev/null 2>&1 || true; "$B" localnet reset --dir "$off" > /dev/null 2>&1 || true' EXIT
for d in "$on" "$off"; do
  "$B" localnet start --dir "$d" --validators 1 --port "$port" --json > "$d/start.json"
  "$B" localnet stop --dir "$d" > /dev/null
done
for c in "$off"/node*/config.json; do
  python3 -c "import json,sys; p=sys.argv[1]; c=json.load(open(p)); c['indexes']=False; json.dump(c, open(p,'w'), indent=2)" "$c"
done
for i in $(seq "$runs"); do
  for mode in on off; do
    d=$on; [ "$mode" = off ] && d=$off
    "$B" localnet start --dir "$d" --json > "$d/start.json"
    rpc=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['nodes'][0]['rpc'])" "$d/start.json")
    sleep 2
    for w in $workloads; do
      "$B" bench --accounts-file "$d/accounts.json" --rpc "$rpc" --txs "$txs" --senders 200 --workload "$w" \
        --json > "$d/$w-$i.json" || true
      python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(sys.argv[2], r['workload'], r['committed_tps'], 'tx/s', r['committed'], 'committed')" \
        "$d/$w-$i.json" "run $i indexes $mode" >&2
    done
    "$B" localnet stop --dir "$d" > /dev/null
  done
done
python3 - "$on" "$off" "$runs" "$workloads" <<'PY'
import json, statistics, sys
on, off, runs, workloads = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].split()
out = {"runs": runs}
for w in workloads:
    tps = {m: [json.load(open(f"{d}/{w}-{i}.json"))["committed_tps"] for i in range(1, runs + 1)] for m, d in (("on", on), ("off", off))}
    med = {m: statistics.median(v) for m, v in tps.items()}
    out[w] = {"indexes_on_tps": tps["on"], "indexes_off_tps": tps["off"], "median_on": med["on"], "median_off": med["off"],
              "ratio_on_off": round(med["on"] / med["off"], 3) if med["off"] else 0}
print(json.dumps(out, indent=2))
PY
