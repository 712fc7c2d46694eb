# shellcheck shell=bash disable=SC2034  # variables are used by the files that source this one
# RabbitMQ from Debian (rabbitmq-server 3.10 + management plugin), loopback
# only, node rabbit@localhost, guest/guest. Sourced by scripts/services.sh.
# The broker's own state is system-wide (/var/lib/rabbitmq, /etc/rabbitmq,
# /var/log/rabbitmq), as the Debian package lays it out.

RABBITMQ_NODE=rabbit@localhost
RABBITMQ_PIDFILE=/var/lib/rabbitmq/mnesia/$RABBITMQ_NODE.pid
RABBITMQ_BROKER_LOG=/var/log/rabbitmq/$RABBITMQ_NODE.log
RABBITMQ_LOG=$SELFHEAL_LOGS/rabbitmq.log
RABBITMQ_APT_PACKAGES=(rabbitmq-server)

rabbitmq_address() {
  printf 'amqp://guest:guest@127.0.0.1:%s, management http://127.0.0.1:%s' \
    "$SELFHEAL_RABBITMQ_PORT" "$SELFHEAL_RABBITMQ_MGMT_PORT"
}

rabbitmq_installed() {
  [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] && command -v rabbitmqctl >/dev/null
}

# Writes a file only when its content differs (keeps mtimes stable).
_write_if_changed() {
  local file=$1 content=$2
  if [[ ! -f $file || $(cat "$file") != "$content" ]]; then
    printf '%s\n' "$content" >"$file"
  fi
}

rabbitmq_configure() {
  mkdir -p /etc/rabbitmq
  _write_if_changed /etc/rabbitmq/rabbitmq-env.conf "# Written by selfheal scripts/services.sh
NODENAME=$RABBITMQ_NODE
NODE_IP_ADDRESS=127.0.0.1
export ERL_EPMD_ADDRESS=127.0.0.1"
  _write_if_changed /etc/rabbitmq/rabbitmq.conf "# Written by selfheal scripts/services.sh
listeners.tcp.default = 127.0.0.1:$SELFHEAL_RABBITMQ_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $SELFHEAL_RABBITMQ_MGMT_PORT"
  if ! grep -qs 'rabbitmq_management' /etc/rabbitmq/enabled_plugins; then
    rabbitmq-plugins enable --offline rabbitmq_management >>"$RABBITMQ_LOG" 2>&1 \
      || die rabbitmq "$RABBITMQ_LOG" "rabbitmq-plugins enable --offline rabbitmq_management failed"
  fi
}

rabbitmq_pid() {
  read_pidfile "$RABBITMQ_PIDFILE" "beam"
}

rabbitmq_preflight() {
  require_port_free rabbitmq "$SELFHEAL_RABBITMQ_PORT" SELFHEAL_RABBITMQ_PORT
  require_port_free rabbitmq "$SELFHEAL_RABBITMQ_MGMT_PORT" SELFHEAL_RABBITMQ_MGMT_PORT
}

rabbitmq_start() {
  [[ -f $RABBITMQ_LOG ]] && mv -f "$RABBITMQ_LOG" "$RABBITMQ_LOG.prev"
  printf '===== %s: rabbitmq started by scripts/services.sh (broker log %s) =====\n' \
    "$(date -Is)" "$RABBITMQ_BROKER_LOG" >"$RABBITMQ_LOG"
  rabbitmq_configure
  rm -f "$RABBITMQ_PIDFILE"
  rabbitmq-server -detached </dev/null >>"$RABBITMQ_LOG" 2>&1 8>&- 9>&- \
    || die rabbitmq "$RABBITMQ_BROKER_LOG" "rabbitmq-server -detached failed (see also $RABBITMQ_LOG)"
}

rabbitmq_api_ok() {
  curl -sf -o /dev/null --max-time 3 -u guest:guest "http://127.0.0.1:$SELFHEAL_RABBITMQ_MGMT_PORT/api/overview"
}

rabbitmq_healthy() {
  tcp_open 127.0.0.1 "$SELFHEAL_RABBITMQ_PORT" && rabbitmq_api_ok
}

rabbitmq_wait() {
  local pid=""
  # Fast path: our broker already answers.
  if pid=$(rabbitmq_pid) && rabbitmq_healthy; then
    return 0
  fi
  # The pid file appears early in the boot; wait for it so a crash is seen at once.
  wait_for rabbitmq "$RABBITMQ_BROKER_LOG" 30 "" rabbitmq_pid
  pid=$(rabbitmq_pid)
  if [[ ${SELFHEAL_RABBITMQ_CLI_WAIT:-0} == 1 ]]; then
    # The route from the notes. Each CLI call boots an Erlang VM (~3 s here,
    # competing with the booting broker for the 2 cores).
    wait_for rabbitmq "$RABBITMQ_BROKER_LOG" "$SELFHEAL_START_TIMEOUT" "$pid" rabbitmq-diagnostics -q ping
    rabbitmqctl -q await_startup >>"$RABBITMQ_LOG" 2>&1 \
      || die rabbitmq "$RABBITMQ_BROKER_LOG" "rabbitmqctl await_startup failed"
  fi
  # AMQP listener up and the management API answering (the management plugin
  # starts at the end of the boot) = ready.
  wait_for rabbitmq "$RABBITMQ_BROKER_LOG" "$SELFHEAL_START_TIMEOUT" "$pid" rabbitmq_healthy
}

rabbitmq_stop() {
  local pid
  if pid=$(rabbitmq_pid); then
    if ! rabbitmqctl -q shutdown >>"$RABBITMQ_LOG" 2>&1; then
      warn rabbitmq "rabbitmqctl shutdown failed; sending SIGTERM to pid $pid"
    fi
    stop_pid rabbitmq "$pid" "$SELFHEAL_STOP_TIMEOUT"
    say rabbitmq "stopped (pid $pid)"
  else
    say rabbitmq "not running"
  fi
}

rabbitmq_status() {
  local pid
  if pid=$(rabbitmq_pid); then
    if rabbitmq_healthy; then
      printf 'rabbitmq  running  pid %-8s %s\n' "$pid" "$(rabbitmq_address)"
    else
      printf 'rabbitmq  starting pid %-8s %s (not answering yet)\n' "$pid" "$(rabbitmq_address)"
    fi
  elif port_in_use "$SELFHEAL_RABBITMQ_PORT"; then
    printf 'rabbitmq  stopped  (port %s held by %s)\n' "$SELFHEAL_RABBITMQ_PORT" "$(port_owner "$SELFHEAL_RABBITMQ_PORT")"
  else
    printf 'rabbitmq  stopped\n'
  fi
}
