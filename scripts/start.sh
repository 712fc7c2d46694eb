#!/usr/bin/env bash
# Runs the whole system: the services (installed when missing), the demo containers, the worker and the API on
# 127.0.0.1:3000. Prints the URLs, an operator token and a curl example, then stays in the foreground; Ctrl-C
# stops the worker and the API (the services keep running: `bash scripts/services.sh down` stops them).
# SELFHEAL_DETACH=1 returns once everything is up and leaves the worker and the API running in the background.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

mkdir -p "$SELFHEAL_LOGS" "$SELFHEAL_RUN"
API_HOST=${API_HOST:-127.0.0.1}
API_PORT=${API_PORT:-3000}
# The worker's health and metrics server, and the Temporal SDK's Prometheus exporter it includes.
WORKER_HEALTH_PORT=${WORKER_HEALTH_PORT:-3001}
WORKER_SDK_METRICS_ADDRESS=${WORKER_SDK_METRICS_ADDRESS:-127.0.0.1:3002}
# The autopilot watches the demo services: restart_unhealthy in auto for `api`, the rest in shadow.
AUTOPILOT_POLICY_FILE=${AUTOPILOT_POLICY_FILE:-$REPO/deploy/autopilot-demo.yaml}
export API_HOST API_PORT WORKER_HEALTH_PORT WORKER_SDK_METRICS_ADDRESS AUTOPILOT_POLICY_FILE

# start_process NAME ENTRY: runs `node --import tsx ENTRY` in the background under scripts/supervise.sh, which
# restarts it with back-off when it exits, unless our previous one still runs. The pid file holds the supervisor's
# pid; NAME.child.pid the current process's.
start_process() {
  local name=$1 entry=$2 pidfile="$SELFHEAL_RUN/$1.pid" log="$SELFHEAL_LOGS/$1.log"
  if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    say "$name" "already running (supervisor pid $(cat "$pidfile"))"
    return
  fi
  : >"$log"
  SELFHEAL_RUN=$SELFHEAL_RUN SELFHEAL_STOP_TIMEOUT=$SELFHEAL_STOP_TIMEOUT nohup bash scripts/supervise.sh "$name" "$entry" "$log" >/dev/null 2>&1 &
  echo $! >"$pidfile"
  say "$name" "started under supervision (supervisor pid $!, log $log)"
}

stop_process() {
  local pidfile="$SELFHEAL_RUN/$1.pid"
  [[ -f $pidfile ]] || return 0
  local pid
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    # The supervisor stops its process (TERM, then KILL) before it exits itself.
    for _ in $(seq 1 $((SELFHEAL_STOP_TIMEOUT + 5))); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$pidfile" "$SELFHEAL_RUN/$1.child.pid"
}

if [[ ${1:-} == stop ]]; then
  stop_process api
  stop_process worker
  exit 0
fi

bash scripts/node-deps.sh
bash scripts/services.sh up
bash scripts/demo-containers.sh up

if (echo >"/dev/tcp/$API_HOST/$API_PORT") 2>/dev/null && ! { [[ -f $SELFHEAL_RUN/api.pid ]] && kill -0 "$(cat "$SELFHEAL_RUN/api.pid")" 2>/dev/null; }; then
  die api "" "port $API_PORT on $API_HOST is held by another process; stop it or set API_PORT"
fi

start_process worker src/main/worker.ts
start_process api src/main/api.ts

for _ in $(seq 1 120); do
  curl -sf "http://$API_HOST:$API_PORT/health" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -sf "http://$API_HOST:$API_PORT/health" >/dev/null || die api "$SELFHEAL_LOGS/api.log" "the API did not answer within 60 s"
grep -q 'exited with code' "$SELFHEAL_LOGS/worker.log" && die worker "$SELFHEAL_LOGS/worker.log" "the worker exited during start-up"

TOKEN=$(node bin/selfheal.js token --sub demo-operator --role operator)
cat <<INFO

Selfheal is running.
  API                  http://$API_HOST:$API_PORT   (OpenAPI: /openapi.json, Swagger UI: /docs, readiness: /readyz)
  Worker health        http://127.0.0.1:$WORKER_HEALTH_PORT/healthz   (/readyz, /metrics)
  Temporal Web UI      http://127.0.0.1:${SELFHEAL_TEMPORAL_UI_PORT}
  RabbitMQ management  http://127.0.0.1:${SELFHEAL_RABBITMQ_MGMT_PORT}   (guest/guest)
  Neo4j Bolt           bolt://127.0.0.1:${SELFHEAL_NEO4J_BOLT_PORT}
  Logs                 $SELFHEAL_LOGS/{api,worker}.log

Operator token (valid 12 h; make more with: npx selfheal token --sub NAME --role viewer|operator|admin):
$TOKEN

The autopilot watches the demo services (policy $AUTOPILOT_POLICY_FILE). Make an api replica unhealthy and it is
restarted and verified within seconds, with no REST call (Temporal Web UI: workflows watch-api and heal-api):
  docker exec selfheal-demo-api-1 rm /tmp/healthy

The demo worker is in shadow: the autopilot records what it would do and leaves it to you. Try it:
  export TOKEN=$TOKEN
  curl -s -X POST http://$API_HOST:$API_PORT/api/self_healing/analyze -H "authorization: Bearer \$TOKEN" \\
    -H 'content-type: application/json' \\
    -d '{"metrics":{"error_rate":0.08,"cpu_load":0.92,"latency_p95":450},"context":{"services":["worker"],"containers":["selfheal-demo-worker-1"]}}'
  docker exec selfheal-demo-worker-1 rm /tmp/healthy  # unhealthy: the autopilot only records a shadow decision
  curl -s -X POST http://$API_HOST:$API_PORT/api/self_healing/heal -H "authorization: Bearer \$TOKEN" \\
    -H 'content-type: application/json' \\
    -d '{"issue":{"diagnosis":{"issue_type":"degradation","root_cause":"elevated error rate","confidence":0.8,"impacted_components":["worker"],"recommended_strategies":["restart_unhealthy","scale_service"]}},"context":{"services":["worker"],"containers":["selfheal-demo-worker-1"]},"dry_run":false}'
INFO

[[ ${SELFHEAL_DETACH:-0} == 1 ]] && exit 0
trap 'echo; stop_process api; stop_process worker; exit 0' INT TERM
echo "(Ctrl-C stops the API and the worker; a crashed one is restarted, see its log)"
while kill -0 "$(cat "$SELFHEAL_RUN/api.pid")" 2>/dev/null && kill -0 "$(cat "$SELFHEAL_RUN/worker.pid")" 2>/dev/null; do sleep 2; done
echo "a supervisor stopped; see $SELFHEAL_LOGS" >&2
stop_process api
stop_process worker
exit 1
