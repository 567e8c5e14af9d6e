#!/usr/bin/env bash
# The loader benchmark: measures, in one run on this machine,
#
#   1. loader scaling: the same filled QBENCH_RAW loaded into an empty
#      database by 1, 2 and 4 loaders (BENCH_LOADERS), records per second
#      from the first loader's start until every record of the run is loaded
#      or set aside;
#   2. replay after a mapping change: on the database the last scaling run
#      filled, every test's `title` is set to NULL (as if the column were
#      new), then `qbenchctl replay --from-seq 1 --force` loads every entity
#      again from the stream; records per second, and how many rows still
#      differ from their value before (must be 0).
#
# The stream is filled once, by the fetcher with no loader running; its
# JetStream store directory and its database (the run's ledger, no rows yet)
# are then copied for every scaling run, so each starts from the same state.
# Every server it starts listens on 127.0.0.1 on a free port; databases are
# created fresh and dropped at the end. Needs PostgreSQL
# (DATABASE_ADMIN_URL), nats-server, psql, curl, jq and ss.
#
#   ./benchmarks/loaders.sh
#   BENCH_SIZE=tiny ./benchmarks/loaders.sh         # a quick check of the script
#   BENCH_LOADERS="1 2" ./benchmarks/loaders.sh     # other loader counts
#   BENCH_SKIP_BUILD=1 ./benchmarks/loaders.sh      # binaries already built
#   BENCH_RETRY_DELAYS=10s,1m,5m ./benchmarks/loaders.sh   # the product's retry ladder
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE="${BENCH_SIZE:-small}"
LOADERS="${BENCH_LOADERS:-1 2 4}"
ADMIN_URL="${DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
# A fixed end of history, so the same seed always gives the same lab.
SIM_CLOCK="${BENCH_SIM_CLOCK:-2026-06-01T00:00:00Z}"

. benchmarks/lib.sh

export QBENCH_TIMEZONE=America/New_York SYNC_INTERVAL=0s QBENCH_REQUESTS_PER_MINUTE=100000
export RUST_LOG="info,sqlx::postgres::notice=warn"
# All entities are consumed at once, so children often arrive before their
# parents; with the default 10 s, 1 min, 5 min ladder a small lab's load
# time is the ladder's, not the loaders' (docs/benchmarks.md). Short waits
# measure the loaders themselves.
export RETRY_DELAYS="${BENCH_RETRY_DELAYS:-1s,2s,4s}" SKIPPED_REQUEUE_INTERVAL=1s
unset QBENCH_BASE_URL QBENCH_MAX_IN_FLIGHT METRICS_ADDR

# Records of every run page published, loaded and set aside, as "p l s".
ledger_counts() {
  sql "SELECT coalesce(sum(record_count), 0), coalesce(sum(least(loaded, coalesce(record_count, loaded))), 0), coalesce(sum(skipped), 0) FROM sync_run_pages" |
    tr '|' ' '
}

# What one loader's closing line says it wrote.
written_by() {
  jq -R 'fromjson? | select(.message == "Loader stopped.") | .written' "$1" | tail -n 1
}

# Fills a new stream with the lab, then keeps its store and its database
# (named in $filled_db) as the starting point of every run.
fill_stream() {
  log "filling QBENCH_RAW with the $SIZE lab (no loader running)"
  fresh_nats
  fresh_database filled
  filled_db="${db_url##*/}"
  export DATABASE_URL="$db_url"
  start_simulator "$SIZE" off 0ms
  result "lab_records: $(lab_records)"
  start qbench-fetcher fetcher
  wait_for_start fetcher "Fetcher started."
  local fetcher=$started run t0 t1
  t0="$(now)"
  "$bin/qbenchctl" sync --full >"$work/sync.out" 2>"$work/sync.err"
  run="$(run_id_of "$work/sync.out")"
  until [ "$(sql "SELECT status FROM sync_runs WHERE run_id = '$run'")" != running ]; do
    sleep 0.25
  done
  t1="$(now)"
  result "fill.run_status: $(sql "SELECT status FROM sync_runs WHERE run_id = '$run'")"
  result "fill.fetch_and_publish_seconds: $(elapsed "$t0" "$t1")"
  stop "$fetcher"
  stop "$sim_pid"
  kill "$nats_pid"
  wait "$nats_pid" 2>/dev/null || true
  nats_pid=""
  rm -rf "$work/nats-filled"
  cp -a "$work/nats" "$work/nats-filled"
}

