#!/usr/bin/env bash
# PostgreSQL-side profile of the append and read paths (manual; not run by CI): bench/pg_profile.sh
#
# Starts the server from this repository on a fresh data directory, restarts it once with pg_stat_statements
# loaded into the embedded PostgreSQL, then for an append run (wrk, CONNECTIONS connections round-robin over
# as many dialogues, like bench/run.sh's append_spread) and a read run (the last 50 of PREFILL messages, like
# read_last_50) prints per request: statements and their time (pg_stat_statements, top-level), shared
# blocks, WAL bytes, PostgreSQL CPU, HOT updates and index counts of the tables written; then the same for pgbench running exactly the SQL of an append (append_sql_ceiling,
# pgbench/append_transaction.sql, 32 clients as the app role). Absolute times are noisy on a shared machine; statements, blocks and WAL per request
# are not. Output goes to stdout and to bench/results/pg-profile-<timestamp>.txt.
#
# Environment: DURATION (15s), WARMUP (5s), CONNECTIONS (64), THREADS (2), PREFILL (200), KEEP_DATA (0).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
DURATION="${DURATION:-15s}"
WARMUP="${WARMUP:-5s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
PREFILL="${PREFILL:-200}"
KEEP_DATA="${KEEP_DATA:-0}"
NS="bench"

log() { printf '[pg-profile] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
for t in wrk psql curl jq; do command -v "$t" >/dev/null 2>&1 || die "$t not found (bench/run.sh installs what it needs)"; done

jar="$repo/server/target/colloquy.jar"
sources_digest() { (cd "$repo" && find server/src/main server/pom.xml -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64); }
if [ ! -f "$jar" ] || [ "$(cat "$jar.sources" 2>/dev/null)" != "$(sources_digest)" ]; then
  log "building the server jar"
  (cd "$repo" && ./mvnw -q -pl server clean package -DskipTests -Dspotless.check.skip=true) >&2
  sources_digest >"$jar.sources"
fi

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$here/results"
data_dir="$here/results/data-profile-$stamp"
server_log="$here/results/server-profile-$stamp.log"
report="$here/results/pg-profile-$stamp.txt"
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    if [ "$p" != "${1:-}" ] && port_free "$p"; then echo "$p"; return 0; fi
  done
  die "no free port found"
}
OPERATOR="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
server_pid=""
cluster_dir=""

locate_cluster() {
  local candidate hash
  candidate="$data_dir/postgres"
  if [ -f "$candidate/postmaster.pid" ]; then echo "$candidate"; return 0; fi
  hash="$(printf '%s' "$data_dir" | sha256sum | cut -c1-16)"
  candidate="/var/lib/colloquy/clusters/$hash/postgres"
  [ -f "$candidate/postmaster.pid" ] && { echo "$candidate"; return 0; }
  return 1
}

