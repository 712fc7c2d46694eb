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
# The type check and the lint (eslint.config.mjs: floating promises, deterministic workflow imports, import
# boundaries) side by side, one core each; either failing fails the run.
npx tsc -p tsconfig.json --noEmit &
typecheck=$!
lint_status=0
npx eslint . || lint_status=$?
typecheck_status=0
wait "$typecheck" || typecheck_status=$?
if [ "$typecheck_status" -ne 0 ] || [ "$lint_status" -ne 0 ]; then
  echo "type check exit $typecheck_status, lint exit $lint_status" >&2
  exit 1
fi
# One project after the other: integration and end-to-end tests share the real servers, and some of them stop and
# start a server or watch the whole Docker engine, so they must never overlap.
for project in unit integration e2e faults; do
  npx vitest run --project "$project" "$@"
done
