#!/usr/bin/env bash
# Installs Debian's chromium for the dashboard's browser test (headless, driven by playwright-core). Idempotent:
# does nothing when /usr/bin/chromium is there; refreshes the package lists once only when chromium has no candidate.
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt or dpkg run (a service script, a colleague's install) instead of failing on its lock.
apt_opts=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
if ! apt-cache policy chromium 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  echo "install-chromium: apt-get update (chromium has no install candidate yet)"
  apt-get "${apt_opts[@]}" update -qq
fi
echo "install-chromium: apt-get install chromium"
apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends chromium >/dev/null
if [[ ! -x /usr/bin/chromium ]]; then
  echo "install-chromium: chromium installed but /usr/bin/chromium is missing" >&2
  exit 1
fi
echo "install-chromium: $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium installed')"