stop_server() {
  [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null || return 0
  kill -TERM "$server_pid"
  for _ in $(seq 1 900); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$server_pid" 2>/dev/null && kill -KILL "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

cleanup() {
  local rc=$?
  set +e
  stop_server
  if [ "$KEEP_DATA" != 1 ] && [ -d "$data_dir" ]; then
    case "$cluster_dir" in /var/lib/colloquy/clusters/?*/postgres) rm -rf "$(dirname "$cluster_dir")" ;; esac
    rm -rf "$data_dir"
  fi
  exit "$rc"
}
trap cleanup EXIT

start_server() { # on fresh ports each time: a port just given up may be taken by then
  PORT="$(free_port)"
  MGMT_PORT="$(free_port "$PORT")"
  BASE="http://127.0.0.1:$PORT"
  COLLOQUY_DATA_DIR="$data_dir" COLLOQUY_PORT="$PORT" COLLOQUY_MANAGEMENT_PORT="$MGMT_PORT" \
    COLLOQUY_OPERATOR_TOKEN="$OPERATOR" "$repo/colloquy" serve >>"$server_log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 1200); do
    [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$BASE/readyz" || true)" = 200 ] && return 0
    kill -0 "$server_pid" 2>/dev/null || { tail -n 40 "$server_log" >&2; die "the server exited during start-up"; }
    sleep 0.1
  done
  die "/readyz did not answer 200 within 120 s"
}

log "starting the server (fresh data directory $data_dir)"
start_server
cluster_dir="$(locate_cluster)" || die "no cluster found for $data_dir"
export PGHOST=127.0.0.1 PGUSER=postgres PGDATABASE=colloquy
export PGPASSWORD="$(tr -d '\n' <"$data_dir/secrets/postgres-superuser.password")"
export PGPORT="$(sed -n 4p "$cluster_dir/postmaster.pid")"
sql() { psql -q -X -v ON_ERROR_STOP=1 -At "$@"; }
sql -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" \
  -c "ALTER SYSTEM SET pg_stat_statements.track = 'top'" -c "ALTER SYSTEM SET pg_stat_statements.track_planning = on" -c "ALTER SYSTEM SET track_io_timing = on"
log "restarting with pg_stat_statements loaded"
stop_server
start_server
export PGPORT="$(sed -n 4p "$cluster_dir/postmaster.pid")"
sql -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"

project_json="$(curl -s -f -X POST "$BASE/v1/projects" -H "Authorization: Bearer $OPERATOR" \
  -H 'Content-Type: application/json' -d '{"name":"profile"}')" || die "could not create the project"
API_KEY="$(jq -r '.key.key' <<<"$project_json")"
api() {
  local args=()
  [ $# -lt 3 ] || args=(-H 'Content-Type: application/json' --data-binary "$3")
  curl -s -f -X "$1" "$BASE$2" -H "Authorization: Bearer $API_KEY" "${args[@]}"
}
new_dialogue() { api POST "/v1/namespaces/$NS/dialogues" '{}' | jq -r '.id'; }
READ_DLG="$(new_dialogue)"
DLGS=()
for _ in $(seq 1 "$CONNECTIONS"); do DLGS+=("$(new_dialogue)"); done
SPREAD_CSV="$(IFS=,; echo "${DLGS[*]}")"
content100="$(printf 'prefill message 0123456789 %.0s' 1 2 3 4 | cut -c1-100)"
left="$PREFILL"
while [ "$left" -gt 0 ]; do
  n=$((left > 100 ? 100 : left))
  api POST "/v1/namespaces/$NS/dialogues/$READ_DLG/messages" \
    "$(jq -cn --arg c "$content100" --argjson n "$n" '{messages: [range($n) | {role: "user", content: $c}]}')" >/dev/null
  left=$((left - n))
done
after_seq=$((PREFILL > 50 ? PREFILL - 50 : 0))

postgres_cpu_ticks() {
  local pm p ppid ticks sum=0
  pm="$(sed -n 1p "$cluster_dir/postmaster.pid")"
  for p in /proc/[0-9]*; do
    read -r ppid ticks < <(awk '{print $4, $14 + $15}' "$p/stat" 2>/dev/null) || continue
    if [ "${p#/proc/}" = "$pm" ] || [ "$ppid" = "$pm" ]; then sum=$((sum + ticks)); fi
  done
  echo "$((sum + $(awk '{print $16 + $17}' "/proc/$pm/stat")))"
}
# CPU ticks of the cluster's processes by kind ("app backends 123 walwriter 4 ..."), reaped ones as "ended"
postgres_cpu_by_kind() {
  local pm
  pm="$(sed -n 1p "$cluster_dir/postmaster.pid")"
  for p in /proc/[0-9]*; do
    read -r ppid ticks < <(awk '{print $4, $14 + $15}' "$p/stat" 2>/dev/null) || continue
    [ "$ppid" = "$pm" ] || continue
    title="$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" || continue
    case "$title" in
      *colloquy_app*) echo "app_backends $ticks" ;;
      *"postgres: postgres"*) echo "superuser_backends $ticks" ;;
      *walwriter*) echo "walwriter $ticks" ;;
      *autovacuum*) echo "autovacuum $ticks" ;;
      *checkpointer*) echo "checkpointer $ticks" ;;
      *) echo "other $ticks" ;;
    esac
  done
  echo "postmaster+ended $(awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat")"
}
jvm_cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }

