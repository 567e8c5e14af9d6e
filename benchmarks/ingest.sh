#!/usr/bin/env bash
# The ingestion benchmark: measures, in one run on this machine,
#
#   1. a full sync of the medium lab, simulator limits off, fetcher and two
#      loaders: records per second from `qbenchctl sync --full --wait` start
#      to settled, and the peak memory (VmHWM) of every service;
#   2. one loader alone replaying the stream the fetcher filled while no
#      loader ran, beside `copy-merge` (COPY plus one merge per entity) of
#      the same records into another fresh database;
#   3. a full sync of the small lab against QBench's default limits and a
#      300 ms page latency, compared with the rate-limit bound of five pages
#      a second.
#
# Every server it starts listens on 127.0.0.1 on a free port: a private
# nats-server with a temporary store, and the simulator. Databases are
# created fresh and dropped at the end. Needs PostgreSQL (DATABASE_ADMIN_URL),
# nats-server, psql, curl, jq and ss.
#
#   ./benchmarks/ingest.sh
#   BENCH_SIZE=tiny BENCH_LIMITED_SIZE=tiny ./benchmarks/ingest.sh   # a quick check
#   BENCH_PHASES="2" ./benchmarks/ingest.sh                          # one phase only
#   BENCH_SKIP_BUILD=1 ./benchmarks/ingest.sh                        # binaries already built
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE="${BENCH_SIZE:-medium}"
LIMITED_SIZE="${BENCH_LIMITED_SIZE:-small}"
PHASES="${BENCH_PHASES:-1 2 3}"
ADMIN_URL="${DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
# A fixed end of history, so the same seed always gives the same lab.
SIM_CLOCK="${BENCH_SIM_CLOCK:-2026-06-01T00:00:00Z}"
# QBench allows five pages a second (300 a minute), 50 records a page.
PAGE_SIZE=50
PAGES_PER_SECOND=5

. benchmarks/lib.sh

# Records the loaders' batches sent to wait for a parent, from their
# per-batch debug lines.
parent_waits() {
  cat "$@" | jq -R 'fromjson? | select(.message == "Batch committed.") | .waiting // 0' |
    awk '{ n += $1 } END { print n + 0 }'
}

# The pages a full read of the simulated lab takes.
lab_pages() {
  jq --argjson size "$PAGE_SIZE" \
    '[.live[] | (. + $size - 1) / $size | floor] | add' "$work/sim-status.json"
}

# Sum of records published, loaded and set aside by a run, as "p l s".
run_counts() {
  sql "SELECT coalesce(sum(record_count), 0), coalesce(sum(least(loaded, coalesce(record_count, loaded))), 0), coalesce(sum(skipped), 0) FROM sync_run_pages WHERE run_id = '$1'" |
    tr '|' ' '
}

service_env() {
  export QBENCH_TIMEZONE=America/New_York SYNC_INTERVAL=0s
  # The loaders' per-batch line (one per commit) says how many records
  # waited for a parent.
  export RUST_LOG="info,qbench_loader=debug,sqlx::postgres::notice=warn"
  unset QBENCH_BASE_URL QBENCH_MAX_IN_FLIGHT
  # Without the simulator's limits the client need not pace itself; with
  # them, the product's defaults (290 a minute, 8 in flight) apply.
  if [ "$1" = off ]; then
    export QBENCH_REQUESTS_PER_MINUTE=100000
  else
    unset QBENCH_REQUESTS_PER_MINUTE
  fi
}

# 1. The whole pipeline, limits off: end-to-end rate and peak memory.
phase_full_sync() {
  log "phase 1: full sync of the $SIZE lab, limits off, two loaders"
  service_env off
  fresh_nats
  fresh_database full
  export DATABASE_URL="$db_url"
  start_simulator "$SIZE" off 0ms
  result "phase1.lab_records: $(lab_records)"
  start qbench-fetcher fetcher-1
  wait_for_start fetcher-1 "Fetcher started."
  local fetcher=$started
  start qbench-loader loader-1a
  wait_for_start loader-1a "Loader started."
  local loader_a=$started
  start qbench-loader loader-1b
  wait_for_start loader-1b "Loader started."
  local loader_b=$started

  local t0 t1
  t0="$(now)"
  "$bin/qbenchctl" sync --full --wait >"$work/sync-1.out" 2>"$work/sync-1.err"
  t1="$(now)"
  local run published loaded skipped
  run="$(run_id_of "$work/sync-1.out")"
  read -r published loaded skipped <<<"$(run_counts "$run")"
  local seconds
  seconds="$(elapsed "$t0" "$t1")"
  result "phase1.summary: $(tail -n 1 "$work/sync-1.out")"
  result "phase1.seconds: $seconds"
  result "phase1.published: $published loaded: $loaded set_aside: $skipped"
  result "phase1.records_per_second: $(divide "$loaded" "$seconds")"

  if "$bin/qbenchctl" verify >"$work/verify-1.out" 2>&1; then
    result "phase1.verify: passed"
  else
    result "phase1.verify: FAILED (see $work/verify-1.out)"
  fi

  result "phase1.parent_waits: $(parent_waits "$work/loader-1a.log" "$work/loader-1b.log")"
  stop "$fetcher"
  result "phase1.peak_mib.fetcher: $peak"
  stop "$loader_a"
  result "phase1.peak_mib.loader_1: $peak"
  stop "$loader_b"
  result "phase1.peak_mib.loader_2: $peak"
  # The simulator keeps serving phase 2; its peak so far is phase 1's.
  result "phase1.peak_mib.simulator: $(peak_mib "$sim_pid")"
}

