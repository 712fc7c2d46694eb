#!/usr/bin/env bash
# Installs the npm dependencies when node_modules is missing or older than package-lock.json (idempotent).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
stamp=node_modules/.selfheal-installed
if [[ ! -f $stamp || package-lock.json -nt $stamp ]]; then
  echo "npm ci (first run or package-lock.json changed)"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
