#!/bin/sh
# Waits for the Temporal frontend, then makes sure the namespace and the custom search attributes selfheal's
# workflows use (scripts/search-attributes.txt, the same list scripts/services.sh registers locally) exist with the
# right types. Run by the temporal-namespace job in docker-compose.yml; the worker and the API start only after it
# completed successfully. Safe to run again. Fails loudly: every error stops it with a non-zero status, and the only
# failure tolerated is "already exists", checked explicitly; at the end every attribute is read back with its type.
#
# Environment: TEMPORAL_ADDRESS (host:port), TEMPORAL_NAMESPACE (default), TEMPORAL_NAMESPACE_RETENTION (72h),
# SEARCH_ATTRIBUTES_FILE (/etc/selfheal/search-attributes.txt), TEMPORAL_WAIT_SECONDS (180).
set -eu

: "${TEMPORAL_ADDRESS:?set TEMPORAL_ADDRESS}"
NS=${TEMPORAL_NAMESPACE:-default}
RETENTION=${TEMPORAL_NAMESPACE_RETENTION:-72h}
ATTRIBUTES=${SEARCH_ATTRIBUTES_FILE:-/etc/selfheal/search-attributes.txt}
WAIT=${TEMPORAL_WAIT_SECONDS:-180}

say() { echo "temporal-namespace: $*"; }
fail() { echo "temporal-namespace: $*" >&2; exit 1; }
[ -r "$ATTRIBUTES" ] || fail "cannot read $ATTRIBUTES"

# until_ok WHAT COMMAND...: retries COMMAND once a second for WAIT seconds, then fails naming WHAT.
until_ok() {
  what=$1; shift
  waited=0
  until "$@" >/dev/null 2>&1; do
    waited=$((waited + 1))
    [ "$waited" -lt "$WAIT" ] || fail "$what: still failing after ${WAIT}s"
    sleep 1
  done
}

# tolerate_exists WHAT COMMAND...: runs COMMAND; a failure passes only when its message says "already exists".
tolerate_exists() {
  what=$1; shift
  if out=$("$@" 2>&1); then
    say "$what: registered"
    return 0
  fi
  case $out in
    *"already exists"* | *AlreadyExists* | *"already registered"*) say "$what: already exists" ;;
    *) printf 'temporal-namespace: %s failed:\n%s\n' "$what" "$out" >&2; exit 1 ;;
  esac
}

# The whole word: NOT_SERVING contains SERVING.
serving() { temporal operator cluster health --address "$TEMPORAL_ADDRESS" | grep -qx SERVING; }
until_ok "the Temporal frontend at $TEMPORAL_ADDRESS" serving
say "the Temporal frontend at $TEMPORAL_ADDRESS is serving"

tolerate_exists "namespace $NS" \
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$NS" --retention "$RETENTION"
# A new namespace reaches every frontend's cache within seconds; search attributes need it there.
until_ok "namespace $NS to be visible" \
  temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$NS"

# One attribute per call: temporal CLI 1.9.1 given several --name with one --type registered only the first.
while read -r name type _; do
  case $name in '' | '#'*) continue ;; esac
  [ -n "${type:-}" ] || fail "$ATTRIBUTES: no type for $name"
  tolerate_exists "search attribute $name ($type)" \
    temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" --namespace "$NS" --name "$name" --type "$type"
done <"$ATTRIBUTES"

# Read back: an attribute that "already exists" with another type is an error, not a success.
listed=$(temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$NS")
while read -r name type _; do
  case $name in '' | '#'*) continue ;; esac
  echo "$listed" | awk -v n="$name" -v t="$type" '$1 == n && $2 == t { found = 1 } END { exit !found }' \
    || fail "search attribute $name is not registered as $type in namespace $NS"
done <"$ATTRIBUTES"
say "namespace $NS and its search attributes are in place"
