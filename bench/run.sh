#!/usr/bin/env bash
# Colloquy HTTP benchmark (manual; not run by CI). One command: bench/run.sh
#
# Starts the server from this repository on a fresh data directory (embedded PostgreSQL), measures
# appends and reads with wrk (closed loop; with the server's and PostgreSQL's CPU time per request), then
# at a fixed arrival rate of half that peak with OpenLoad.java (open loop), then the same PostgreSQL with
# pgbench as the ceiling (including the exact SQL of an API append, as the app role), and prints
# ONE JSON object on stdout (everything else goes to stderr). The JSON is also saved to
# bench/results/bench-<timestamp>.json. See bench/README.md.
#
# Environment: DURATION (30s) per measurement, WARMUP (10s), CONNECTIONS (64), THREADS (2),
# PREFILL (200), PGBENCH_SCALE (10), KEEP_DATA (0: the data directory is removed after the run),
# MVN_ARGS (extra Maven arguments for the one-time build, e.g. -o), APPEND_SQL_CLIENTS (32, the server's pool
# size), OPEN_LOOP_WARMUP (2s), OPEN_LOOP_MAX_IN_FLIGHT (128), STARTUP_RUNS (3 per start-up figure; 0 skips them).
set -euo pipefail

exec 3>&1 1>&2 # fd 3 = the real stdout, kept for the final JSON; everything else goes to stderr

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
DURATION="${DURATION:-30s}"
WARMUP="${WARMUP:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
PREFILL="${PREFILL:-200}"
PGBENCH_SCALE="${PGBENCH_SCALE:-10}"
KEEP_DATA="${KEEP_DATA:-0}"
SCALE_MESSAGES="${SCALE_MESSAGES:-100000}"  # messages in one namespace for search and export at scale; 0 skips
SEARCH_QUERIES="${SEARCH_QUERIES:-200}"
APPEND_SQL_CLIENTS="${APPEND_SQL_CLIENTS:-32}" # pgbench clients for the append SQL ceiling: the server's default pool size
OPEN_LOOP_WARMUP="${OPEN_LOOP_WARMUP:-2s}"
OPEN_LOOP_MAX_IN_FLIGHT="${OPEN_LOOP_MAX_IN_FLIGHT:-128}"
NS="bench"

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# "30s" / "30" / "2m" / "1h" -> whole seconds (pgbench -T wants seconds).
to_seconds() {
  local v="$1"
  case "$v" in
    *[!0-9smh]* | "") die "bad duration '$v' (use e.g. 30s, 2m)" ;;
    *s) echo "${v%s}" ;;
    *m) echo $(("${v%m}" * 60)) ;;
    *h) echo $(("${v%h}" * 3600)) ;;
    *) echo "$v" ;;
  esac
}
DURATION_S="$(to_seconds "$DURATION")"
WARMUP_S="$(to_seconds "$WARMUP")"
OPEN_LOOP_WARMUP_S="$(to_seconds "$OPEN_LOOP_WARMUP")"
[ "$DURATION_S" -gt 0 ] || die "DURATION must be at least 1s"

# ---------------------------------------------------------------------------------------------
# 1. Tools
# ---------------------------------------------------------------------------------------------
find_pgbench() {
  if command -v pgbench >/dev/null 2>&1 && pgbench --version >/dev/null 2>&1; then
    command -v pgbench
    return 0
  fi
  local p
  p="$(ls -1 /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -n 1 || true)"
  [ -n "$p" ] && echo "$p"
}

missing_packages() {
  local pkgs=()
  command -v wrk >/dev/null 2>&1 || pkgs+=(wrk)
  command -v psql >/dev/null 2>&1 || pkgs+=(postgresql-client)
  command -v curl >/dev/null 2>&1 || pkgs+=(curl)
  command -v jq >/dev/null 2>&1 || pkgs+=(jq)
  echo "${pkgs[@]:-}"
}

