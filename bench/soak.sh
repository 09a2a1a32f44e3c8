#!/usr/bin/env bash
# Colloquy soak test (manual; not run by CI). One command: bench/soak.sh
#
# Starts the server from this repository on a fresh data directory (embedded PostgreSQL, loopback only),
# runs mixed traffic (appends, reads, dialogue lists, memories, keyword search) from WORKERS request loops
# that stop by themselves after DURATION seconds, and prints once a minute: heap used, RSS and threads of the
# server JVM, open database connections (client backends), and the requests, non-2xx answers and latency
# p50/p99 of that minute. For a healthy server every column but the first stays flat.
#
# Environment: DURATION (600 seconds), WORKERS (8), PAUSE_MS (20: pause of each loop between requests),
# INTERVAL (60 seconds between samples), KEEP_DATA (0: the data directory is removed after the run),
# MVN_ARGS (extra Maven arguments for the one-time build, e.g. -o).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
DURATION="${DURATION:-600}"
WORKERS="${WORKERS:-8}"
PAUSE_MS="${PAUSE_MS:-20}"
INTERVAL="${INTERVAL:-60}"
KEEP_DATA="${KEEP_DATA:-0}"

log() { printf '[soak] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
case "$DURATION" in '' | *[!0-9]*) die "DURATION is whole seconds, e.g. DURATION=120" ;; esac
for t in curl psql awk; do command -v "$t" >/dev/null 2>&1 || die "$t is missing (apt-get install -y curl postgresql-client gawk)"; done

java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1; }
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ] || [ "$(java_major "$JAVA_HOME")" != 25 ]; then
  for d in /usr/lib/jvm/temurin-25* /usr/lib/jvm/*25*; do
    if [ -x "$d/bin/java" ] && [ "$(java_major "$d")" = 25 ]; then export JAVA_HOME="$d"; break; fi
  done
fi
[ -x "${JAVA_HOME:-}/bin/java" ] || die "no JDK 25 found (set JAVA_HOME)"

# ---------------------------------------------------------------------------------------------
# Build (once) and start the server on a fresh data directory (as bench/run.sh does)
# ---------------------------------------------------------------------------------------------
jar="$repo/server/target/colloquy.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$repo/server/src/main" "$repo/server/pom.xml" -newer "$jar" -print -quit 2>/dev/null)" ]; then
  log "building the server jar"
  # shellcheck disable=SC2086
  (cd "$repo" && ./mvnw -q -pl server -DskipTests -Dspotless.check.skip=true ${MVN_ARGS:-} package) >&2
fi

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
results="$here/results"
mkdir -p "$results"
data_dir="$results/soak-data-$stamp"
server_log="$results/soak-server-$stamp.log"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    if [ "$p" != "${1:-}" ] && port_free "$p"; then echo "$p"; return 0; fi
  done
  die "no free port found"
}
PORT="$(free_port)"
MGMT_PORT="$(free_port "$PORT")"
OPERATOR="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
BASE="http://127.0.0.1:$PORT"
server_pid=""
load_pid=""
cluster_dir=""

# <data>/postgres, or /var/lib/colloquy/clusters/<hash>/postgres for a root JVM (see PostgresLayout.java)
locate_cluster() {
  local candidate="$data_dir/postgres" hash
  if [ -f "$candidate/postmaster.pid" ]; then echo "$candidate"; return 0; fi
  hash="$(printf '%s' "$data_dir" | sha256sum | cut -c1-16)"
  candidate="/var/lib/colloquy/clusters/$hash/postgres"
  if [ -f "$candidate/postmaster.pid" ] && [ "$(sed -n 2p "$candidate/postmaster.pid")" = "$candidate" ]; then
    echo "$candidate"; return 0
  fi
  return 1
}
cluster_pids() {
  local dir="$1" p cmd
  [ -n "$dir" ] || return 0
  for p in /proc/[0-9]*; do
    cmd="$( (tr '\0' ' ' <"$p/cmdline") 2>/dev/null)" || continue
    if [[ "$cmd" == *"$dir"* ]]; then echo "${p#/proc/}"; fi
  done
}

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [ -n "$load_pid" ] && kill -0 "$load_pid" 2>/dev/null; then kill -TERM "$load_pid"; wait "$load_pid" 2>/dev/null; fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    log "stopping the server (pid $server_pid)"
    kill -TERM "$server_pid"
    for _ in $(seq 1 300); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$server_pid" 2>/dev/null && { log "server did not stop in 30 s: killing it"; kill -KILL "$server_pid"; }
    wait "$server_pid" 2>/dev/null
  fi
  [ -n "$cluster_dir" ] || cluster_dir="$(locate_cluster 2>/dev/null)"
  if [ -n "$cluster_dir" ]; then
    for _ in $(seq 1 100); do [ -z "$(cluster_pids "$cluster_dir")" ] && break; sleep 0.1; done
    if [ -n "$(cluster_pids "$cluster_dir")" ]; then
      log "PostgreSQL processes left for $cluster_dir: stopping them"
      kill -INT "$(sed -n 1p "$cluster_dir/postmaster.pid" 2>/dev/null)" 2>/dev/null
      sleep 2
      for p in $(cluster_pids "$cluster_dir"); do kill -KILL "$p" 2>/dev/null; done
    else
      log "verified: no PostgreSQL process left for $cluster_dir"
    fi
  fi
  if [ "$KEEP_DATA" != 1 ] && [ -d "$data_dir" ]; then
    case "$cluster_dir" in /var/lib/colloquy/clusters/?*/postgres) rm -rf "$(dirname "$cluster_dir")" ;; esac
    rm -rf "$data_dir"
  fi
  log "server log: $server_log"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "starting the server on 127.0.0.1:$PORT (management $MGMT_PORT), data $data_dir"
