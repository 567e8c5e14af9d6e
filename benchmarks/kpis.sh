#!/usr/bin/env bash
# The KPI API benchmark: loads the medium simulated lab into a fresh
# database (simulator limits off, fetcher and two loaders, `qbenchctl sync
# --full --wait`), runs VACUUM ANALYZE, starts qbench-api, and measures with the
# benchmark crate's `kpi-load`:
#
#   1. every KPI route alone (every GET route under /api/v1/metrics, and the
#      three entity routes with real ids): p50 and p95 of sequential
#      requests after a warm-up (50, or fewer if 10 s have passed), over the
#      30 and the 365 lab days ending on the lab's clock;
#   2. many clients at once for a fixed time, cycling over the same routes:
#      requests, errors, throughput and latency percentiles;
#
# and the API's peak memory (VmHWM) after each. Every server it starts
# listens on 127.0.0.1 on a free port: a private nats-server with a
# temporary store, the simulator and the API. The database is created fresh
# and dropped at the end. Needs PostgreSQL (DATABASE_ADMIN_URL),
# nats-server, psql, curl, jq, openssl and ss.
#
#   ./benchmarks/kpis.sh
#   BENCH_SIZE=tiny BENCH_DURATION=5 ./benchmarks/kpis.sh   # a quick check
#   BENCH_SKIP_BUILD=1 ./benchmarks/kpis.sh                 # binaries already built
#   BENCH_KEEP_DATABASE=1 ./benchmarks/kpis.sh              # keep the loaded database
#   BENCH_DATABASE_URL=postgres://…/db ./benchmarks/kpis.sh  # measure a lab already loaded
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE="${BENCH_SIZE:-medium}"
ADMIN_URL="${DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
# A fixed end of history, so the same seed always gives the same lab; the
# ranges measured end on this instant's lab day.
SIM_CLOCK="${BENCH_SIM_CLOCK:-2026-06-01T00:00:00Z}"
LAB_ZONE=America/New_York
WARMUP="${BENCH_WARMUP:-5}"
REQUESTS="${BENCH_REQUESTS:-50}"
# Seconds of timed requests per route and range: a slow one gets fewer.
TARGET_SECONDS="${BENCH_TARGET_SECONDS:-10}"
CLIENTS="${BENCH_CLIENTS:-100}"
DURATION="${BENCH_DURATION:-60}"

. benchmarks/lib.sh

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  log "building (release)"
  cargo build --release --bins --quiet
fi
bin="${CARGO_TARGET_DIR:-target}/release"

log "results and logs in $work"
machine

export QBENCH_TIMEZONE="$LAB_ZONE" SYNC_INTERVAL=0s QBENCH_REQUESTS_PER_MINUTE=100000
export RUST_LOG="info,sqlx::postgres::notice=warn"
unset QBENCH_BASE_URL QBENCH_MAX_IN_FLIGHT
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
  # A lab loaded by an earlier run (BENCH_KEEP_DATABASE=1), with the same
  # seed and clock; it is neither reloaded nor dropped.
  log "measuring the lab already in ${BENCH_DATABASE_URL##*/}"
  export DATABASE_URL="$BENCH_DATABASE_URL"
else
  log "loading the $SIZE lab: simulator limits off, fetcher and two loaders"
  fresh_nats
  fresh_database kpis
  export DATABASE_URL="$db_url"
  start_simulator "$SIZE" off 0ms
  result "lab_records: $(lab_records)"
  start qbench-fetcher fetcher
  wait_for_start fetcher "Fetcher started."
  fetcher=$started
  start qbench-loader loader-1
  wait_for_start loader-1 "Loader started."
  loader_1=$started
  start qbench-loader loader-2
  wait_for_start loader-2 "Loader started."
  loader_2=$started
  t0="$(now)"
  "$bin/qbenchctl" sync --full --wait >"$work/sync.out" 2>"$work/sync.err"
  result "sync.seconds: $(elapsed "$t0" "$(now)")"
  result "sync.summary: $(tail -n 1 "$work/sync.out")"
  # Nothing but PostgreSQL and the API runs while the API is measured.
  stop "$fetcher"
  stop "$loader_1"
  stop "$loader_2"
  stop "$sim_pid"
  stop_nats
fi

result "rows: $(sql "SELECT format('customers %s, orders %s, samples %s, tests %s, batches %s',
  (SELECT count(*) FROM customers), (SELECT count(*) FROM orders),
  (SELECT count(*) FROM samples), (SELECT count(*) FROM tests),
  (SELECT count(*) FROM batches))")"
result "database_size: $(sql "SELECT pg_size_pretty(pg_database_size(current_database()))")"

# Right after a bulk load autovacuum may not have reached the tables yet:
# the planner would plan on empty-table statistics, and index-only scans
# would visit every row because no page is marked all-visible. A lab's
# mirror is in the state this leaves it in once autovacuum has run.
t0="$(now)"
sql "VACUUM (ANALYZE)"
result "vacuum_analyze.seconds: $(elapsed "$t0" "$(now)")"

log "API on a free port"
start_api
result "api.database_max_connections: ${DATABASE_MAX_CONNECTIONS:-10 (default)}"

export KPI_LOAD_USERNAME="bench$$"
KPI_LOAD_PASSWORD="Bench-$(openssl rand -hex 12)"
export KPI_LOAD_PASSWORD
"$bin/qbenchctl" users create --username "$KPI_LOAD_USERNAME" --password "$KPI_LOAD_PASSWORD" >/dev/null

# Real ids for the entity routes: the reported test in the middle of the
# visible ones by id, its sample and its order.
read -r test_id sample_id order_id <<<"$(sql "
  WITH t AS (
    SELECT t.id, t.sample_id, s.order_id
    FROM visible_tests t JOIN visible_samples s ON s.id = t.sample_id
    WHERE t.report_completed_date IS NOT NULL)
  SELECT id, sample_id, order_id FROM t ORDER BY id
  OFFSET (SELECT count(*) / 2 FROM t) LIMIT 1" | tr '|' ' ')"
result "entity_ids: test $test_id, sample $sample_id, order $order_id"

load() {
  "$bin/kpi-load" --base-url "$base" --clock "$SIM_CLOCK" --timezone "$LAB_ZONE" \
    --sample-id "$sample_id" --test-id "$test_id" --order-id "$order_id" "$@"
}

log "each route alone: $WARMUP warm-up and $REQUESTS timed requests (at most $TARGET_SECONDS s)"
load --warmup "$WARMUP" --requests "$REQUESTS" --target-seconds "$TARGET_SECONDS" --clients 0 |
  tee -a "$results"
result "api.peak_mib_after_sequential: $(peak_mib "$api_pid")"

log "$CLIENTS clients for $DURATION s"
load --requests 0 --clients "$CLIENTS" --duration "$DURATION" | tee -a "$results"
result "api.peak_mib_after_load: $(peak_mib "$api_pid")"
result "api.vmhwm: $(awk '/^VmHWM/ { print $2, $3 }' "/proc/$api_pid/status")"
result "api.logged_errors: $(grep -c '"level":"ERROR"' "$work/api.log" || true)"
stop "$api_pid"

if [ "${BENCH_KEEP_DATABASE:-0}" = 1 ]; then
  log "keeping ${DATABASE_URL##*/}; drop it when done"
  databases=()
fi
log "done; results in $results"