ensure_tools() {
  local pkgs
  pkgs="$(missing_packages)"
  if [ -n "$pkgs" ] || [ -z "$(find_pgbench)" ]; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
      local need="$pkgs"
      [ -n "$(find_pgbench)" ] || need="${need:+$need }postgresql"
      log "missing tools. Install them and run again, e.g.:"
      log "  sudo apt-get install -y $need"
      [ -n "$(find_pgbench)" ] \
        || log "  (pgbench: on Debian 12 it ships in the server package postgresql-15, not in postgresql-client-15)"
      exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    log "installing: ${pkgs:-(pgbench)}"
    apt-get update -qq >&2
    # shellcheck disable=SC2086
    [ -z "$pkgs" ] || apt-get install -y -qq $pkgs >&2
    if [ -z "$(find_pgbench)" ]; then
      # Debian 12 ships pgbench in the server package (dpkg -S pgbench: postgresql-15). Installing it may
      # create and start a default 'main' cluster on port 5432; this benchmark never uses it.
      log "pgbench not found: installing the PostgreSQL server package that ships it"
      apt-get install -y -qq postgresql >&2
    fi
  fi
  PGBENCH="$(find_pgbench)"
  [ -n "$PGBENCH" ] || die "pgbench still not found"
  for t in wrk psql curl jq; do command -v "$t" >/dev/null 2>&1 || die "$t still not found"; done
}
ensure_tools
# JDK 25 for the open-loop load generator (OpenLoad.java), found like ./colloquy finds it
java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1; }
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ] || [ "$(java_major "$JAVA_HOME")" != 25 ]; then
  for d in /usr/lib/jvm/temurin-25* /usr/lib/jvm/*25*; do
    if [ -x "$d/bin/java" ] && [ "$(java_major "$d")" = 25 ]; then export JAVA_HOME="$d"; break; fi
  done
fi
[ -x "${JAVA_HOME:-}/bin/java" ] || die "no JDK 25 found (set JAVA_HOME)"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
log "load average before the run: $LOAD_BEFORE (other work on this machine skews the numbers)"

# ---------------------------------------------------------------------------------------------
# 2. Build (once) and start the server on a fresh data directory
# ---------------------------------------------------------------------------------------------
jar="$repo/server/target/colloquy.jar"
# The jar is reused only if it was built by this script from exactly these sources: a digest of src/main and
# pom.xml is kept beside it (file times alone miss a merge or checkout that writes older-looking sources).
sources_digest() { (cd "$repo" && find server/src/main server/pom.xml -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64); }
jar_stale() {
  [ ! -f "$jar" ] && return 0
  [ "$(cat "$jar.sources" 2>/dev/null)" != "$(sources_digest)" ]
}
if jar_stale; then
  log "building the server jar"
  # shellcheck disable=SC2086
  (cd "$repo" && ./mvnw -q -pl server clean package -DskipTests -Dspotless.check.skip=true ${MVN_ARGS:-}) >&2
  sources_digest >"$jar.sources"
fi
[ -f "$jar" ] || die "build produced no $jar"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
results="$here/results"

mkdir -p "$results"
data_dir="$results/data-$stamp"
server_log="$results/server-$stamp.log"
json_out="$results/bench-$stamp.json"
[ ! -e "$data_dir" ] || die "$data_dir already exists"

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
OPERATOR="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" # 64 hex chars
BASE="http://127.0.0.1:$PORT"

server_pid=""
cluster_dir=""
work_tmp="$(mktemp -d)"

# Where the embedded PostgreSQL keeps its cluster (see server/src/main/java/io/colloquy/platform/PostgresLayout.java):
# <data>/postgres, or, for a root JVM whose data directory the 'colloquy' account cannot traverse,
# /var/lib/colloquy/clusters/<first 16 hex of sha256(absolute data dir)>/postgres.
locate_cluster() {
  local candidate hash
  candidate="$data_dir/postgres"
  if [ -f "$candidate/postmaster.pid" ]; then echo "$candidate"; return 0; fi
  hash="$(printf '%s' "$data_dir" | sha256sum | cut -c1-16)"
  candidate="/var/lib/colloquy/clusters/$hash/postgres"
  # line 2 of postmaster.pid is the cluster's data directory: it must be the one computed above
  if [ -f "$candidate/postmaster.pid" ] && [ "$(sed -n 2p "$candidate/postmaster.pid")" = "$candidate" ]; then
    echo "$candidate"; return 0
  fi
  return 1
}

# Pids of processes (postmaster, backends, launcher watchdog) whose command line names our cluster directory.
cluster_pids() {
  local dir="$1" p cmd
  [ -n "$dir" ] || return 0
  for p in /proc/[0-9]*; do
    cmd="$( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null)" || continue # a process may end while we look
    if [[ "$cmd" == *"$dir"* ]]; then echo "${p#/proc/}"; fi
  done
}

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [ -n "$tool_pid" ] && kill -0 "$tool_pid" 2>/dev/null; then
    kill -TERM "$tool_pid" 2>/dev/null
    wait "$tool_pid" 2>/dev/null
    # Let requests already queued in the server finish: a SIGTERM while requests are in flight makes the
    # embedded PostgreSQL stop under them, and they then wait 30 s for a pool connection before the JVM exits.
    sleep 3
  fi
  [ -z "${startup_pid:-}" ] || stop_startup_server # section 2a's server, on error or Ctrl-C
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    log "stopping the server (pid $server_pid)"
    kill -TERM "$server_pid"
    for _ in $(seq 1 900); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$server_pid" 2>/dev/null; then
      log "server did not stop in 90 s: killing it"
      kill -KILL "$server_pid"
    fi
    wait "$server_pid" 2>/dev/null
  fi
  [ -n "$cluster_dir" ] || cluster_dir="$(locate_cluster 2>/dev/null)"
  if [ -n "$cluster_dir" ]; then
    local left postmaster
    left="$(cluster_pids "$cluster_dir")"
    if [ -n "$left" ]; then
      log "PostgreSQL processes left for $cluster_dir: $(tr '\n' ' ' <<<"$left"); stopping them"
      postmaster="$(sed -n 1p "$cluster_dir/postmaster.pid" 2>/dev/null)"
      [ -n "$postmaster" ] && kill -INT "$postmaster" 2>/dev/null # fast shutdown
      for _ in $(seq 1 100); do [ -z "$(cluster_pids "$cluster_dir")" ] && break; sleep 0.1; done
      for p in $(cluster_pids "$cluster_dir"); do kill -KILL "$p" 2>/dev/null; done
      sleep 0.5
    fi
    if [ -n "$(cluster_pids "$cluster_dir")" ]; then
      log "WARNING: processes still running for $cluster_dir: $(cluster_pids "$cluster_dir" | tr '\n' ' ')"
    else
      log "verified: no PostgreSQL process left for $cluster_dir"
    fi
  fi
  if [ "$KEEP_DATA" != 1 ] && [ -d "$data_dir" ]; then
    case "$cluster_dir" in
      /var/lib/colloquy/clusters/?*/postgres) rm -rf "$(dirname "$cluster_dir")" ;;
    esac
    rm -rf "$data_dir"
    log "removed $data_dir (KEEP_DATA=1 keeps it); server log: $server_log"
  fi
  rm -rf "$work_tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s.%N; }

# wrk and pgbench run in the background and are waited for, so that Ctrl-C / TERM reaches the trap at once
# (wrk catches SIGINT and exits 0, which a foreground wait would take as "handled") and cleanup can stop them.
tool_pid=""
await_tool() {
  tool_pid=$!
  local rc=0
  wait "$tool_pid" || rc=$?
  tool_pid=""
  return "$rc"
}

