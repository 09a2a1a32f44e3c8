#!/usr/bin/env bash
# Backup and restore at scale (manual; not run by CI). One command: bench/backup.sh
#
# Starts the server from this repository on a fresh data directory (embedded PostgreSQL, master key in a directory of
# its own), fills one namespace with MESSAGES messages (default 100000, batches of 100), then, while the server still
# runs, times `./colloquy backup` and, into a second fresh data directory, `./colloquy restore` (which verifies the
# whole archive before loading and every audit log after). Prints ONE JSON object on stdout: the archive's size, the
# time of each command (each includes starting its own context, ~10 s here) and MB/s over the archive.
#
# Environment: MESSAGES (100000), KEEP_DATA (0: everything made is removed), MVN_ARGS (e.g. -o for the build).
set -euo pipefail
exec 3>&1 1>&2

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
MESSAGES="${MESSAGES:-100000}"
KEEP_DATA="${KEEP_DATA:-0}"
log() { printf '[bench-backup] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now() { date +%s.%N; }
for tool in curl jq bc; do command -v "$tool" >/dev/null || die "$tool is needed"; done

jar="$repo/server/target/colloquy.jar"
sources_digest() { (cd "$repo" && find server/src/main server/pom.xml -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64); }
if [ ! -f "$jar" ] || [ "$(cat "$jar.sources" 2>/dev/null)" != "$(sources_digest)" ]; then
  log "building the server jar"
  # shellcheck disable=SC2086
  (cd "$repo" && ./mvnw -q -pl server clean package -DskipTests -Dspotless.check.skip=true ${MVN_ARGS:-}) >&2
  sources_digest >"$jar.sources"
fi

work="$here/results/backup-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$work/keys" "$work/backup-key"
chmod 700 "$work/keys" "$work/backup-key"
export COLLOQUY_MASTER_KEY_DIR="$work/keys"
export COLLOQUY_BACKUP_KEY_FILE="$work/backup-key/backup.key"
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

log "starting the server (data $work/source)"
COLLOQUY_DATA_DIR="$work/source" COLLOQUY_PORT="$PORT" COLLOQUY_MANAGEMENT_PORT="$MGMT_PORT" \
  COLLOQUY_OPERATOR_TOKEN="$OPERATOR" "$repo/colloquy" serve >"$work/server.log" 2>&1 &
server_pid=$!
t0="$(now)"
until [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$BASE/readyz" || true)" = 200 ]; do
  kill -0 "$server_pid" 2>/dev/null || { tail -n 40 "$work/server.log"; die "the server exited"; }
  [ "$(echo "$(now) - $t0 > 600" | bc)" = 1 ] && { tail -n 40 "$work/server.log"; die "/readyz did not answer within 600 s"; }
  sleep 0.2
done

API_KEY="$(curl -s -f -X POST "$BASE/v1/projects" -H "Authorization: Bearer $OPERATOR" \
  -H 'Content-Type: application/json' -d '{"name":"bench-backup"}' | jq -r '.key.key')"
[[ "$API_KEY" == cq_* ]] || die "could not create the project"
batch="$work/batch.json"
awk 'BEGIN { printf "{\"messages\":["; for (i = 0; i < 100; i++) printf "%s{\"role\":\"user\",\"content\":\"a message of about a hundred bytes, as a chat turn often is, with its number %d and a few words\"}", (i ? "," : ""), i; printf "]}" }' >"$batch"
dialogues=$(((MESSAGES + 999) / 1000))
log "filling $MESSAGES messages ($dialogues dialogues of up to 1000)"
: >"$work/requests"
for _ in $(seq 1 "$dialogues"); do
  did="$(curl -s -f -X POST "$BASE/v1/namespaces/bench/dialogues" -H "Authorization: Bearer $API_KEY" \
    -H 'Content-Type: application/json' -d '{}' | jq -r '.id')"
  for _ in $(seq 1 10); do echo "$BASE/v1/namespaces/bench/dialogues/$did/messages" >>"$work/requests"; done
done
head -n $(((MESSAGES + 99) / 100)) "$work/requests" | xargs -P 4 -n 1 sh -c \
  'code=$(curl -s -o /dev/null -w "%{http_code}" -X POST "$0" -H "Authorization: Bearer '"$API_KEY"'" -H "Content-Type: application/json" --data-binary @'"$batch"'); [ "$code" = 201 ] || { echo "fill: $code" >&2; exit 255; }' \
  || die "filling failed"

archive="$work/colloquy.backup"
log "backup (the server keeps running)"
b0="$(now)"
COLLOQUY_DATA_DIR="$work/source" "$repo/colloquy" backup "$archive" >"$work/backup.out" 2>&1 || { cat "$work/backup.out"; die "backup failed"; }
b1="$(now)"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""

log "restore into a fresh data directory"
r0="$(now)"
COLLOQUY_DATA_DIR="$work/restored" "$repo/colloquy" restore "$archive" >"$work/restore.out" 2>&1 || { cat "$work/restore.out"; die "restore failed"; }
r1="$(now)"
grep -q "Restore complete" "$work/restore.out" || { cat "$work/restore.out"; die "restore did not verify"; }

bytes="$(stat -c %s "$archive")"
mb="$(echo "scale=2; $bytes / 1000000" | bc)"
backup_s="$(printf '%.2f' "$(echo "$b1 - $b0" | bc)")"
restore_s="$(printf '%.2f' "$(echo "$r1 - $r0" | bc)")"
# the commands' own figures: the snapshot written, and the archive verified + loaded (without the JVM and context)
backup_data_s="$(sed -n 's/.* MB in \([0-9.]*\) s .*/\1/p' "$work/backup.out" | tail -1)"
restore_load_s="$(sed -n 's/.* MB in \([0-9.]*\) s .*/\1/p' "$work/restore.out" | tail -1)"
jq -cn --argjson messages "$MESSAGES" --argjson mb "$mb" --argjson bs "$backup_s" --argjson rs "$restore_s" \
  --argjson bds "${backup_data_s:-null}" --argjson rls "${restore_load_s:-null}" \
  --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
  '{messages: $messages, archive_mb: $mb, backup_s: $bs, backup_mb_per_s: (($mb / $bs) * 100 | round / 100),
    backup_snapshot_s: $bds, backup_snapshot_mb_per_s: (if $bds then (($mb / $bds) * 100 | round / 100) else null end),
    restore_s: $rs, restore_mb_per_s: (($mb / $rs) * 100 | round / 100),
    restore_verify_and_load_s: $rls, restore_verify_and_load_mb_per_s: (if $rls then (($mb / $rls) * 100 | round / 100) else null end),
    load_avg: $load,
    note: "each time includes starting the command'"'"'s own context; restore includes verifying the archive twice and every audit log"}' >&3
