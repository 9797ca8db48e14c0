#!/usr/bin/env bash
# Quick POST /sessions throughput probe (not the benchmark): a copy of data dir $1, or an empty one;
# server on core 0, autocannon on core 1. Usage: bash bench/post-probe.sh [DATA_DIR]
DIR=$(mktemp -d); PORT=$((19700 + RANDOM % 200)); KEYVAR=()
if [ -n "$1" ]; then cp -r "$1"/. "$DIR"/; else KEYVAR=(OPENQOD_SANDBOX_KEY=bench-key-0123456789abcdef); fi
env OPENQOD_DATA_DIR="$DIR" OPENQOD_PORT=$PORT OPENQOD_LOG_LEVEL=silent OPENQOD_RATE_LIMIT=1000000 "${KEYVAR[@]}" \
  taskset -c 0 node $NODEFLAGS --import tsx packages/server/src/main.ts > /tmp/post-probe.log 2>&1 &
PID=$!
for i in $(seq 1 80); do curl -sf http://127.0.0.1:$PORT/ready >/dev/null && break; sleep 0.2; done
taskset -c 1 node -e "
let n=Math.floor(Math.random()*1e6);const ac=require('autocannon');ac({url:'http://127.0.0.1:$PORT/quality-on-demand/v1/sessions',method:'POST',headers:{authorization:'Bearer bench-key-0123456789abcdef','content-type':'application/json'},duration:4,connections:32,requests:[{setupRequest:(r)=>({...r,body:JSON.stringify({device:{phoneNumber:'+3620'+String(++n).padStart(8,'0')},applicationServer:{ipv4Address:'233.252.0.2'},qosProfile:'QOS_L',duration:3600})})}]},(e,r)=>{console.log('POST req/s', r.requests.average, Object.keys(r.statusCodeStats))})"
kill -TERM $PID; wait $PID 2>/dev/null; rm -rf "$DIR"
