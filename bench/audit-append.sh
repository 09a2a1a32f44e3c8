#!/usr/bin/env bash
# Append throughput with the audit log on, against a baseline build of another revision (default: the
# last commit without the audit log, i.e. the parent of the one that added its migration), measured in
# the same run on the same machine. Prints one JSON object. Not run by CI.
# Usage: bench/audit-append.sh [BASELINE_REF] [SECONDS] [WORKERS] [ROUNDS]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
first_audit="$(git -C "$here" log --diff-filter=A --format=%H -- server/src/main/resources/db/migration/V20__audit_log.sql | tail -n 1)"
baseline_ref="$(git -C "$here" rev-parse "${1:-$first_audit^}")"
seconds="${2:-20}"
workers="${3:-16}"
rounds="${4:-3}"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
java="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"

git -C "$here" archive "$baseline_ref" | tar -x -C "$work" --one-top-level=baseline
(cd "$work/baseline" && ./mvnw -o -q -DskipTests -Dspotless.check.skip=true package >/dev/null)
(cd "$here" && ./mvnw -o -q -DskipTests -pl server -Dspotless.check.skip=true package >/dev/null)

start() { # name jar port
  mkdir -p "$work/$1"
  COLLOQUY_DATA_DIR="$work/$1/data" COLLOQUY_PORT="$3" COLLOQUY_MANAGEMENT_PORT="$(($3 + 1000))" \
  COLLOQUY_OPERATOR_TOKEN=bench-operator-token-0123456789abcdef \
    "$java" -jar "$2" serve >"$work/$1/log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$3/healthz" >/dev/null && return 0; sleep 1; done
  echo "$1 did not start" >&2; exit 1
}
start baseline "$work/baseline/target/colloquy.jar" 18180
start audit "$here/server/target/colloquy.jar" 18280

base_rates=(); audit_rates=()
for _ in $(seq 1 "$rounds"); do
  base_rates+=("$("$java" "$here/bench/AppendLoad.java" http://127.0.0.1:18180 bench-operator-token-0123456789abcdef "$seconds" "$workers")")
  audit_rates+=("$("$java" "$here/bench/AppendLoad.java" http://127.0.0.1:18280 bench-operator-token-0123456789abcdef "$seconds" "$workers")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
b="$(median "${base_rates[@]}")"; a="$(median "${audit_rates[@]}")"
printf '{"baseline_ref":"%s","workers":%s,"seconds":%s,"baseline_appends_per_s":%s,"audit_appends_per_s":%s,"ratio":%.2f,"baseline_rounds":"%s","audit_rounds":"%s"}\n' \
  "$baseline_ref" "$workers" "$seconds" "$b" "$a" "$(echo "$a / $b" | bc -l)" "${base_rates[*]}" "${audit_rates[*]}"