wrk_run() { # wrk_run SCRIPT DURATION VAR=VALUE... -> requests on stdout
  local script="$1" dur="$2" out
  shift 2
  out="$(env BENCH_KEY="$API_KEY" BENCH_NS="$NS" BENCH_THREADS="$THREADS" "$@" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$dur" --timeout 10s -s "$here/lua/$script" "$BASE" 2>&1)"
  sed -n 's/^BENCH_RESULT //p' <<<"$out" | jq -r '"\(.requests) \(.rps) \(.non_2xx)"'
}

PGBENCH="$(command -v pgbench || ls -1 /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -n 1 || true)"
api_uuid() { local h="${1#*_}"; echo "${h:0:8}-${h:8:4}-${h:12:4}-${h:16:4}-${h:20:12}"; }
random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
# pgbench_run SCRIPT DURATION -> transactions on stdout (exactly the SQL of an append, as the app role; bench/run.sh)
pgbench_run() {
  local out
  out="$(PGUSER=colloquy_app PGPASSWORD="$(tr -d '\n' <"$data_dir/secrets/db-app.password")" \
    "$PGBENCH" -n -c 32 -j "$THREADS" -T "$(( ${2%s} ))" -M prepared \
    -D project="$(api_uuid "$(jq -r '.project.id' <<<"$project_json")")" -D ns="$NS" \
    -D dialogues="{$(for id in "${DLGS[@]}"; do api_uuid "$id"; done | paste -sd, -)}" -D ndialogues="${#DLGS[@]}" \
    -D actor="$(jq -r '.key.id' <<<"$project_json")" \
    -D content="\\x$(random_hex 133)" -D metadata="\\x$(random_hex 35)" -D audit_data="\\x$(random_hex 393)" \
    -D data_hash="\\x$(random_hex 32)" -D tokens="{$(head -c 40 /dev/urandom | od -An -td8 -w8 | tr -d ' ' | paste -sd, -)}" \
    -f "$here/pgbench/append_transaction.sql" colloquy 2>&1)" || { echo "$out" >&2; die "pgbench failed"; }
  echo "$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out") \
$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out" | head -n1) $(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")"
}

