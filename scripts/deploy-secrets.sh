#!/usr/bin/env bash
# Writes the secret files docker-compose.yml mounts (docs/deployment.md lists them), into ./secrets or $1. Idempotent:
# a password or key file that exists is kept (put your own there first to use it); the files derived from the
# passwords (neo4j_auth, rabbitmq_url, rabbitmq.conf) are written again from them on every run, so they never
# disagree.
#
# Permissions: the folder is 700, so no other user of this host reaches the files; the files are 644, because compose
# bind-mounts them as they are and the services read them as their own non-root users (node, neo4j, rabbitmq,
# temporal), which do not own them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir=${1:-secrets}
mkdir -p "$dir"
chmod 700 "$dir"
umask 022

# A password of URL- and config-safe characters: it is embedded in an amqp:// URL and in rabbitmq.conf as it is.
new_password() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }

keep_or_create() {
  local file=$dir/$1
  if [[ -s $file ]]; then
    echo "deploy-secrets: keeping $file"
  else
    new_password >"$file"
    echo "deploy-secrets: wrote $file"
  fi
}

# read_password NAME: the file's content, which must be URL-safe (see new_password).
read_password() {
  local value
  value=$(<"$dir/$1")
  if [[ ! $value =~ ^[A-Za-z0-9._~-]+$ ]]; then
    echo "deploy-secrets: $dir/$1 must hold only A-Z a-z 0-9 . _ ~ - (it goes into a URL and a config file as it is)" >&2
    exit 1
  fi
  printf '%s' "$value"
}

keep_or_create postgres_password
keep_or_create neo4j_password
keep_or_create rabbitmq_password

neo4j=$(read_password neo4j_password)
rabbit=$(read_password rabbitmq_password)
# The neo4j image reads NEO4J_AUTH_FILE: user/password.
printf 'neo4j/%s' "$neo4j" >"$dir/neo4j_auth"
# selfheal reads RABBITMQ_URL_FILE; the broker's user comes from a config file (its image has no *_FILE variables).
printf 'amqp://selfheal:%s@rabbitmq:5672' "$rabbit" >"$dir/rabbitmq_url"
printf 'default_user = selfheal\ndefault_pass = %s\n' "$rabbit" >"$dir/rabbitmq.conf"
echo "deploy-secrets: wrote $dir/neo4j_auth, $dir/rabbitmq_url and $dir/rabbitmq.conf from the passwords"

# The API verifies tokens with the public key; the private key stays here, to mint tokens with `selfheal token`.
if [[ -s $dir/jwt-private.pem && -s $dir/jwt-public.pem ]]; then
  echo "deploy-secrets: keeping $dir/jwt-private.pem and $dir/jwt-public.pem"
else
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$dir/jwt-private.pem" 2>/dev/null
  openssl pkey -in "$dir/jwt-private.pem" -pubout -out "$dir/jwt-public.pem"
  echo "deploy-secrets: wrote $dir/jwt-private.pem and $dir/jwt-public.pem (RS256)"
fi
