#!/usr/bin/env bash
# Compares redis-playground-server with redis-server using redis-benchmark, in one run:
# GET, SET, INCR and the collection writes LPUSH, LPOP, SADD, HSET and ZADD (redis-benchmark's
# own test names), 100000 requests each, without pipelining and with -P 16, both servers on
# free loopback ports. Prints a table of requests per second and our/redis ratio.
#
# Usage: bench/redis-benchmark.sh            (builds the release server if needed)
#   REQUESTS=100000 TESTS=get,set,incr,lpush,lpop,sadd,hset,zadd CLIENTS=50 OURS=target/release/redis-playground-server
# Every redis-benchmark run is capped with `timeout`, so the script ends within ~4 minutes.
set -euo pipefail

cd "$(dirname "$0")/.."
REQUESTS="${REQUESTS:-100000}"
TESTS="${TESTS:-get,set,incr,lpush,lpop,sadd,hset,zadd}"
CLIENTS="${CLIENTS:-50}"
OURS="${OURS:-target/release/redis-playground-server}"
RUN_TIMEOUT="${RUN_TIMEOUT:-60}"

for tool in redis-server redis-benchmark; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found" >&2; exit 1; }
done
if [[ ! -x "$OURS" ]]; then
  echo "bench: building the release server..." >&2
  cargo build --release --bin redis-playground-server >&2
fi

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    if ! port_in_use "$p"; then echo "$p"; return 0; fi
  done
  echo "bench: no free port" >&2; exit 1
}
wait_port() {
  for _ in $(seq 1 200); do port_in_use "$1" && return 0; sleep 0.05; done
  echo "bench: nothing listens on port $1" >&2; exit 1
}

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --protected-mode no >/dev/null 2>&1 &
REDIS_PID=$!
OURS_PORT=$(free_port)
while [[ "$OURS_PORT" == "$REDIS_PORT" ]]; do OURS_PORT=$(free_port); done
"$OURS" --port "$OURS_PORT" >/dev/null 2>&1 &
OURS_PID=$!
cleanup() { kill "$REDIS_PID" "$OURS_PID" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
wait_port "$REDIS_PORT"
wait_port "$OURS_PORT"

# Prints "TEST RATE" lines for one redis-benchmark run.
bench() {
  local port=$1 pipeline=$2
  timeout "$RUN_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$port" -q -t "$TESTS" \
    -n "$REQUESTS" -c "$CLIENTS" -P "$pipeline" 2>/dev/null \
    | tr '\r' '\n' \
    | awk '/requests per second/ { name=$1; sub(":", "", name); rate[name]=$2 }
           END { for (n in rate) print n, rate[n] }' || true
}

declare -A RESULT
for pipeline in 1 16; do
  for side in redis ours; do
    port=$REDIS_PORT; [[ $side == ours ]] && port=$OURS_PORT
    while read -r name rate; do
      [[ -n "$name" ]] && RESULT["$side,$pipeline,$name"]=$rate
    done < <(bench "$port" "$pipeline")
  done
done

printf '\nredis-benchmark -n %s -c %s, loopback, %s\n' "$REQUESTS" "$CLIENTS" "$(redis-server --version | awk '{print $3}')"
printf '%-6s %-9s %16s %16s %12s\n' test pipeline "redis req/s" "ours req/s" "ours/redis"
for pipeline in 1 16; do
  for t in ${TESTS//,/ }; do
    name=${t^^}
    r=${RESULT["redis,$pipeline,$name"]:-}
    o=${RESULT["ours,$pipeline,$name"]:-}
    ratio="-"
    if [[ -n "$r" && -n "$o" ]]; then
      ratio=$(awk -v o="$o" -v r="$r" 'BEGIN { if (r > 0) printf "%.2f", o / r; else print "-" }')
    fi
    printf '%-6s %-9s %16s %16s %12s\n' "$name" "-P $pipeline" "${r:-n/a}" "${o:-n/a}" "$ratio"
  done
done