profile() { # profile NAME wrk_run|pgbench_run SCRIPT VAR=VALUE...
  local name="$1" runner="$2" script="$3"
  shift 3
  "$runner" "$script" "$WARMUP" "$@" >/dev/null
  sleep 1 # let the audit sequencer catch up with the warm-up
  sql -c "SELECT pg_stat_statements_reset()" -c "SELECT pg_stat_reset()" -c "SELECT pg_stat_reset_shared('wal')" >/dev/null
  local p0 j0 p1 j1 res req rps non2xx
  p0="$(postgres_cpu_ticks)"; j0="$(jvm_cpu_ticks)"
  postgres_cpu_by_kind >"$data_dir/kinds0"
  res="$("$runner" "$script" "$DURATION" "$@")"
  sleep 1 # the sequencer's work for this run's events belongs to it
  p1="$(postgres_cpu_ticks)"; j1="$(jvm_cpu_ticks)"
  postgres_cpu_by_kind >"$data_dir/kinds1"
  read -r req rps non2xx <<<"$res"
  local hz
  hz="$(getconf CLK_TCK)"
  echo "=== $name: $req requests, $rps rps, non-2xx/failed $non2xx (load $(cut -d' ' -f1-3 /proc/loadavg))"
  echo "CPU per request: postgres $(((p1 - p0) * 1000000 / hz / req)) us, jvm $(((j1 - j0) * 1000000 / hz / req)) us"
  echo "postgres CPU per request by process (us; backends that ended count under postmaster+ended):" \
    "$(awk -v hz="$hz" -v req="$req" 'NR == FNR { a[$1] += $2; next } { b[$1] += $2 }
      END { for (k in b) printf "%s %d, ", k, (b[k] - a[k]) * 1000000 / hz / req }' "$data_dir/kinds0" "$data_dir/kinds1")"
  sql -F ' | ' -c "
    SELECT 'WAL bytes per request: ' || round(wal_bytes / $req) || ', WAL records per request: '
           || round(wal_records::numeric / $req, 2) || ', full-page images per request: ' || round(wal_fpi::numeric / $req, 3)
      FROM pg_stat_wal"
  sql -F ' | ' -c "
    SELECT 'statements per request (top level, incl. BEGIN/COMMIT/SET): ' || round(sum(calls)::numeric / $req, 2)
           || ', statement time per request: ' || round((sum(total_exec_time) / $req)::numeric * 1000) || ' us'
      FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'colloquy')"
  echo "calls/req | mean_us | plan_us/call | total_% | rows/call | shared_hit/call | shared_read+dirtied/call | wal_bytes/call | query"
  sql -F ' | ' -c "
    WITH s AS (SELECT * FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'colloquy')),
         t AS (SELECT sum(total_exec_time) AS all_time FROM s)
    SELECT round(calls::numeric / $req, 2), round((mean_exec_time * 1000)::numeric), round((total_plan_time * 1000 / NULLIF(calls, 0))::numeric), round((100 * total_exec_time / all_time)::numeric, 1),
           round(rows::numeric / NULLIF(calls, 0), 1), round(shared_blks_hit::numeric / NULLIF(calls, 0), 1),
           round((shared_blks_read + shared_blks_dirtied)::numeric / NULLIF(calls, 0), 2), round(wal_bytes / NULLIF(calls, 0)),
           left(regexp_replace(query, '\s+', ' ', 'g'), 150)
      FROM s, t ORDER BY total_exec_time DESC LIMIT 25"
  echo "table | n_tup_ins | n_tup_upd | n_tup_hot_upd | hot_% | n_tup_del | idx_count"
  sql -F ' | ' -c "
    SELECT t.relname, n_tup_ins, n_tup_upd, n_tup_hot_upd,
           CASE WHEN n_tup_upd > 0 THEN round(100.0 * n_tup_hot_upd / n_tup_upd) END, n_tup_del,
           (SELECT count(*) FROM pg_index i WHERE i.indrelid = t.relid)
      FROM pg_stat_user_tables t WHERE n_tup_ins + n_tup_upd + n_tup_del > 0 ORDER BY t.relname"
}

{
  echo "# pg_profile $stamp, commit $(cd "$repo" && git rev-parse --short HEAD)$(cd "$repo" && git diff --quiet || echo '+dirty'), $CONNECTIONS connections, $DURATION"
  profile append_spread wrk_run append.lua BENCH_DIALOGUES="$SPREAD_CSV"
  profile read_last_50 wrk_run read.lua BENCH_DIALOGUE="$READ_DLG" BENCH_AFTER_SEQ="$after_seq"
  [ -z "$PGBENCH" ] || profile append_sql_ceiling pgbench_run append_transaction.sql
  echo "=== indexes"
  sql -F ' | ' -c "
    SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid)
      FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'colloquy' AND c.relname IN ('dialogues', 'messages', 'audit_outbox', 'audit_events', 'audit_nodes')
     ORDER BY 1, 2"
  echo "=== storage options"
  sql -F ' | ' -c "
    SELECT c.relname, c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'colloquy' AND c.reloptions IS NOT NULL"
} | tee "$report"
log "report: $report"
