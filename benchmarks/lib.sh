# Shell functions shared by the benchmark scripts (ingest.sh, kpis.sh,
# loaders.sh, login.sh); sourced, not run.
#
# The script sets ADMIN_URL (and SIM_CLOCK if it starts the simulator)
# before sourcing this file, and `bin` before starting any binary. Sourcing
# makes a temporary directory ($work, results in $results) and traps EXIT
# to stop every process started here and drop every database made here.

work="$(mktemp -d -t qbench-bench.XXXXXX)"
results="$work/results.txt"
pids=()
nats_pid=""
databases=()

log() { printf '==> %s\n' "$*" >&2; }
result() { printf '%s\n' "$*" | tee -a "$results"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
divide() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f", a / b; else print "n/a" }'; }

cleanup() {
  for pid in "${pids[@]}" $nats_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  for db in "${databases[@]}"; do
    psql "$ADMIN_URL" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
  rm -rf "$work/nats"
}
trap cleanup EXIT

# A loopback port nothing listens on.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    if [ -z "$(ss -Htln "sport = :$port")" ]; then
      echo "$port"
      return
    fi
  done
}

wait_for_port() {
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on port $1" >&2
  return 1
}

# A private nats-server with JetStream in a new store directory; the
# previous one, if any, is stopped and its store removed.
fresh_nats() {
  if [ -n "$nats_pid" ]; then
    kill "$nats_pid"
    wait "$nats_pid" 2>/dev/null || true
  fi
  rm -rf "$work/nats"
  mkdir -p "$work/nats"
  local port
  port="$(free_port)"
  nats-server -a 127.0.0.1 -p "$port" -js -sd "$work/nats" >"$work/nats.log" 2>&1 &
  nats_pid=$!
  wait_for_port "$port"
  export NATS_URL="nats://127.0.0.1:$port"
}

# Stops the private nats-server and removes its store.
stop_nats() {
  if [ -n "$nats_pid" ]; then
    kill "$nats_pid"
    wait "$nats_pid" 2>/dev/null || true
    nats_pid=""
  fi
  rm -rf "$work/nats"
}

# Creates an empty database and leaves its URL in $db_url. (Not called in
# a command substitution: the list of databases to drop must be kept.)
fresh_database() {
  local name="qbench_bench_$1_$$"
  PGOPTIONS='-c client_min_messages=warning' psql "$ADMIN_URL" -qX -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name" >/dev/null
  databases+=("$name")
  db_url="${ADMIN_URL%/*}/$name"
}

sql() { psql "$DATABASE_URL" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }

# Starts a binary in the background; its pid is left in $started.
start() {
  local name="$1" logfile="$2"
  shift 2
  "$bin/$name" "$@" >"$work/$logfile.log" 2>&1 &
  started=$!
  pids+=("$started")
}

# The peak resident memory of a live process, in MiB ("exited" if gone).
peak_mib() {
  awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo exited
}

# Waits until a service's log says it has started. Services are started one
# at a time: two processes creating the streams of an empty nats-server at
# the same moment can make one of them fail and exit.
wait_for_start() {
  local logfile="$work/$1.log" message="$2"
  for _ in $(seq 600); do
    grep -q "\"message\":\"$message\"" "$logfile" && return 0
    kill -0 "$started" 2>/dev/null || { echo "$1 exited; see $logfile" >&2; return 1; }
    sleep 0.1
  done
  echo "$1 did not start; see $logfile" >&2
  return 1
}

# Stops a process with SIGTERM after reading its peak memory into $peak.
stop() {
  peak="$(peak_mib "$1")"
  kill -TERM "$1"
  wait "$1" 2>/dev/null || true
  local kept=() pid
  for pid in "${pids[@]}"; do
    [ "$pid" = "$1" ] || kept+=("$pid")
  done
  pids=("${kept[@]}")
}

# Starts qbench-api on a free port with a new AUTH_SECRET_KEY and waits
# until it answers; leaves its root in $base and its pid in $api_pid.
start_api() {
  AUTH_SECRET_KEY="$(openssl rand -hex 32)"
  export AUTH_SECRET_KEY
  local port
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  start qbench-api api --host 127.0.0.1 --port "$port"
  api_pid=$started
  for _ in $(seq 300); do
    curl -fs "$base/api/health" >/dev/null 2>&1 && break
    kill -0 "$api_pid" 2>/dev/null || { echo "the API exited; see $work/api.log" >&2; exit 1; }
    sleep 0.1
  done
  curl -fs "$base/api/health" >/dev/null
}

start_simulator() {
  local size="$1" limits="$2" latency="$3" port
  port="$(free_port)"
  export SIMULATOR_URL="http://127.0.0.1:$port"
  start qbench-sim "sim-$size-$limits" --listen "127.0.0.1:$port" --size "$size" --seed 7 \
    --clock "$SIM_CLOCK" --limits "$limits" --page-latency "$latency"
  sim_pid=$started
  for _ in $(seq 1200); do
    curl -fs "$SIMULATOR_URL/_sim/status" >"$work/sim-status.json" 2>/dev/null && return 0
    sleep 0.25
  done
  echo "the simulator did not start" >&2
  return 1
}

# Records in the simulated lab.
lab_records() { jq '[.live[]] | add' "$work/sim-status.json"; }

# The `sync <run-id> requested` line of qbenchctl's output.
run_id_of() { awk '/^sync .* requested/ { print $2; exit }' "$1"; }

machine() {
  result "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  result "cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores"
  result "memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  result "os: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
  result "postgres: $(psql "$ADMIN_URL" -qAtX -c 'SHOW server_version')"
  result "nats-server: $(nats-server --version)"
}