# 2. One loader replaying a stream that already holds the lab, then COPY
# plus merge of the same records into another fresh database.
phase_replay() {
  log "phase 2: one loader replaying the $SIZE lab; COPY plus merge beside it"
  service_env off
  fresh_nats
  fresh_database replay
  export DATABASE_URL="$db_url"
  if [ -z "${sim_pid:-}" ] || ! kill -0 "$sim_pid" 2>/dev/null; then
    start_simulator "$SIZE" off 0ms
  fi

  start qbench-fetcher fetcher-2
  wait_for_start fetcher-2 "Fetcher started."
  local fetcher=$started t0 t1 run
  t0="$(now)"
  "$bin/qbenchctl" sync --full >"$work/sync-2.out" 2>"$work/sync-2.err"
  run="$(run_id_of "$work/sync-2.out")"
  until [ "$(sql "SELECT status FROM sync_runs WHERE run_id = '$run'")" != running ]; do
    sleep 0.25
  done
  t1="$(now)"
  result "phase2.run_status: $(sql "SELECT status FROM sync_runs WHERE run_id = '$run'")"
  result "phase2.fetch_and_publish_seconds: $(elapsed "$t0" "$t1")"
  # The loader is measured alone: nothing else competes for the cores.
  stop "$fetcher"

  local published loaded skipped seconds
  read -r published loaded skipped <<<"$(run_counts "$run")"
  start qbench-loader loader-2
  local loader=$started
  t0="$(now)"
  while :; do
    read -r published loaded skipped <<<"$(run_counts "$run")"
    [ $((loaded + skipped)) -ge "$published" ] && break
    sleep 0.2
  done
  t1="$(now)"
  seconds="$(elapsed "$t0" "$t1")"
  stop "$loader"
  result "phase2.loader_seconds: $seconds"
  result "phase2.published: $published loaded: $loaded set_aside: $skipped"
  local loader_rate
  loader_rate="$(divide "$loaded" "$seconds")"
  result "phase2.loader_records_per_second: $loader_rate"
  result "phase2.peak_mib.loader: $peak"
  result "phase2.parent_waits: $(parent_waits "$work/loader-2.log")"

  log "COPY plus merge of the same records"
  fresh_database copy
  if ! "$bin/copy-merge" --nats-url "$NATS_URL" --database-url "$db_url" \
    --timezone America/New_York >"$work/copy-merge.out" 2>"$work/copy-merge.err"; then
    result "phase2.copy_merge: FAILED: $(head -n 1 "$work/copy-merge.err")"
    stop "$sim_pid"
    return 0
  fi
  sed 's/^/phase2.copy_merge: /' "$work/copy-merge.out" | tee -a "$results"
  local copy_rate
  copy_rate="$(awk -F'copy_merge_per_s=' '/^total/ { print $2 }' "$work/copy-merge.out")"
  result "phase2.loader_over_copy_merge: $(awk -v a="$loader_rate" -v b="$copy_rate" \
    'BEGIN { printf "%.2f", a / b }')"

  stop "$sim_pid"
}

# 3. QBench's limits and latency: how close a full sync comes to the bound.
phase_limited() {
  log "phase 3: full sync of the $LIMITED_SIZE lab, QBench limits, 300 ms latency"
  service_env on
  fresh_nats
  fresh_database limited
  export DATABASE_URL="$db_url"
  start_simulator "$LIMITED_SIZE" on 300ms
  local pages records
  pages="$(lab_pages)"
  records="$(lab_records)"
  result "phase3.lab_records: $records pages_needed: $pages"
  start qbench-fetcher fetcher-3
  wait_for_start fetcher-3 "Fetcher started."
  local fetcher=$started
  start qbench-loader loader-3a
  wait_for_start loader-3a "Loader started."
  local loader_a=$started
  start qbench-loader loader-3b
  wait_for_start loader-3b "Loader started."
  local loader_b=$started

  local t0 t1 seconds bound
  t0="$(now)"
  "$bin/qbenchctl" sync --full --wait >"$work/sync-3.out" 2>"$work/sync-3.err"
  t1="$(now)"
  seconds="$(elapsed "$t0" "$t1")"
  bound="$(awk -v p="$pages" -v r="$PAGES_PER_SECOND" 'BEGIN { printf "%.1f", p / r }')"
  result "phase3.summary: $(tail -n 1 "$work/sync-3.out")"
  result "phase3.seconds: $seconds bound_seconds: $bound"
  result "phase3.ratio: $(awk -v a="$seconds" -v b="$bound" 'BEGIN { printf "%.3f", a / b }')"
  result "phase3.api_calls: $(curl -fs "$SIMULATOR_URL/_sim/status" | jq .api_calls)"
  result "phase3.throttled: $(grep -ci 'throttl\|429' "$work/fetcher-3.log" || true) fetcher log lines"

  result "phase3.parent_waits: $(parent_waits "$work/loader-3a.log" "$work/loader-3b.log")"
  stop "$fetcher"
  stop "$loader_a"
  stop "$loader_b"
  stop "$sim_pid"
}

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  log "building (release)"
  cargo build --release --bins --quiet
fi
bin="${CARGO_TARGET_DIR:-target}/release"

log "results and logs in $work"
machine
for phase in $PHASES; do
  case "$phase" in
    1) phase_full_sync ;;
    2) phase_replay ;;
    3) phase_limited ;;
    *) echo "unknown phase $phase" >&2; exit 2 ;;
  esac
done
log "done; results in $results"
