#!/usr/bin/env bash
# The login timing benchmark: whether the time of a refused login tells an
# unknown user from a wrong password, a disabled or a locked account.
#
# Creates a fresh database, starts qbench-api on a free loopback port (no
# simulator or nats-server: logins need neither), and creates the accounts
# with qbenchctl at the production bcrypt cost: one active account per
# three rounds (each takes three wrong passwords, the third locks it), one
# disabled account and one account locked by three wrong passwords. Then
# `login-timing` sends the refused logins and prints the table. The
# database is dropped at the end. Needs PostgreSQL (DATABASE_ADMIN_URL),
# psql, curl, openssl and ss.
#
#   ./benchmarks/login.sh
#   BENCH_ROUNDS=12 ./benchmarks/login.sh      # a quick check
#   BENCH_SKIP_BUILD=1 ./benchmarks/login.sh   # binaries already built
set -euo pipefail
cd "$(dirname "$0")/.."

ADMIN_URL="${DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
ROUNDS="${BENCH_ROUNDS:-90}"

. benchmarks/lib.sh

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  log "building (release)"
  cargo build --release --quiet -p qbench-api -p qbenchctl -p qbench-benchmarks
fi
bin="${CARGO_TARGET_DIR:-target}/release"

log "results and logs in $work"
machine

fresh_database login
export DATABASE_URL="$db_url"
export RUST_LOG="info,sqlx::postgres::notice=warn"
start_api

# How many accounts are active, disabled and locked.
account_states() {
  sql "SELECT string_agg(format('%s %s', state, n), ', ') FROM (
    SELECT CASE WHEN NOT is_active THEN 'disabled'
                WHEN locked_until > now() THEN 'locked' ELSE 'active' END AS state,
           count(*) AS n FROM users GROUP BY 1 ORDER BY 1) s"
}

LOGIN_TIMING_PASSWORD="Bench-$(openssl rand -hex 12)"
export LOGIN_TIMING_PASSWORD
create() {
  printf '%s\n' "$LOGIN_TIMING_PASSWORD" |
    "$bin/qbenchctl" users create --username "$1" --password-stdin >/dev/null
}
accounts=$(((ROUNDS + 2) / 3))
log "creating $((accounts + 2)) accounts"
active=()
for i in $(seq "$accounts"); do
  create "active$i"
  active+=("active$i")
done
create disabled1
"$bin/qbenchctl" users disable --username disabled1 >/dev/null
create locked1
for _ in 1 2 3; do
  curl -s -o /dev/null -H 'content-type: application/json' \
    -d '{"username":"locked1","password":"Not-the-password-1"}' "$base/api/auth/login"
done
result "accounts: $(account_states)"

log "$ROUNDS rounds"
"$bin/login-timing" --base-url "$base" --rounds "$ROUNDS" \
  --wrong-password-users "$(IFS=,; echo "${active[*]}")" \
  --disabled-user disabled1 --locked-user locked1 | tee -a "$results"
result "after: $(account_states)"
result "api.logged_errors: $(grep -c '"level":"ERROR"' "$work/api.log" || true)"
stop "$api_pid"
log "done; results in $results"
