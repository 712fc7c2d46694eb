#!/usr/bin/env bash
# Local services for selfheal's tests and development (see docs/services.md).
#
#   bash scripts/services.sh up      [temporal|neo4j|rabbitmq|docker ...]
#   bash scripts/services.sh down    [...]
#   bash scripts/services.sh status  [...]
#   bash scripts/services.sh restart [...]
#   bash scripts/services.sh env        # write and print .services/env
#
# No names = all four. `up` installs what is missing (cached in
# $SELFHEAL_CACHE, default ~/.cache/selfheal), starts what is not running,
# waits until everything answers, and writes .services/env.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib.sh
source "$HERE/lib.sh"
# shellcheck source=scripts/services/temporal.sh
source "$HERE/services/temporal.sh"
# shellcheck source=scripts/services/neo4j.sh
source "$HERE/services/neo4j.sh"
# shellcheck source=scripts/services/rabbitmq.sh
source "$HERE/services/rabbitmq.sh"
# shellcheck source=scripts/services/docker.sh
source "$HERE/services/docker.sh"

ALL_SERVICES=(temporal neo4j rabbitmq docker)

usage() {
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-2}"
}

# is_running SERVICE: true when our instance is running (or, for docker, any
# engine answers on the socket).
is_running() {
  case $1 in
    docker) docker_pid >/dev/null || docker_ping ;;
    *) "$1_pid" >/dev/null ;;
  esac
}

write_env_file() {
  local tmp=$SELFHEAL_ENV_FILE.tmp
  cat >"$tmp" <<EOF
# Written by scripts/services.sh; source it (set -a; . .services/env; set +a).
SELFHEAL_REPO=$SELFHEAL_REPO
SELFHEAL_CACHE=$SELFHEAL_CACHE
SELFHEAL_STATE=$SELFHEAL_STATE
TEMPORAL_CLI=$TEMPORAL_CLI
TEMPORAL_TEST_SERVER=$TEMPORAL_TEST_SERVER
TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS
TEMPORAL_NAMESPACE=$TEMPORAL_NAMESPACE
TEMPORAL_UI_URL=http://$TEMPORAL_HOST:$SELFHEAL_TEMPORAL_UI_PORT
TEMPORAL_SEARCH_ATTRIBUTES_FILE=$TEMPORAL_SEARCH_ATTRIBUTES_FILE
NEO4J_URI=bolt://127.0.0.1:$SELFHEAL_NEO4J_BOLT_PORT
NEO4J_USER=neo4j
NEO4J_PASSWORD=neo4j-auth-disabled
NEO4J_VERSION=$NEO4J_VERSION
NEO4J_DATA_DIR=$NEO4J_HOME_DIR
RABBITMQ_URL=amqp://guest:guest@127.0.0.1:$SELFHEAL_RABBITMQ_PORT
RABBITMQ_MANAGEMENT_URL=http://127.0.0.1:$SELFHEAL_RABBITMQ_MGMT_PORT
RABBITMQ_MANAGEMENT_USER=guest
RABBITMQ_MANAGEMENT_PASSWORD=guest
DOCKER_HOST=unix://$SELFHEAL_DOCKER_SOCKET
DOCKER_SOCKET=$SELFHEAL_DOCKER_SOCKET
DOCKER_CLI=$(docker_cli 2>/dev/null || echo /usr/local/bin/docker)
SELFHEAL_DOCKER_IMAGE=$SELFHEAL_DOCKER_IMAGE
EOF
  mv "$tmp" "$SELFHEAL_ENV_FILE"
}

print_summary() {
  local s
  say "" "services:"
  for s in "$@"; do
    case $s in
      temporal) say "" "  Temporal gRPC $TEMPORAL_ADDRESS (namespace $TEMPORAL_NAMESPACE), Web UI http://$TEMPORAL_HOST:$SELFHEAL_TEMPORAL_UI_PORT" ;;
      neo4j) say "" "  Neo4j $(neo4j_address) (no auth)" ;;
      rabbitmq) say "" "  RabbitMQ amqp://guest:guest@127.0.0.1:$SELFHEAL_RABBITMQ_PORT, management http://127.0.0.1:$SELFHEAL_RABBITMQ_MGMT_PORT" ;;
      docker) say "" "  Docker $(docker_address) (image $SELFHEAL_DOCKER_IMAGE; containers need --network none)" ;;
    esac
  done
  say "" "  env file: $SELFHEAL_ENV_FILE"
}

