#!/usr/bin/env bash
# The whole test suite, from a fresh clone: npm dependencies, the real services (installed when missing), type
# checks, lint, then unit, integration and end-to-end tests against the real stack.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/node-deps.sh
bash scripts/services.sh up
bash scripts/demo-containers.sh up
bash scripts/install-chromium.sh
# Docker Compose v2 and HAProxy, for the unit tests of docker-compose.yml and of its Docker socket proxy.
bash scripts/install-compose.sh >/dev/null
bash scripts/install-haproxy.sh
# Two lanes, then the rest. The static lane (type check, lint, then the unit project: no server, one core) runs
# beside the integration project, whose time goes mostly to waiting on the real servers; the lane's output is
# printed after it, so the two never interleave. Integration and end-to-end tests share the real servers, and some
# of them stop and start a server or watch the whole Docker engine, so the three real-stack projects run one after
# the other, never overlapping each other (vitest.config.mts says which run two files at a time).
static_lane() {
  local typecheck lint_status=0 typecheck_status=0
  # eslint.config.mjs: floating promises, deterministic workflow imports, import boundaries.
  npx tsc -p tsconfig.json --noEmit &
  typecheck=$!
  npx eslint . || lint_status=$?
  wait "$typecheck" || typecheck_status=$?
  if [ "$typecheck_status" -ne 0 ] || [ "$lint_status" -ne 0 ]; then
    echo "type check exit $typecheck_status, lint exit $lint_status" >&2
    return 1
  fi
  npx vitest run --project unit --maxWorkers=1 "$@"
}
static_log=$(mktemp)
trap 'rm -f "$static_log"' EXIT
static_lane "$@" >"$static_log" 2>&1 &
static=$!
integration_status=0
npx vitest run --project integration "$@" || integration_status=$?
static_status=0
wait "$static" || static_status=$?
echo "---- type check, lint and the unit project (beside the integration project) ----"
cat "$static_log"
if [ "$static_status" -ne 0 ] || [ "$integration_status" -ne 0 ]; then
  echo "type check, lint and unit exit $static_status; integration exit $integration_status" >&2
  exit 1
fi
for project in e2e e2e-alone faults; do
  npx vitest run --project "$project" "$@"
done