# ---------------------------------------------------------------------------------------------
# 2a. Start-up figures (before the throughput server runs, so nothing else of ours competes): medians of
#     STARTUP_RUNS starts of ./colloquy serve until /readyz answers 200 — on a fresh data directory
#     (binaries unpacked, initdb, migrations), then again on the same, warm one — and of
#     ./colloquy project create against a running server of that directory (it goes over HTTP).
#     The launcher's start-up cache (target/aot) is made first and not timed.
# ---------------------------------------------------------------------------------------------
STARTUP_RUNS="${STARTUP_RUNS:-3}"
STARTUP_JSON='null'
startup_pid=""
median() { sort -n | awk 'NF { v[++n] = $1 } END { if (n) printf "%.2f", (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2; else print "null" }'; }
# start_ready DIR: sets READY_S (seconds to /readyz 200) and READY_CPU_S (the JVM's CPU seconds by then); the
# server keeps running as $startup_pid (not a $(...) subshell: cleanup must know the pid, and die must end the run)
start_ready() {
  local dir="$1" port mport t0 code
  port="$(free_port)"; mport="$(free_port "$port")"
  t0="$(now)"
  COLLOQUY_DATA_DIR="$dir" COLLOQUY_PORT="$port" COLLOQUY_MANAGEMENT_PORT="$mport" \
    "$repo/colloquy" serve >>"$dir.log" 2>&1 &
  startup_pid=$!
  while :; do
    code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)"
    [ "$code" = 200 ] && break
    kill -0 "$startup_pid" 2>/dev/null || { tail -n 40 "$dir.log" >&2; die "the server exited during start-up"; }
    [ "$(echo "$(now) - $t0 > 180" | bc)" = 1 ] && die "/readyz did not answer 200 within 180 s ($dir.log)"
    sleep 0.02
  done
  READY_S="$(printf '%.2f' "$(echo "$(now) - $t0" | bc)")"
  READY_CPU_S="$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$startup_pid/stat")"
}
stop_startup_server() {
  [ -n "$startup_pid" ] || return 0
  kill -TERM "$startup_pid" 2>/dev/null
  for _ in $(seq 1 600); do kill -0 "$startup_pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$startup_pid" 2>/dev/null && kill -KILL "$startup_pid" 2>/dev/null
  wait "$startup_pid" 2>/dev/null || true
  startup_pid=""
}
startup_figures() {
  local dirs=() dir="" i fresh="" warm="" fresh_cpu="" warm_cpu="" cli="" aot=true t0 out
  "$repo/colloquy" aot-cache >&2 || aot=false
  for i in $(seq 1 "$STARTUP_RUNS"); do
    dir="$results/startup-$stamp-$i"; dirs+=("$dir")
    start_ready "$dir"; stop_startup_server
    fresh+="$READY_S"$'\n'; fresh_cpu+="$READY_CPU_S"$'\n'
    log "start-up, fresh data directory, run $i: $READY_S s to /readyz (JVM CPU $READY_CPU_S s)"
  done
  for i in $(seq 1 "$STARTUP_RUNS"); do
    start_ready "$dir"
    warm+="$READY_S"$'\n'; warm_cpu+="$READY_CPU_S"$'\n'
    log "start-up, warm data directory, run $i: $READY_S s to /readyz (JVM CPU $READY_CPU_S s)"
    [ "$i" = "$STARTUP_RUNS" ] || stop_startup_server
  done
  for _ in $(seq 1 100); do [ -f "$dir/server.properties" ] && break; sleep 0.1; done # written once ready
  for i in $(seq 1 "$STARTUP_RUNS"); do
    t0="$(now)"
    out="$(COLLOQUY_DATA_DIR="$dir" "$repo/colloquy" project create "startup-bench-$i" 2>&1)" \
      || die "./colloquy project create failed: $out"
    grep -q '^Project created: prj_' <<<"$out" || die "unexpected output of ./colloquy project create: $out"
    cli+="$(echo "$(now) - $t0" | bc)"$'\n'
  done
  stop_startup_server
  log "./colloquy project create, server running: $(tr '\n' ' ' <<<"$cli")s"
  for dir in "${dirs[@]}"; do
    [ "$KEEP_DATA" = 1 ] || rm -rf "$dir" "$dir.log" "/var/lib/colloquy/clusters/$(printf '%s' "$dir" | sha256sum | cut -c1-16)"
  done
  STARTUP_JSON="$(jq -cn --argjson fresh "$(median <<<"$fresh")" --argjson warm "$(median <<<"$warm")" \
    --argjson cli "$(median <<<"$cli")" --argjson fcpu "$(median <<<"$fresh_cpu")" --argjson wcpu "$(median <<<"$warm_cpu")" \
    --argjson runs "$STARTUP_RUNS" --argjson aot "$aot" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
    '{start_ready_fresh_s: $fresh, start_ready_warm_s: $warm, cli_project_create_s: $cli,
      jvm_cpu_to_ready_fresh_s: $fcpu, jvm_cpu_to_ready_warm_s: $wcpu, runs: $runs, aot_cache: $aot,
      load_avg_after: $load}')"
  log "start-up: $STARTUP_JSON"
}
[ "$STARTUP_RUNS" -gt 0 ] && startup_figures

log "starting the server on 127.0.0.1:$PORT (management $MGMT_PORT), data $data_dir"
t0="$(now)"
COLLOQUY_DATA_DIR="$data_dir" COLLOQUY_PORT="$PORT" COLLOQUY_MANAGEMENT_PORT="$MGMT_PORT" \
  COLLOQUY_OPERATOR_TOKEN="$OPERATOR" "$repo/colloquy" serve >"$server_log" 2>&1 &