# A nats-server on a copy of the filled store.
nats_from_copy() {
  stop_nats
  cp -a "$work/nats-filled" "$work/nats"
  local port
  port="$(free_port)"
  nats-server -a 127.0.0.1 -p "$port" -js -sd "$work/nats" >"$work/nats.log" 2>&1 &
  nats_pid=$!
  wait_for_port "$port"
  export NATS_URL="nats://127.0.0.1:$port"
}

# A new database copied from the filled one: the run's ledger, no rows.
database_from_copy() {
  local name="qbench_bench_loaders_$1_$$"
  psql "$ADMIN_URL" -qX -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" \
    -c "CREATE DATABASE $name TEMPLATE $filled_db" >/dev/null
  databases+=("$name")
  export DATABASE_URL="${ADMIN_URL%/*}/$name"
}

# 1. `n` loaders load the filled stream into an empty database.
run_loaders() {
  local n="$1" i t0 t1 published loaded skipped seconds
  log "phase 1: $n loader(s)"
  nats_from_copy
  database_from_copy "$n"
  result "scaling.$n.load_average_before: $(cut -d' ' -f1-3 /proc/loadavg)"
  read -r published loaded skipped <<<"$(ledger_counts)"
  local loaders=()
  t0="$(now)"
  for i in $(seq "$n"); do
    start qbench-loader "loader-$n-$i"
    wait_for_start "loader-$n-$i" "Loader started."
    loaders+=("$started")
  done
  while :; do
    read -r published loaded skipped <<<"$(ledger_counts)"
    [ $((loaded + skipped)) -ge "$published" ] && break
    sleep 0.2
  done
  t1="$(now)"
  seconds="$(elapsed "$t0" "$t1")"
  result "scaling.$n.seconds: $seconds"
  result "scaling.$n.published: $published loaded: $loaded set_aside: $skipped"
  result "scaling.$n.records_per_second: $(divide "$loaded" "$seconds")"
  for i in $(seq "$n"); do
    stop "${loaders[$((i - 1))]}"
    result "scaling.$n.loader_$i: written $(written_by "$work/loader-$n-$i.log"), peak ${peak} MiB"
  done
}

# 2. A column emptied in every row, filled again by a forced replay.
replay_after_mapping_change() {
  log "phase 2: forced replay after emptying tests.title"
  local tests titled t0 t1 seconds differing
  tests="$(sql "SELECT count(*) FROM tests")"
  titled="$(sql "SELECT count(*) FROM tests WHERE title IS NOT NULL")"
  sql "CREATE TABLE bench_titles AS SELECT id, title FROM tests"
  sql "UPDATE tests SET title = NULL"
  result "replay.tests: $tests with_title_before: $titled"
  result "replay.load_average_before: $(cut -d' ' -f1-3 /proc/loadavg)"
  t0="$(now)"
  "$bin/qbenchctl" replay --from-seq 1 --force >"$work/replay.out" 2>"$work/replay.err"
  t1="$(now)"
  seconds="$(elapsed "$t0" "$t1")"
  sed 's/^/replay.summary: /' "$work/replay.out" | grep -v 'skipped [a-z]* [0-9]*:' | tee -a "$results"
  local replayed
  replayed="$(awk '/^replayed/ { print $2 }' "$work/replay.out")"
  result "replay.wall_seconds: $seconds"
  result "replay.records_per_second: $(divide "$replayed" "$seconds")"
  differing="$(sql "SELECT count(*) FROM tests t JOIN bench_titles b USING (id) WHERE t.title IS DISTINCT FROM b.title")"
  result "replay.rows_differing_after: $differing"
  result "replay.with_title_after: $(sql "SELECT count(*) FROM tests WHERE title IS NOT NULL")"
}

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  log "building (release)"
  cargo build --release --bins --quiet
fi
bin="${CARGO_TARGET_DIR:-target}/release"

log "results and logs in $work"
machine
fill_stream
for n in $LOADERS; do
  run_loaders "$n"
done
replay_after_mapping_change
log "done; results in $results"
