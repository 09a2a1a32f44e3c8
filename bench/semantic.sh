#!/usr/bin/env bash
# Semantic search (manual; not run by CI). One command: bench/semantic.sh
#
# Starts the server from this repository on a fresh data directory (embedded PostgreSQL), then, with
# bench/SemanticLoad.java over HTTP:
#   - recall@10 of keyword, semantic and hybrid search on a generated labelled paraphrase set (200 memories);
#   - embedding throughput (texts/s: appended messages until the worker reports nothing pending);
#   - semantic and hybrid p50/p99 (client side, one query at a time) at each size of SIZES messages in one namespace;
#   - the heap (after a full GC, jcmd) and RSS of the server before the model is loaded and after.
# Prints ONE JSON object on stdout. Environment: SIZES ("10000 100000"), QUERIES per mode and size (200),
# KEEP_DATA (0), MVN_ARGS (e.g. -o for the build).
set -euo pipefail
exec 3>&1 1>&2

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
SIZES="${SIZES:-10000 100000}"
QUERIES="${QUERIES:-200}"
KEEP_DATA="${KEEP_DATA:-0}"
log() { printf '[bench-semantic] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now() { date +%s.%N; }
for tool in curl jq bc; do command -v "$tool" >/dev/null || die "$tool is needed"; done
java="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
jcmd="$(dirname "$java")/jcmd"

jar="$repo/server/target/colloquy.jar"
sources_digest() { (cd "$repo" && find server/src/main server/pom.xml -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64); }
if [ ! -f "$jar" ] || [ "$(cat "$jar.sources" 2>/dev/null)" != "$(sources_digest)" ]; then
  log "building the server jar"
  # shellcheck disable=SC2086
  (cd "$repo" && ./mvnw -q -pl server clean package -DskipTests -Dspotless.check.skip=true ${MVN_ARGS:-}) >&2
  sources_digest >"$jar.sources"
fi

work="$here/results/semantic-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$work/keys"
chmod 700 "$work/keys"
export COLLOQUY_MASTER_KEY_DIR="$work/keys"
OPERATOR="bench-operator-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
MGMT_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ "$KEEP_DATA" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT

log "starting the server (data $work/data)"
COLLOQUY_DATA_DIR="$work/data" COLLOQUY_PORT="$PORT" COLLOQUY_MANAGEMENT_PORT="$MGMT_PORT" \
  COLLOQUY_OPERATOR_TOKEN="$OPERATOR" "$repo/colloquy" serve >"$work/server.log" 2>&1 &
server_pid=$!
t0="$(now)"
until [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$BASE/readyz" || true)" = 200 ]; do
  kill -0 "$server_pid" 2>/dev/null || { tail -n 40 "$work/server.log"; die "the server exited"; }
  [ "$(echo "$(now) - $t0 > 600" | bc)" = 1 ] && { tail -n 40 "$work/server.log"; die "/readyz did not answer within 600 s"; }
  sleep 0.2
done
# the JVM: the launcher execs java, so the pid is the JVM's (or its only java child)
jvm="$server_pid"
child="$(pgrep -P "$server_pid" java || true)"; [ -n "$child" ] && jvm="$child"

memory() { # heap used after a full GC (MB) and RSS (MB)
  "$jcmd" "$jvm" GC.run >/dev/null
  local heap rss
  heap="$("$jcmd" "$jvm" GC.heap_info | sed -n 's/.*used \([0-9]*\)K.*/\1/p' | head -1)"
  rss="$(awk '/VmRSS/ {print $2}' "/proc/$jvm/status")"
  echo "$((heap / 1024)) $((rss / 1024))"
}

API_KEY="$(curl -s -f -X POST "$BASE/v1/projects" -H "Authorization: Bearer $OPERATOR" \
  -H 'Content-Type: application/json' -d '{"name":"bench-semantic"}' | jq -r '.key.key')"
[[ "$API_KEY" == cq_* ]] || die "could not create the project"
read -r heap0 rss0 <<<"$(memory)"
# one memory embedded: the model is loaded
curl -s -f -o /dev/null -X POST "$BASE/v1/namespaces/bench-model/memories" -H "Authorization: Bearer $API_KEY" \
  -H 'Content-Type: application/json' -d '{"kind":"long_term","content":"the model loads on first use"}'
until [ "$(curl -s "$BASE/v1/namespaces/bench-model/search?mode=semantic&q=x" -H "Authorization: Bearer $API_KEY" | jq -r '.pending')" = 0 ]; do
  sleep 0.2
done
read -r heap1 rss1 <<<"$(memory)"
log "model loaded: heap ${heap0} -> ${heap1} MB, RSS ${rss0} -> ${rss1} MB"

result="$("$java" "$here/SemanticLoad.java" "$BASE" "$API_KEY" "$SIZES" "$QUERIES")"
read -r heap2 rss2 <<<"$(memory)"
jq -cn --argjson r "$result" --argjson h0 "$heap0" --argjson h1 "$heap1" --argjson h2 "$heap2" \
  --argjson s0 "$rss0" --argjson s1 "$rss1" --argjson s2 "$rss2" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
  --arg cpus "$(nproc)" \
  '$r + {model_memory_mb: {heap_before: $h0, heap_after_model: $h1, rss_before: $s0, rss_after_model: $s1,
                            heap_added: ($h1 - $h0), rss_added: ($s1 - $s0)},
         after_run_mb: {heap: $h2, rss: $s2}, cpus: $cpus, load_avg_after: $load}' >&3
