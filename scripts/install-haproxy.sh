#!/usr/bin/env bash
# Installs Debian's haproxy for test/unit/deploy/docker-proxy.test.ts, which runs deploy/docker-proxy/haproxy.cfg in
# a real HAProxy against a fake engine. Idempotent: does nothing when haproxy is on the PATH; refreshes the package
# lists once only when haproxy has no install candidate. Only the binary is used: the test starts its own process.
set -euo pipefail
if command -v haproxy >/dev/null; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt or dpkg run instead of failing on its lock.
apt_opts=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
if ! apt-cache policy haproxy 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  echo "install-haproxy: apt-get update (haproxy has no install candidate yet)" >&2
  apt-get "${apt_opts[@]}" update -qq
fi
echo "install-haproxy: apt-get install haproxy" >&2
# policy-rc.d answers 101: the package must not start its own service.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends haproxy >/dev/null
command -v haproxy >/dev/null || { echo "install-haproxy: haproxy installed but not on the PATH" >&2; exit 1; }
echo "install-haproxy: $(haproxy -v | head -n 1)" >&2