COLLOQUY_DATA_DIR="$data_dir" COLLOQUY_PORT="$PORT" COLLOQUY_ADDRESS=127.0.0.1 COLLOQUY_MANAGEMENT_PORT="$MGMT_PORT" \
  COLLOQUY_OPERATOR_TOKEN="$OPERATOR" "$JAVA_HOME/bin/java" -jar "$jar" serve >"$server_log" 2>&1 &
server_pid=$!
for i in $(seq 1 1200); do
  [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$BASE/readyz" || true)" = 200 ] && break
  kill -0 "$server_pid" 2>/dev/null || { tail -n 40 "$server_log" >&2; die "the server exited during start-up"; }
  [ "$i" = 1200 ] && die "/readyz did not answer 200 within 120 s"
  sleep 0.1
done
cluster_dir="$(locate_cluster)" || die "could not find the embedded PostgreSQL cluster of $data_dir"
PG_PORT="$(sed -n 4p "$cluster_dir/postmaster.pid")"
PG_PASSWORD="$(cat "$data_dir/secrets/postgres-superuser.password")"

API_KEY="$(curl -s -f -X POST "$BASE/v1/projects" -H "Authorization: Bearer $OPERATOR" \
  -H 'Content-Type: application/json' -d '{"name":"soak"}' | sed -n 's/.*"key":{[^}]*"key":"\([^"]*\)".*/\1/p')"
[[ "$API_KEY" == cq_* ]] || die "could not create the project"

# One line of figures: heap used (MiB, from /metrics), RSS (MiB) and OS threads of the JVM, client connections
# open on the embedded PostgreSQL (the pool, the availability probe and the audit listener).
sampler="$(mktemp)"
cat >"$sampler" <<SAMPLER
heap=\$(curl -s -m 5 http://127.0.0.1:$MGMT_PORT/metrics | awk '/^jvm_memory_used_bytes\{.*area="heap"/ {s += \$NF} END {printf "%.0f", s / 1048576}')
rss=\$(awk '/^VmRSS:/ {printf "%.0f", \$2 / 1024}' /proc/$server_pid/status)
threads=\$(awk '/^Threads:/ {print \$2}' /proc/$server_pid/status)
conns=\$(PGPASSWORD='$PG_PASSWORD' PGCONNECT_TIMEOUT=5 psql -h 127.0.0.1 -p $PG_PORT -U postgres -d postgres -Atqc \
  "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND usename <> 'postgres'")
echo "heap_mb=\$heap rss_mb=\$rss threads=\$threads db_conns=\$conns"
SAMPLER

log "mixed traffic for ${DURATION}s from $WORKERS loops (pause ${PAUSE_MS} ms), a line every ${INTERVAL}s"
"$JAVA_HOME/bin/java" "$here/SoakLoad.java" "$BASE" "$API_KEY" "$DURATION" "$WORKERS" "$PAUSE_MS" "$INTERVAL" \
  "bash $sampler" &
load_pid=$!
wait "$load_pid"
load_pid=""
rm -f "$sampler"
