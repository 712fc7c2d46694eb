#!/usr/bin/env bash
# Demo "service" containers for selfheal to watch and heal.
#
#   bash scripts/demo-containers.sh up       # create/start them (idempotent)
#   bash scripts/demo-containers.sh down     # remove them
#   bash scripts/demo-containers.sh status   # name, state, health, labels
#
# Needs the Docker engine from `scripts/services.sh up docker` (image
# selfheal/busybox:1). Every container has --network none, --restart no and
# labels:
#   selfheal.demo=true           all demo containers
#   selfheal.service=api|worker  the logical service it belongs to
#   selfheal.managed=true        opts the container in to being healed (the
#                                server-side inventory, docs/security.md)
# Health: HEALTHCHECK `test -f /tmp/healthy` every 2 s, 1 retry. The command
# creates /tmp/healthy at start, so `docker exec NAME rm /tmp/healthy` makes a
# container unhealthy within ~2-4 s, and a restart makes it healthy again.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib.sh
source "$HERE/lib.sh"
# shellcheck source=scripts/services/docker.sh
source "$HERE/services/docker.sh"

# name service
DEMO_CONTAINERS=(
  "selfheal-demo-api-1 api"
  "selfheal-demo-api-2 api"
  "selfheal-demo-worker-1 worker"
)
# PID 1 is a shell that exits at once on SIGTERM (so docker stop/restart takes
# well under a second) and otherwise sleeps.
DEMO_CMD='trap "exit 0" TERM INT; touch /tmp/healthy; sleep 1000000 & wait $!'

need_docker() {
  docker_ping || die demo "" "no Docker engine answers on $SELFHEAL_DOCKER_SOCKET; run: bash scripts/services.sh up docker"
  d image inspect "$SELFHEAL_DOCKER_IMAGE" >/dev/null 2>&1 \
    || die demo "" "image $SELFHEAL_DOCKER_IMAGE is missing; run: bash scripts/services.sh up docker"
}

demo_up() {
  need_docker
  local entry name svc state
  for entry in "${DEMO_CONTAINERS[@]}"; do
    read -r name svc <<<"$entry"
    state=$(d inspect -f '{{.State.Status}}' "$name" 2>/dev/null || true)
    # Made before the opt-in label existed: labels cannot be added to a container, so make it again.
    if [[ -n $state && $(d inspect -f '{{index .Config.Labels "selfheal.managed"}}' "$name") != true ]]; then
      d rm -f "$name" >/dev/null
      say demo "$name removed to be made again with selfheal.managed=true"
      state=""
    fi
    case $state in
      running)
        # Undo a health fault left behind by a test.
        d exec "$name" touch /tmp/healthy
        say demo "$name already running"
        ;;
      "")
        d run -d --name "$name" --network none --restart no \
          --label selfheal.demo=true --label "selfheal.service=$svc" --label selfheal.managed=true \
          --health-cmd 'test -f /tmp/healthy' --health-interval 2s --health-retries 1 \
          --health-timeout 2s \
          "$SELFHEAL_DOCKER_IMAGE" sh -c "$DEMO_CMD" >/dev/null
        say demo "$name created (selfheal.service=$svc)"
        ;;
      *)
        d start "$name" >/dev/null
        say demo "$name started (was $state)"
        ;;
    esac
  done
}

demo_down() {
  local ids
  docker_ping || { say demo "no Docker engine answers; nothing to remove"; return 0; }
  ids=$(d ps -aq --filter label=selfheal.demo=true)
  if [[ -n $ids ]]; then
    # shellcheck disable=SC2086  # one id per word
    d rm -f $ids >/dev/null
    say demo "removed $(wc -w <<<"$ids") demo container(s)"
  else
    say demo "no demo containers"
  fi
}

demo_status() {
  docker_ping || { echo "docker is not running"; return 0; }
  d ps -a --filter label=selfheal.demo=true \
    --format 'table {{.Names}}\t{{.State}}\t{{.Status}}\t{{.Label "selfheal.service"}}'
}

case ${1:-} in
  up) demo_up ;;
  down) demo_down ;;
  status) demo_status ;;
  *) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