server_pid=$!
ready=""
while :; do
  code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$BASE/readyz" || true)"
  if [ "$code" = 200 ]; then ready=1; break; fi
  kill -0 "$server_pid" 2>/dev/null || { tail -n 40 "$server_log" >&2; die "the server exited during start-up"; }
  [ "$(echo "$(now) - $t0 > 120" | bc)" = 1 ] && break
  sleep 0.1
done
t1="$(now)"
[ -n "$ready" ] || { tail -n 40 "$server_log" >&2; die "/readyz did not answer 200 within 120 s"; }
COLD_START_S="$(printf '%.2f' "$(echo "$t1 - $t0" | bc)")"
log "ready after ${COLD_START_S}s (fresh data directory: includes initdb and migrations)"
cluster_dir="$(locate_cluster)" || die "could not find the embedded PostgreSQL cluster of $data_dir"

# ---------------------------------------------------------------------------------------------
# 3. Project, dialogues, prefill
# ---------------------------------------------------------------------------------------------
api() { # api METHOD PATH [BODY] -> body on stdout; fails on non-2xx
  local method="$1" path="$2" out code args=()
  [ $# -lt 3 ] || args=(-H 'Content-Type: application/json' --data-binary "$3")
  out="$work_tmp/api.out"
  code="$(curl -s -o "$out" -w '%{http_code}' -X "$method" "$BASE$path" \
    -H "Authorization: Bearer $API_KEY" "${args[@]}")"
  case "$code" in 2??) cat "$out" ;; *) log "$method $path -> $code: $(head -c 400 "$out")"; return 1 ;; esac
}

project_json="$(curl -s -f -X POST "$BASE/v1/projects" -H "Authorization: Bearer $OPERATOR" \
  -H 'Content-Type: application/json' -d '{"name":"bench"}')" || die "could not create the project"
API_KEY="$(jq -r '.key.key' <<<"$project_json")"
[[ "$API_KEY" == cq_* ]] || die "unexpected project response: $project_json"

new_dialogue() {
  local id
  id="$(api POST "/v1/namespaces/$NS/dialogues" '{}' | jq -r '.id')" || die "could not create a dialogue"
  [[ "$id" == dlg_* ]] || die "unexpected dialogue id '$id'"
  echo "$id"
}
READ_DLG="$(new_dialogue)"
HOT_DLG="$(new_dialogue)"
SPREAD_DLGS=()
for _ in $(seq 1 "$CONNECTIONS"); do id="$(new_dialogue)"; SPREAD_DLGS+=("$id"); done
SPREAD_CSV="$(IFS=,; echo "${SPREAD_DLGS[*]}")"
log "project created; dialogues: read=$READ_DLG hot=$HOT_DLG spread=${#SPREAD_DLGS[@]}"

content100="$(printf 'prefill message 0123456789 %.0s' 1 2 3 4 | cut -c1-100)"
left="$PREFILL"
while [ "$left" -gt 0 ]; do # batches of up to 100 (the API's batch limit)
  n=$((left > 100 ? 100 : left))
  batch="$(jq -cn --arg c "$content100" --argjson n "$n" '{messages: [range($n) | {role: "user", content: $c}]}')"
  api POST "/v1/namespaces/$NS/dialogues/$READ_DLG/messages" "$batch" >/dev/null || die "prefill failed"
  left=$((left - n))
done
log "prefilled $PREFILL messages into $READ_DLG"

# ---------------------------------------------------------------------------------------------
# 4. wrk
# ---------------------------------------------------------------------------------------------
CLK_TCK="$(getconf CLK_TCK)"
NCPU="$(nproc)"
proc_cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }           # utime+stime
children_cpu_ticks() { awk '{print $16 + $17}' "/proc/$$/stat"; }                            # waited-for children
postgres_cpu_ticks() { # postmaster + its live children + the children it has reaped (backends that ended)
  local pm p ppid sum=0
  pm="$(sed -n 1p "$cluster_dir/postmaster.pid" 2>/dev/null)"
  [ -n "$pm" ] || { echo 0; return; }
  for p in /proc/[0-9]*; do
    read -r ppid ticks < <(awk '{print $4, $14 + $15}' "$p/stat" 2>/dev/null) || continue
    if [ "${p#/proc/}" = "$pm" ] || [ "$ppid" = "$pm" ]; then sum=$((sum + ticks)); fi
  done
  echo "$((sum + $(awk '{print $16 + $17}' "/proc/$pm/stat" 2>/dev/null || echo 0)))"
}
machine_ticks() { awk '/^cpu /{busy=$2+$3+$4+$7+$8+$9; print busy, busy+$5+$6; exit}' /proc/stat; } # busy total

