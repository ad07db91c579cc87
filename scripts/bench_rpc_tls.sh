#!/usr/bin/env bash
# JSON-RPC over TLS against plain HTTP (docs/membership.md "What TLS costs"): one node at a time, a
# one-node channel with the chain CA, CA status reads (`complexchain ca bench`, icx_call getStatus) by
# CLIENTS connections for SECONDS each, in three listener modes:
#   plain  http://, rpcAuth none
#   tls    https://, rpcAuth none (server certificate P-256, no client certificate)
#   mtls   https://, rpcAuth "tls" (the client presents a chain-CA certificate; checked per connection and block)
# and two connection modes: keep-alive (requests/s) and --reconnect (a new TCP connection, and TLS
# handshake, per request: handshakes/s). The client runs on the same machine (it takes CPU from the node).
#   usage: scripts/bench_rpc_tls.sh [BINARY]      env: PORT=9461 CLIENTS=4 SECONDS_EACH=5
set -euo pipefail
bin=$(realpath "${1:-build/complexchain}")
port=${PORT:-9461}
clients=${CLIENTS:-4}
seconds=${SECONDS_EACH:-5}
work=$(mktemp -d /tmp/cx-bench-tls-XXXXXX)
node_pid=
stop_node() {
  if [ -n "$node_pid" ]; then kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi
  node_pid=
}
trap 'stop_node; rm -rf "$work"' EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -keyout "$work/tls.key" \
  -out "$work/tls.crt" -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost 2> /dev/null

run_mode() {  # mode
  local mode=$1 dir="$work/$1" scheme=http
  [ "$mode" != plain ] && scheme=https
  local url="$scheme://127.0.0.1:$port/api/v3"
  "$bin" init --dir "$dir" --port "$port" --dev-accounts 2 --json --block-interval-ms 100 > "$dir.init.json"
  python3 - "$dir" "$work" "$mode" <<'PY'
import json, sys
d, work, mode = sys.argv[1:4]
acc = json.load(open(f"{d}.init.json"))["accounts"]
g = json.load(open(f"{d}/genesis.json"))
g["ca"] = {"name": "bench chain CA", "ras": [acc[0]["address"]], "txPki": False}
if mode == "mtls":
    g["rpcAuth"] = "tls"
    g["members"] = g.get("members", []) + [{"address": a["address"], "role": "client"} for a in acc]
json.dump(g, open(f"{d}/genesis.json", "w"))
for i, a in enumerate(acc):
    open(f"{d}/key{i}.hex", "w").write(a["private_key"])
if mode != "plain":
    c = json.load(open(f"{d}/config.json"))
    c["rpc"]["tls"] = {"certFile": f"{work}/tls.crt", "keyFile": f"{work}/tls.key"}
    json.dump(c, open(f"{d}/config.json", "w"))
PY
  "$bin" start --dir "$dir" > "$dir/node.log" 2>&1 &
  node_pid=$!
  local common=(--rpc "$url" --rpc-ca "$work/tls.crt" --auth-key "$dir/key0.hex")
  for _ in $(seq 100); do
    "$bin" ca status 00000000000000000000000000000000 "${common[@]}" > /dev/null 2>&1 && break
    sleep 0.2
  done
  local out serial
  out=$("$bin" ca request --key-file "$dir/key1.hex" --subject "CN=bench,O=Bench" --days 30 --out "$dir/c.pem" \
    --ca-name "bench chain CA" --nid 3)
  serial=$(echo "$out" | sed -n 's/.*serial \([0-9a-f]\{32\}\).*/\1/p')
  "$bin" ca issue "$dir/c.pem" --key-file "$dir/key0.hex" "${common[@]}" --wait > /dev/null
  printf '302e0201010420%sa00706052b8104000a' "$(cat "$dir/key1.hex")" | xxd -r -p | openssl ec -inform DER -out "$dir/c.key" 2> /dev/null
  local client=(--rpc "$url" --rpc-ca "$work/tls.crt" --serials "$serial" --clients "$clients" --seconds "$seconds")
  [ "$mode" = mtls ] && client+=(--client-cert "$dir/c.pem" --client-key "$dir/c.key")
  echo "$mode keep-alive: $("$bin" ca bench "${client[@]}")"
  echo "$mode reconnect:  $("$bin" ca bench "${client[@]}" --reconnect)"
  stop_node
}

echo "$clients clients, ${seconds}s per run, $(nproc) cores, $(openssl version)" >&2
for mode in plain tls mtls; do run_mode "$mode"; done
