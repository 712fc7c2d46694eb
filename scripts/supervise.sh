#!/usr/bin/env bash
# Keeps one selfheal process running under `npm start`: restarts it when it exits, with back-off (1 s doubling to
# 30 s; back to 1 s once a run lasted a minute), and logs each exit and restart. SIGTERM or SIGINT stops the process
# (TERM, then KILL after SELFHEAL_STOP_TIMEOUT seconds) and the supervisor. In production the orchestrator's restart
# policy does this job (docker-compose.yml: restart: unless-stopped).
#   usage: supervise.sh NAME ENTRY LOG
set -uo pipefail
name=$1 entry=$2 log=$3
stop_timeout=${SELFHEAL_STOP_TIMEOUT:-15}
child=
stopping=0

note() { printf '%s [supervisor] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >>"$log"; }

stop() {
  stopping=1
  if [[ -n $child ]] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null
    for _ in $(seq 1 "$stop_timeout"); do kill -0 "$child" 2>/dev/null || break; sleep 1; done
    kill -0 "$child" 2>/dev/null && kill -KILL "$child" 2>/dev/null
  fi
  note "$name stopped"
  exit 0
}
trap stop TERM INT

backoff=1
while true; do
  started=$SECONDS
  node --import tsx "$entry" >>"$log" 2>&1 &
  child=$!
  echo "$child" >"${SELFHEAL_RUN:-/tmp}/$name.child.pid"
  note "$name started (pid $child)"
  wait "$child"
  code=$?
  [[ $stopping == 1 ]] && break
  (( SECONDS - started >= 60 )) && backoff=1
  note "$name exited with code $code; restarting in ${backoff} s"
  sleep "$backoff" &
  wait $!
  [[ $stopping == 1 ]] && break
  backoff=$(( backoff * 2 > 30 ? 30 : backoff * 2 ))
done