# run_wrk NAME SCRIPT DURATION [VAR=VALUE...] -> writes $work_tmp/NAME.json (result + cpu)
run_wrk() {
  local name="$1" script="$2" dur="$3"; shift 3
  local out="$work_tmp/$name.wrk" c0 j0 m0 p0 c1 j1 m1 p1 result
  log "wrk $name: -t$THREADS -c$CONNECTIONS -d$dur"
  c0="$(children_cpu_ticks)"; j0="$(proc_cpu_ticks "$server_pid")"; p0="$(postgres_cpu_ticks)"; m0="$(machine_ticks)"
  env BENCH_KEY="$API_KEY" BENCH_NS="$NS" BENCH_THREADS="$THREADS" "$@" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$dur" --timeout 10s -s "$here/lua/$script" "$BASE" >"$out" 2>&1 &
  await_tool || { cat "$out" >&2; die "wrk $name failed"; }
  m1="$(machine_ticks)"; c1="$(children_cpu_ticks)"; j1="$(proc_cpu_ticks "$server_pid")"; p1="$(postgres_cpu_ticks)"
  grep -v '^BENCH_RESULT ' "$out" >&2 || true
  kill -0 "$server_pid" 2>/dev/null || { tail -n 40 "$server_log" >&2; die "the server died during $name"; }
  result="$(sed -n 's/^BENCH_RESULT //p' "$out")"
  [ -n "$result" ] || die "wrk $name printed no BENCH_RESULT"
  jq -c --argjson secs "$(jq '.seconds' <<<"$result")" \
    --argjson wrk "$((c1 - c0))" --argjson jvm "$((j1 - j0))" --argjson pg "$((p1 - p0))" --argjson hz "$CLK_TCK" --argjson ncpu "$NCPU" \
    --arg m0 "$m0" --arg m1 "$m1" '
      ($m0 | split(" ") | map(tonumber)) as $a | ($m1 | split(" ") | map(tonumber)) as $b |
      . + {cpu: {
        wrk_pct_of_one_core: (($wrk / $hz / $secs * 1000 | round) / 10),
        server_jvm_pct_of_one_core: (($jvm / $hz / $secs * 1000 | round) / 10),
        postgres_pct_of_one_core: (($pg / $hz / $secs * 1000 | round) / 10),
        machine_busy_pct_of_all_cores: (if ($b[1] - $a[1]) > 0 then (($b[0] - $a[0]) / ($b[1] - $a[1]) * 1000 | round) / 10 else null end),
        cores: $ncpu},
      cpu_us_per_request: (if .requests > 0 then
        {jvm: ($jvm / $hz * 1e6 / .requests | round), postgres: ($pg / $hz * 1e6 / .requests | round)} else null end)}' \
    <<<"$result" >"$work_tmp/$name.json"
  log "$name: $(jq -c '{rps, p50_ms, p99_ms, non_2xx, socket_errors, cpu, cpu_us_per_request}' "$work_tmp/$name.json")"
}

[ "$WARMUP_S" -gt 0 ] && run_wrk warmup_append append.lua "${WARMUP_S}s" BENCH_DIALOGUES="$SPREAD_CSV"

run_wrk append_one_dialogue append.lua "$DURATION" BENCH_DIALOGUES="$HOT_DLG"
run_wrk append_spread append.lua "$DURATION" BENCH_DIALOGUES="$SPREAD_CSV"

# The audit sequencer moves committed events from the outbox into the Merkle log after commit; under a burst of
# appends it falls behind, and its catching up would be billed to whatever runs next. Wait for it to drain
# before the reads, and report how long it took (the sequencer's own throughput under no other load).
audit_outbox() {
  PGPASSWORD="$(tr -d '\n' <"$data_dir/secrets/postgres-superuser.password")" \
    psql -q -X -t -A -h 127.0.0.1 -p "$(sed -n 4p "$cluster_dir/postmaster.pid")" -U postgres -d colloquy \
    -c 'SELECT count(*) FROM colloquy.audit_outbox'
}
backlog_events="$(audit_outbox)"
drain_t0="$(now)"
for _ in $(seq 1 3000); do [ "$(audit_outbox)" = 0 ] && break; sleep 0.2; done
drain_s="$(echo "$(now) - $drain_t0" | bc)"
log "audit backlog after the appends: $backlog_events events, drained in ${drain_s}s"
jq -n --argjson events "$backlog_events" --argjson s "$drain_s" \
  '{events: $events, drain_s: $s, events_per_s: (if $s > 0 then ($events / $s | round) else null end)}' \
  >"$work_tmp/audit_backlog.json"

msg_count="$(api GET "/v1/namespaces/$NS/dialogues/$READ_DLG" | jq -r '.message_count')"
after_seq=$((msg_count > 50 ? msg_count - 50 : 0))
check="$(api GET "/v1/namespaces/$NS/dialogues/$READ_DLG/messages?after_seq=$after_seq&limit=50" | jq '.data | length')"
log "read dialogue has $msg_count messages; after_seq=$after_seq returns $check"
[ "$WARMUP_S" -gt 0 ] && run_wrk warmup_read read.lua "$(((WARMUP_S + 1) / 2))s" \
  BENCH_DIALOGUE="$READ_DLG" BENCH_AFTER_SEQ="$after_seq"
run_wrk read_last_50 read.lua "$DURATION" BENCH_DIALOGUE="$READ_DLG" BENCH_AFTER_SEQ="$after_seq"

# ---------------------------------------------------------------------------------------------
# 4a. Open loop: a fixed arrival rate of half the peak wrk measured above, latency from each request's
#     scheduled send time (OpenLoad.java; wrk is closed-loop and hides queueing)
# ---------------------------------------------------------------------------------------------
# run_open NAME METHOD RATE PATHS -> writes $work_tmp/NAME.json
run_open() {
  local name="$1" method="$2" rate="$3" paths="$4" out="$work_tmp/$1.open" j0 p0 j1 p1
  log "open loop $name: $method at $rate/s for ${DURATION_S}s (after ${OPEN_LOOP_WARMUP_S}s unmeasured), at most $OPEN_LOOP_MAX_IN_FLIGHT in flight"
  j0="$(proc_cpu_ticks "$server_pid")"; p0="$(postgres_cpu_ticks)"
  BENCH_KEY="$API_KEY" "$JAVA_HOME/bin/java" "$here/OpenLoad.java" "$BASE" "$method" "$rate" "$OPEN_LOOP_WARMUP_S" \
    "$DURATION_S" "$OPEN_LOOP_MAX_IN_FLIGHT" "$paths" >"$out" 2>"$out.err" &
  await_tool || { cat "$out" "$out.err" >&2; die "open loop $name failed"; }
  j1="$(proc_cpu_ticks "$server_pid")"; p1="$(postgres_cpu_ticks)"
  kill -0 "$server_pid" 2>/dev/null || { tail -n 40 "$server_log" >&2; die "the server died during $name"; }
  # the CPU figures include the unmeasured lead-in, so they are divided by every request sent
  jq -c --argjson jvm "$((j1 - j0))" --argjson pg "$((p1 - p0))" --argjson hz "$CLK_TCK" \
    --argjson all "$(awk -v r="$rate" -v w="$OPEN_LOOP_WARMUP_S" -v s="$DURATION_S" 'BEGIN { printf "%d", r * w + 0.5 + int(r * s + 0.5) }')" \
    '. + {cpu_us_per_request: {jvm: ($jvm / $hz * 1e6 / $all | round), postgres: ($pg / $hz * 1e6 / $all | round)}}' \
    "$out" >"$work_tmp/$name.json" && [ -s "$work_tmp/$name.json" ] || { cat "$out" "$out.err" >&2; die "open loop $name printed no result"; }
  log "$name: $(cat "$work_tmp/$name.json")"
}
OPEN_APPEND_RATE="$(jq '.rps / 2 | floor | if . < 1 then 1 else . end' "$work_tmp/append_spread.json")"
OPEN_READ_RATE="$(jq '.rps / 2 | floor | if . < 1 then 1 else . end' "$work_tmp/read_last_50.json")"
spread_paths="$(for id in "${SPREAD_DLGS[@]}"; do printf '/v1/namespaces/%s/dialogues/%s/messages,' "$NS" "$id"; done)"
run_open open_append POST "$OPEN_APPEND_RATE" "${spread_paths%,}"
run_open open_read GET "$OPEN_READ_RATE" "/v1/namespaces/$NS/dialogues/$READ_DLG/messages?after_seq=$after_seq&limit=50"

