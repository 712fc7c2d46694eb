#!/bin/sh
# Creates (when missing) and updates Temporal's two PostgreSQL databases, `temporal` and `temporal_visibility`, to the
# schema version shipped in this admin-tools image. Run by the temporal-schema job in docker-compose.yml before the
# server starts; safe to run again (setup-schema and update-schema only apply what is missing). Fails on any error:
# the only failure tolerated is "already exists" from create-database, checked explicitly.
#
# Environment: SQL_HOST, SQL_PORT (5432), SQL_USER, SQL_PASSWORD_FILE (a file holding the password),
# SQL_PLUGIN (postgres12), TEMPORAL_SCHEMA_DIR (/etc/temporal/schema, where admin-tools ships the schema files).
# temporal-sql-tool reads SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD and SQL_PLUGIN from its environment.
set -eu

: "${SQL_HOST:?set SQL_HOST}"
: "${SQL_USER:?set SQL_USER}"
: "${SQL_PASSWORD_FILE:?set SQL_PASSWORD_FILE}"
SQL_PORT=${SQL_PORT:-5432}
SQL_PLUGIN=${SQL_PLUGIN:-postgres12}
SCHEMA_ROOT=${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema}/postgresql/v12
# The password reaches temporal-sql-tool through its environment, never on a command line (visible in ps).
SQL_PASSWORD=$(cat "$SQL_PASSWORD_FILE")
[ -n "$SQL_PASSWORD" ] || { echo "temporal-schema: $SQL_PASSWORD_FILE is empty" >&2; exit 1; }
export SQL_HOST SQL_PORT SQL_USER SQL_PASSWORD SQL_PLUGIN

# Global options (the database) come before the command, as temporal-sql-tool's CLI requires.
sql_tool() {
  temporal-sql-tool "$@"
}

# create_database DB: creates DB, and accepts only "already exists" as a failure.
create_database() {
  if out=$(sql_tool --db "$1" create-database 2>&1); then
    echo "temporal-schema: created database $1"
    return 0
  fi
  case $out in
    *"already exists"*) echo "temporal-schema: database $1 already exists" ;;
    *) printf 'temporal-schema: creating database %s failed:\n%s\n' "$1" "$out" >&2; return 1 ;;
  esac
}

# migrate DB DIR: the versioning table (version 0.0 when new), then every versioned step not applied yet.
migrate() {
  [ -d "$2" ] || { echo "temporal-schema: schema directory $2 not found in this image" >&2; return 1; }
  sql_tool --db "$1" setup-schema -v 0.0
  sql_tool --db "$1" update-schema -d "$2"
  echo "temporal-schema: $1 is at the schema version of $2"
}

create_database temporal
create_database temporal_visibility
migrate temporal "$SCHEMA_ROOT/temporal/versioned"
migrate temporal_visibility "$SCHEMA_ROOT/visibility/versioned"
echo "temporal-schema: done"
