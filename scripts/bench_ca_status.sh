#!/usr/bin/env bash
# Certificate-status queries per second from one node (issue 13 "How fast": at least 20,000/s).
# A one-node channel with the chain CA; CERTS certificates issued through the CLI (`ca request` by
# two holders, `ca issue` by the RA); then `complexchain ca bench` RUNS times with single requests and
# RUNS times with JSON-RPC batches, CLIENTS keep-alive connections for SECONDS each; prints every run
# and the median of each mode. The client runs on the same machine (it takes CPU from the node).
#   usage: scripts/bench_ca_status.sh [BINARY]
#   env: PORT=9860 CLIENTS=8 SECONDS_EACH=5 RUNS=3 BATCH=50 IO_THREADS=2 (the node's rpc.ioThreads)
set -euo pipefail
bin=$(realpath "${1:-build/complexchain}")
port=${PORT:-9860}
clients=${CLIENTS:-8}
seconds=${SECONDS_EACH:-5}
runs=${RUNS:-3}
batch=${BATCH:-50}
io_threads=${IO_THREADS:-2}
dir=$(mktemp -d /tmp/cx-bench-ca-XXXXXX)
url="http://127.0.0.1:$port/api/v3"
node_pid=
cleanup() {
  if [ -n "$node_pid" ]; then kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

"$bin" init --dir "$dir" --port "$port" --dev-accounts 3 --json --block-interval-ms 100 > "$dir/init.json"
python3 - "$dir" "$io_threads" <<'PY'
import json, sys
d, io = sys.argv[1], int(sys.argv[2])
acc = json.load(open(f"{d}/init.json"))["accounts"]
g = json.load(open(f"{d}/genesis.json"))
g["ca"] = {"name": "bench chain CA", "ras": [acc[0]["address"]], "txPki": False}
json.dump(g, open(f"{d}/genesis.json", "w"))
for i, a in enumerate(acc):
    open(f"{d}/key{i}.hex", "w").write(a["private_key"])
c = json.load(open(f"{d}/config.json"))
c.setdefault("rpc", {})["ioThreads"] = io
json.dump(c, open(f"{d}/config.json", "w"))
PY
"$bin" start --dir "$dir" > "$dir/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 100); do
  "$bin" ca status 00000000000000000000000000000000 --rpc "$url" > /dev/null 2>&1 && break
  sleep 0.2
done

serials=()
for holder in 1 2; do
  for i in 1 2 3 4 5; do
    out=$("$bin" ca request --key-file "$dir/key$holder.hex" --subject "CN=bench $holder-$i,O=Bench" --days 30 \
      --out "$dir/c.pem" --rpc "$url")
    serials+=("$(echo "$out" | sed -n 's/.*serial \([0-9a-f]\{32\}\).*/\1/p')")
    "$bin" ca issue "$dir/c.pem" --key-file "$dir/key0.hex" --rpc "$url" --wait > /dev/null
  done
done
list=$(IFS=,; echo "${serials[*]}")
"$bin" ca status "${serials[0]}" --rpc "$url" | grep -q '"status":"good"' || { echo "the certificates were not issued" >&2; exit 1; }
echo "node pid $node_pid, ${#serials[@]} certificates, $clients clients, ${seconds}s per run, rpc.ioThreads $io_threads, $(nproc) cores" >&2

results=$dir/results.txt
for mode in 1 "$batch"; do
  for r in $(seq "$runs"); do
    line=$("$bin" ca bench --rpc "$url" --serials "$list" --clients "$clients" --batch "$mode" --seconds "$seconds")
    echo "batch $mode run $r: $line" >&2
    echo "$mode $line" >> "$results"
  done
done
python3 - "$results" <<'PY'
import json, statistics, sys
by = {}
for line in open(sys.argv[1]):
    mode, rest = line.split(" ", 1)
    by.setdefault(int(mode), []).append(json.loads(rest))
out = {}
for mode, rs in sorted(by.items()):
    key = "single" if mode == 1 else f"batch{mode}"
    out[key + "_runs"] = [r["queries_per_s"] for r in rs]
    out[key + "_median_qps"] = statistics.median(r["queries_per_s"] for r in rs)
    out[key + "_failed"] = sum(r["failed"] for r in rs)
print(json.dumps(out))
PY