# ---------------------------------------------------------------------------------------------
# 4b. Data at scale: keyword search p50/p99 over SCALE_MESSAGES messages in one namespace, and the
#     export of that namespace (messages/s, and the server's peak heap growth while streaming it)
# ---------------------------------------------------------------------------------------------
SEARCH_JSON='null'
EXPORT_JSON='null'
if [ "$SCALE_MESSAGES" -gt 0 ]; then
  SCALE_NS="scale-$stamp"
  mkdir -p "$work_tmp/scale"
  per_dialogue=1000
  dialogues_needed=$(((SCALE_MESSAGES + per_dialogue - 1) / per_dialogue))
  log "filling $SCALE_NS with $SCALE_MESSAGES messages ($dialogues_needed dialogues, batches of 100)"
  : >"$work_tmp/scale/requests"
  for d in $(seq 1 "$dialogues_needed"); do
    did="$(api POST "/v1/namespaces/$SCALE_NS/dialogues" '{}' | jq -r '.id')" || die "could not create a dialogue"
    for b in $(seq 1 $((per_dialogue / 100))); do
      f="$work_tmp/scale/b-$d-$b.json"
      awk -v seed="$d$b" 'BEGIN { srand(seed); n = split("tea coffee order refund delivery late paris berlin invoice account password reset shipping parcel return exchange size colour price discount voucher login email phone address payment card bank transfer weekend monday friday morning evening urgent happy sad thanks please help question answer agent human robot weather rain sun snow train plane hotel booking cancel change upgrade plan premium basic support ticket status update", w, " ");
        printf "{\"messages\":["; for (i = 0; i < 100; i++) { printf "%s{\"role\":\"user\",\"content\":\"", (i ? "," : ""); for (j = 0; j < 12; j++) printf "%s%s", (j ? " " : ""), w[int(rand() * n) + 1]; printf " m%d\"}", i } printf "]}" }' >"$f"
      echo "$BASE/v1/namespaces/$SCALE_NS/dialogues/$did/messages $f" >>"$work_tmp/scale/requests"
    done
  done
  fill_t0="$(now)"
  head -n $(((SCALE_MESSAGES + 99) / 100)) "$work_tmp/scale/requests" | xargs -P 4 -n 2 sh -c \
    'code=$(curl -s -o /dev/null -w "%{http_code}" -X POST "$0" -H "Authorization: Bearer '"$API_KEY"'" -H "Content-Type: application/json" --data-binary @"$1"); [ "$code" = 201 ] || { echo "fill: $code" >&2; exit 255; }' \
    || die "filling the scale namespace failed"
  fill_s="$(echo "$(now) - $fill_t0" | bc)"
  log "filled in ${fill_s}s"
  # Steady state, as autovacuum would leave it: right after a bulk load the planner's statistics are
  # stale and pick a full scan (measured: 85 ms instead of 1.6 ms for the same query).
  PGPASSWORD="$(tr -d '\n' <"$data_dir/secrets/postgres-superuser.password")" \
    psql -q -X -h 127.0.0.1 -p "$(sed -n 4p "$cluster_dir/postmaster.pid")" -U postgres -d colloquy \
    -c 'VACUUM ANALYZE colloquy.messages' -c 'VACUUM ANALYZE colloquy.dialogues' -c 'VACUUM ANALYZE colloquy.memories' >&2

  : >"$work_tmp/scale/search_ms"
  for q in tea refund "late delivery" "password reset" "paris hotel booking" invoice "urgent help please" weekend train "bank transfer"; do
    for _ in $(seq 1 $((SEARCH_QUERIES / 10))); do
      t="$(curl -s -o "$work_tmp/scale/search.out" -w '%{http_code} %{time_total}' -G "$BASE/v1/namespaces/$SCALE_NS/search" \
        --data-urlencode "q=$q" --data-urlencode "types=messages" -H "Authorization: Bearer $API_KEY")"
      [ "${t%% *}" = 200 ] || die "search '$q' -> ${t%% *}: $(head -c 300 "$work_tmp/scale/search.out")"
      echo "${t#* }" >>"$work_tmp/scale/search_ms"
    done
  done
  SEARCH_JSON="$(sort -n "$work_tmp/scale/search_ms" | awk -v n="$SCALE_MESSAGES" '{ v[NR] = $1 * 1000 } END {
    p50 = v[int(NR * 0.5 + 0.5)]; p99 = v[int(NR * 0.99 + 0.5)]; if (p99 == "") p99 = v[NR];
    printf "{\"messages_in_namespace\":%d,\"queries\":%d,\"p50_ms\":%.1f,\"p99_ms\":%.1f,\"max_ms\":%.1f}", n, NR, p50, p99, v[NR] }')"
  log "search: $SEARCH_JSON"

  heap_used() { curl -s "http://127.0.0.1:$MGMT_PORT/metrics" | awk '/^jvm_memory_used_bytes\{.*area="heap"/ { s += $NF } END { printf "%.0f", s }'; }
  url="$(api POST "/v1/namespaces/$SCALE_NS/export" | jq -r '.url')" || die "export link failed"
  heap_before="$(heap_used)"
  ( while :; do heap_used; echo; sleep 0.1; done ) >"$work_tmp/scale/heap" 2>/dev/null &
  sampler=$!
  ex_t0="$(now)"
  ex_code="$(curl -s -o "$work_tmp/scale/export.json" -w '%{http_code}' "$url")"
  ex_s="$(echo "$(now) - $ex_t0" | bc)"
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  [ "$ex_code" = 200 ] || die "export download -> $ex_code"
  exported="$(jq '[.dialogues[].messages | length] | add' "$work_tmp/scale/export.json")"
  heap_peak="$(sort -n "$work_tmp/scale/heap" | tail -n 1)"
  EXPORT_JSON="$(jq -cn --argjson m "$exported" --argjson s "$ex_s" --argjson bytes "$(stat -c %s "$work_tmp/scale/export.json")" \
    --argjson hb "${heap_before:-0}" --argjson hp "${heap_peak:-0}" --argjson fill "$fill_s" \
    '{messages: $m, seconds: ($s * 100 | round / 100), messages_per_s: ($m / $s | round), bytes: $bytes,
      heap_before_mb: ($hb / 1048576 | round), heap_peak_mb: ($hp / 1048576 | round),
      fill_messages_per_s: ($m / $fill | round)}')"
  log "export: $EXPORT_JSON"