# run_jobs LABEL FUNC SERVICE...: runs "FUNC SERVICE" for each service as a
# background job and waits; fails at the first job that fails (naming it),
# after killing the other jobs (not the services they started).
run_jobs() {
  local label=$1 func=$2; shift 2
  local -A job_of=()
  local s pid done_pid rc
  for s in "$@"; do
    "$func" "$s" &
    job_of[$!]=$s
  done
  while ((${#job_of[@]} > 0)); do
    rc=0
    wait -n -p done_pid "${!job_of[@]}" || rc=$?
    s=${job_of[$done_pid]}
    unset "job_of[$done_pid]"
    if ((rc != 0)); then
      for pid in "${!job_of[@]}"; do kill "$pid" 2>/dev/null || true; done
      wait 2>/dev/null || true
      printf '%s [%s] FAILED during %s (see the message above)\n' "$(_ts)" "$s" "$label" >&2
      exit 1
    fi
  done
}

# --- up --------------------------------------------------------------------------

apt_install() {
  local pkgs=("$@") log=$SELFHEAL_LOGS/install-apt.log
  : >"$log"
  say apt "installing ${pkgs[*]} (log $log)"
  local policy
  policy=$(apt-cache policy "${pkgs[@]}" 2>/dev/null) || true
  if [[ $(grep -c 'Candidate: [0-9]' <<<"$policy") -lt ${#pkgs[@]} ]]; then
    say apt "no candidate in the package lists; running apt-get update"
    apt-get update >>"$log" 2>&1 || die apt "$log" "apt-get update failed"
  fi
  local cleanup_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    # Keep the packages' postinst from starting rabbitmq/docker with default
    # (all-interfaces) settings; we start them ourselves.
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    cleanup_policy=1
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends \
    "${pkgs[@]}" >>"$log" 2>&1 || rc=$?
  ((cleanup_policy)) && rm -f /usr/sbin/policy-rc.d
  ((rc == 0)) || die apt "$log" "apt-get install ${pkgs[*]} failed"
  say apt "installed ${pkgs[*]}"
}

install_job() {
  case $1 in
    apt) apt_install "${APT_PKGS[@]}" ;;
    temporal) with_lock "$SELFHEAL_CACHE/.temporal-install.lock" 900 temporal_install ;;
    neo4j) with_lock "$SELFHEAL_CACHE/.neo4j-install.lock" 900 neo4j_install ;;
  esac
}

wait_job() {
  local s=$1 t0 already=$2
  t0=$(now_ms)
  "${s}_wait"
  if [[ $already == 1 ]]; then
    say "$s" "already running: $("${s}_address")"
  else
    say "$s" "ready in $(elapsed "$t0") (since launch): $("${s}_address")"
  fi
}

cmd_up() {
  local services=("$@") s t0
  t0=$(now_ms)
  ensure_state_dirs
  ensure_gitignore

  # 1. installs: one apt-get for the Debian packages, pip and mvn beside it.
  APT_PKGS=()
  local install_jobs=()
  for s in "${services[@]}"; do
    "${s}_installed" && continue
    case $s in
      temporal | neo4j) install_jobs+=("$s") ;;
      rabbitmq) APT_PKGS+=("${RABBITMQ_APT_PACKAGES[@]}") ;;
      docker) APT_PKGS+=("${DOCKER_APT_PACKAGES[@]}") ;;
    esac
  done
  ((${#APT_PKGS[@]} > 0)) && install_jobs+=(apt)
  if ((${#install_jobs[@]} > 0)); then
    local ti
    ti=$(now_ms)
    run_jobs install install_job "${install_jobs[@]}"
    say "" "installs done in $(elapsed "$ti")"
  fi

  # 2. preflight (ports) for everything that is not running, then launch.
  local -A already=()
  local to_start=()
  # Launch order: the slowest first (Neo4j), RabbitMQ last (its launch waits
  # for the rabbitmq-server script).
  for s in neo4j temporal docker rabbitmq; do
    [[ " ${services[*]} " == *" $s "* ]] || continue
    if is_running "$s"; then
      already[$s]=1
    else
      already[$s]=0
      to_start+=("$s")
    fi
  done
  for s in "${to_start[@]}"; do "${s}_preflight"; done
  for s in "${to_start[@]}"; do
    say "$s" "starting"
    "${s}_start"
  done

  # 3. wait for all of them at once.
  wait_one() { wait_job "$1" "${already[$1]}"; }
  run_jobs "startup" wait_one "${services[@]}"

  write_env_file
  print_summary "${services[@]}"
  say "" "up done in $(elapsed "$t0")"
}

# --- down / status -------------------------------------------------------------------

cmd_down() {
  local services=("$@") rev=() i
  for ((i = ${#services[@]} - 1; i >= 0; i--)); do rev+=("${services[i]}"); done
  stop_one() {
    local t0
    t0=$(now_ms)
    "${1}_stop"
    say "$1" "down in $(elapsed "$t0")"
  }
  run_jobs "shutdown" stop_one "${rev[@]}"
}

cmd_status() {
  local s
  for s in "$@"; do "${s}_status"; done
  [[ -f $SELFHEAL_ENV_FILE ]] && printf 'env file: %s\n' "$SELFHEAL_ENV_FILE"
  return 0
}

main() {
  local cmd=${1:-}
  [[ -n $cmd ]] || usage 2
  shift
  local services=() s
  if (($# == 0)); then
    services=("${ALL_SERVICES[@]}")
  else
    for s in "$@"; do
      case $s in
        temporal | neo4j | rabbitmq | docker) services+=("$s") ;;
        *) echo "unknown service '$s' (known: ${ALL_SERVICES[*]})" >&2; exit 2 ;;
      esac
    done
  fi
  case $cmd in
    up | down | restart)
      ensure_state_dirs
      exec 8>"$SELFHEAL_RUN/services.lock"
      flock -w 900 8 || die "" "" "another scripts/services.sh holds $SELFHEAL_RUN/services.lock"
      ;;
  esac
  case $cmd in
    up) cmd_up "${services[@]}" ;;
    down) cmd_down "${services[@]}" ;;
    restart) cmd_down "${services[@]}"; cmd_up "${services[@]}" ;;
    status) cmd_status "${services[@]}" ;;
    env) ensure_state_dirs; write_env_file; cat "$SELFHEAL_ENV_FILE" ;;
    -h | --help | help) usage 0 ;;
    *) usage 2 ;;
  esac
}

main "$@"