fi

# ---------------------------------------------------------------------------------------------
# 5. pgbench against the same embedded PostgreSQL
# ---------------------------------------------------------------------------------------------
export PGHOST=127.0.0.1 PGUSER=postgres PGCONNECT_TIMEOUT=10
PGPORT="$(sed -n 4p "$cluster_dir/postmaster.pid")"
PGPASSWORD="$(tr -d '\n' <"$data_dir/secrets/postgres-superuser.password")"
export PGPORT PGPASSWORD
log "pgbench against the embedded PostgreSQL on 127.0.0.1:$PGPORT ($($PGBENCH --version))"
psql -q -X -v ON_ERROR_STOP=1 -d postgres -c 'DROP DATABASE IF EXISTS bench' -c 'CREATE DATABASE bench' >&2
"$PGBENCH" -i -q -s "$PGBENCH_SCALE" bench >&2
psql -q -X -v ON_ERROR_STOP=1 -d bench -f "$here/pgbench/schema.sql" >&2

pg_tps() { sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$1" | tail -n 1; }
log "pgbench insert: -c $CONNECTIONS -j $THREADS -T $DURATION_S -M prepared (custom single-row INSERT)"
"$PGBENCH" -n -c "$CONNECTIONS" -j "$THREADS" -T "$DURATION_S" -M prepared \
  -f "$here/pgbench/insert_message.sql" bench >"$work_tmp/pg_insert.out" 2>&1 &
await_tool || { cat "$work_tmp/pg_insert.out" >&2; die "pgbench insert failed"; }
cat "$work_tmp/pg_insert.out" >&2
PG_INSERT_TPS="$(pg_tps "$work_tmp/pg_insert.out")"
log "pgbench select-only: -S -c $CONNECTIONS -j $THREADS -T $DURATION_S -M prepared"
"$PGBENCH" -S -c "$CONNECTIONS" -j "$THREADS" -T "$DURATION_S" -M prepared bench >"$work_tmp/pg_select.out" 2>&1 &
await_tool || { cat "$work_tmp/pg_select.out" >&2; die "pgbench select failed"; }
cat "$work_tmp/pg_select.out" >&2
PG_SELECT_TPS="$(pg_tps "$work_tmp/pg_select.out")"
[ -n "$PG_INSERT_TPS" ] && [ -n "$PG_SELECT_TPS" ] || die "could not parse pgbench tps"
PG_FAILED="$(cat "$work_tmp/pg_insert.out" "$work_tmp/pg_select.out" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' | awk '{s+=$1} END {print s+0}')"

# The append SQL ceiling: exactly the statements of one API append transaction (pgbench/append_transaction.sql),
# as the app role under row-level security, in the server's database, on the project and the 64 spread
# dialogues created through the API above. Values are random bytes of the sizes the server writes.
api_uuid() { local h="${1#*_}"; echo "${h:0:8}-${h:8:4}-${h:12:4}-${h:16:4}-${h:20:12}"; }
random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
spread_uuids="$(for id in "${SPREAD_DLGS[@]}"; do api_uuid "$id"; done | paste -sd, -)"
tokens="$(head -c 40 /dev/urandom | od -An -td8 -w8 | tr -d ' ' | paste -sd, -)" # 5 blind-index tokens (5 distinct words)
log "pgbench append SQL ceiling: -c $APPEND_SQL_CLIENTS -j $THREADS -T $DURATION_S -M prepared as colloquy_app (pgbench/append_transaction.sql)"
j0="$(proc_cpu_ticks "$server_pid")"; p0="$(postgres_cpu_ticks)"
PGUSER=colloquy_app PGPASSWORD="$(tr -d '\n' <"$data_dir/secrets/db-app.password")" \
  "$PGBENCH" -n -c "$APPEND_SQL_CLIENTS" -j "$THREADS" -T "$DURATION_S" -M prepared \
  -D project="$(api_uuid "$(jq -r '.project.id' <<<"$project_json")")" -D ns="$NS" \
  -D dialogues="{$spread_uuids}" -D ndialogues="${#SPREAD_DLGS[@]}" -D actor="$(jq -r '.key.id' <<<"$project_json")" \
  -D content="\\x$(random_hex 133)" -D metadata="\\x$(random_hex 35)" -D audit_data="\\x$(random_hex 393)" \
  -D data_hash="\\x$(random_hex 32)" -D tokens="{$tokens}" \
  -f "$here/pgbench/append_transaction.sql" colloquy >"$work_tmp/pg_append.out" 2>&1 &
await_tool || { cat "$work_tmp/pg_append.out" >&2; die "pgbench append SQL ceiling failed"; }
j1="$(proc_cpu_ticks "$server_pid")"; p1="$(postgres_cpu_ticks)"
cat "$work_tmp/pg_append.out" >&2
PG_APPEND_TPS="$(pg_tps "$work_tmp/pg_append.out")"
[ -n "$PG_APPEND_TPS" ] || die "could not parse the append SQL ceiling's tps"
PG_APPEND_TX="$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work_tmp/pg_append.out")"
APPEND_SQL_JSON="$(jq -cn --argjson tps "$PG_APPEND_TPS" --argjson clients "$APPEND_SQL_CLIENTS" --argjson tx "${PG_APPEND_TX:-0}" \
  --argjson failed "$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$work_tmp/pg_append.out" | awk '{s+=$1} END {print s+0}')" \
  --argjson lat "$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$work_tmp/pg_append.out" | tail -n 1 | grep . || echo null)" \
  --argjson jvm "$((j1 - j0))" --argjson pg "$((p1 - p0))" --argjson hz "$CLK_TCK" '
  {tps: ((($tps * 1000) | round) / 1000), clients: $clients, transactions: $tx, latency_avg_ms: $lat, failed_transactions: $failed,
   cpu_us_per_transaction: (if $tx > 0 then {postgres: ($pg / $hz * 1e6 / $tx | round), jvm: ($jvm / $hz * 1e6 / $tx | round)} else null end)}')"
log "append SQL ceiling: $APPEND_SQL_JSON"

# ---------------------------------------------------------------------------------------------
# 6. Result
# ---------------------------------------------------------------------------------------------
summary() { jq -c '{rps, p50_ms, p99_ms, non_2xx, requests, p90_ms, max_ms, non_2xx_by_status, socket_errors, cpu, cpu_us_per_request}' "$work_tmp/$1.json"; }
final="$(jq -cn \
  --argjson duration "$DURATION_S" --argjson conns "$CONNECTIONS" --argjson threads "$THREADS" \
  --argjson one "$(summary append_one_dialogue)" --argjson spread "$(summary append_spread)" \
  --argjson read "$(summary read_last_50)" \
  --argjson ins "$PG_INSERT_TPS" --argjson sel "$PG_SELECT_TPS" --argjson pgfail "$PG_FAILED" \
  --argjson cold "$COLD_START_S" --argjson cores "$NCPU" --argjson scale "$PGBENCH_SCALE" \
  --argjson search "$SEARCH_JSON" --argjson export "$EXPORT_JSON" \
  --argjson sqlceil "$APPEND_SQL_JSON" --argjson oappend "$(cat "$work_tmp/open_append.json")" \
  --argjson oread "$(cat "$work_tmp/open_read.json")" --argjson startup "$STARTUP_JSON" \
  --argjson backlog "$(cat "$work_tmp/audit_backlog.json")" \
  --arg stamp "$stamp" --arg load "$LOAD_BEFORE" --arg commit "$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  --arg pgbench "$("$PGBENCH" --version)" --arg wrk "$(wrk -v 2>&1 | head -n 1)" '
  def r3: (. * 1000 | round) / 1000;
  {duration_s: $duration, connections: $conns, threads: $threads,
   append_one_dialogue: $one, append_spread: $spread, read_last_50: $read,
   pgbench_insert_tps: ($ins | r3), pgbench_select_tps: ($sel | r3), pgbench_failed_transactions: $pgfail,
   append_vs_pgbench_insert: ($spread.rps / $ins | r3), read_vs_pgbench_select: ($read.rps / $sel | r3),
   append_sql_ceiling: $sqlceil, append_vs_sql_ceiling: ($spread.rps / $sqlceil.tps | r3),
   open_loop: {append: $oappend, read: $oread}, audit_backlog_after_appends: $backlog,
   cold_start_s: $cold, search_at_scale: $search, export_at_scale: $export,
   start_ready_fresh_s: $startup.start_ready_fresh_s, start_ready_warm_s: $startup.start_ready_warm_s,
   cli_project_create_s: $startup.cli_project_create_s, startup: $startup,
   non_2xx_total: ($one.non_2xx + $spread.non_2xx + $read.non_2xx),
   meta: {timestamp: $stamp, load_avg_before: $load, commit: $commit, cores: $cores, pgbench_scale: $scale, wrk: $wrk, pgbench: $pgbench}}')"
printf '%s\n' "$final" >"$json_out"
nz="$(jq '.non_2xx_total' <<<"$final")"
[ "$nz" = 0 ] || log "WARNING: $nz non-2xx responses during the measurements (see non_2xx_by_status)"
onz="$(jq '.open_loop.append.non_2xx + .open_loop.append.errors + .open_loop.read.non_2xx + .open_loop.read.errors' <<<"$final")"
[ "$onz" = 0 ] || log "WARNING: $onz non-2xx answers or errors in the open-loop runs"
log "saved $json_out"
printf '%s\n' "$final" >&3
