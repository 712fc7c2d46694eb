# shellcheck shell=bash disable=SC2034  # variables are used by the files that source this one
# Embedded Neo4j 5.26 Community (jars from Maven Central), Bolt only, auth off.
# Sourced by scripts/services.sh.

NEO4J_POM=$SELFHEAL_REPO/services/neo4j/pom.xml
NEO4J_MAIN_SRC=$SELFHEAL_REPO/services/neo4j/Neo4jMain.java
NEO4J_VERSION=$(sed -n 's:.*<neo4j.version>\(.*\)</neo4j.version>.*:\1:p' "$NEO4J_POM")
NEO4J_CACHE=$SELFHEAL_CACHE/neo4j-$NEO4J_VERSION
NEO4J_LIB=$NEO4J_CACHE/lib
NEO4J_CLASSES=$NEO4J_CACHE/classes
NEO4J_HOME_DIR=$SELFHEAL_DATA/neo4j
NEO4J_LOG=$SELFHEAL_LOGS/neo4j.log
NEO4J_PIDFILE=$SELFHEAL_RUN/neo4j.pid
SELFHEAL_NEO4J_HEAP=${SELFHEAL_NEO4J_HEAP:-1g}
SELFHEAL_NEO4J_PAGECACHE_MB=${SELFHEAL_NEO4J_PAGECACHE_MB:-128}
# Boot is ~10-20 s on an idle 2-core machine but was 50-90 s under heavy load.
SELFHEAL_NEO4J_START_TIMEOUT=${SELFHEAL_NEO4J_START_TIMEOUT:-300}

# Java 17 (Neo4j 5.26 runs on 17 or 21; not on the Temurin 25 that is also here).
neo4j_java_home() {
  local j
  for j in "${SELFHEAL_NEO4J_JAVA_HOME:-}" /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64; do
    [[ -n $j && -x $j/bin/java && -x $j/bin/javac ]] && { printf '%s\n' "$j"; return 0; }
  done
  return 1
}

neo4j_address() {
  printf 'bolt://127.0.0.1:%s' "$SELFHEAL_NEO4J_BOLT_PORT"
}

neo4j_source_sum() {
  sha256sum "$NEO4J_MAIN_SRC" | cut -d' ' -f1
}

neo4j_jars_installed() {
  [[ -f $NEO4J_CACHE/.selfheal-complete && -d $NEO4J_LIB ]]
}

neo4j_compiled() {
  [[ -f $NEO4J_CLASSES/Neo4jMain.class && -f $NEO4J_CLASSES/.source.sha256 ]] \
    && [[ $(cat "$NEO4J_CLASSES/.source.sha256") == "$(neo4j_source_sum)" ]]
}

neo4j_installed() {
  neo4j_jars_installed && neo4j_compiled
}

neo4j_install() {
  local log=$SELFHEAL_LOGS/install-neo4j.log jh
  : >"$log"
  [[ -n $NEO4J_VERSION ]] || die neo4j "" "could not read <neo4j.version> from $NEO4J_POM"
  jh=$(neo4j_java_home) || die neo4j "" "no Java 17/21 JDK found (set SELFHEAL_NEO4J_JAVA_HOME)"
  mkdir -p "$NEO4J_CACHE"
  if ! neo4j_jars_installed; then
    say neo4j "downloading Neo4j $NEO4J_VERSION jars into $NEO4J_LIB (log $log)"
    rm -rf "$NEO4J_LIB" "$NEO4J_LIB.tmp"
    JAVA_HOME=$jh mvn -B -q -f "$NEO4J_POM" \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DoutputDirectory="$NEO4J_LIB.tmp" -DincludeScope=runtime >>"$log" 2>&1 \
      || die neo4j "$log" "mvn copy-dependencies for org.neo4j:neo4j:$NEO4J_VERSION failed"
    mv "$NEO4J_LIB.tmp" "$NEO4J_LIB"
    touch "$NEO4J_CACHE/.selfheal-complete"
    say neo4j "$(find "$NEO4J_LIB" -name '*.jar' | wc -l) jars, $(du -sh "$NEO4J_LIB" | cut -f1)"
  fi
  if ! neo4j_compiled; then
    say neo4j "compiling Neo4jMain.java into $NEO4J_CLASSES"
    rm -rf "$NEO4J_CLASSES.tmp"
    mkdir -p "$NEO4J_CLASSES.tmp"
    "$jh/bin/javac" -nowarn -d "$NEO4J_CLASSES.tmp" -cp "$NEO4J_LIB/*" "$NEO4J_MAIN_SRC" >>"$log" 2>&1 \
      || die neo4j "$log" "javac Neo4jMain.java failed"
    neo4j_source_sum >"$NEO4J_CLASSES.tmp/.source.sha256"
    rm -rf "$NEO4J_CLASSES"
    mv "$NEO4J_CLASSES.tmp" "$NEO4J_CLASSES"
  fi
}

neo4j_pid() {
  read_pidfile "$NEO4J_PIDFILE" "Neo4jMain"
}

neo4j_preflight() {
  require_port_free neo4j "$SELFHEAL_NEO4J_BOLT_PORT" SELFHEAL_NEO4J_BOLT_PORT
}

neo4j_start() {
  local jh
  jh=$(neo4j_java_home) || die neo4j "" "no Java 17/21 JDK found (set SELFHEAL_NEO4J_JAVA_HOME)"
  if [[ ${SELFHEAL_NEO4J_FRESH:-0} == 1 ]]; then
    say neo4j "SELFHEAL_NEO4J_FRESH=1: wiping $NEO4J_HOME_DIR"
    rm -rf "$NEO4J_HOME_DIR"
  fi
  mkdir -p "$NEO4J_HOME_DIR"
  local opts=(
    -Xms512m "-Xmx$SELFHEAL_NEO4J_HEAP" -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError
    -XX:-OmitStackTraceInFastThrow -XX:+UseStringDeduplication -Xshare:auto
    --add-opens=java.base/java.nio=ALL-UNNAMED
    --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
    --enable-native-access=ALL-UNNAMED
    -Dio.netty.tryReflectionSetAccessible=true
    -Djdk.nio.maxCachedBufferSize=1024
    -Dfile.encoding=UTF-8
    "-Dbolt.port=$SELFHEAL_NEO4J_BOLT_PORT" -Dbolt.host=127.0.0.1
    "-Dpagecache.mb=$SELFHEAL_NEO4J_PAGECACHE_MB"
  )
  start_bg neo4j "$NEO4J_PIDFILE" "$NEO4J_LOG" \
    "$jh/bin/java" "${opts[@]}" -cp "$NEO4J_CLASSES:$NEO4J_LIB/*" Neo4jMain "$NEO4J_HOME_DIR"
}

neo4j_ready() {
  grep -q '^NEO4J READY' "$NEO4J_LOG" && tcp_open 127.0.0.1 "$SELFHEAL_NEO4J_BOLT_PORT"
}

neo4j_wait() {
  local pid
  pid=$(neo4j_pid) || die neo4j "$NEO4J_LOG" "Neo4j is not running (no live pid in $NEO4J_PIDFILE)"
  wait_for neo4j "$NEO4J_LOG" "$SELFHEAL_NEO4J_START_TIMEOUT" "$pid" neo4j_ready
}

neo4j_version_running() {
  sed -n 's/^NEO4J READY .*version=\([^ ]*\).*/\1/p' "$NEO4J_LOG" 2>/dev/null | tail -n 1
}

neo4j_stop() {
  local pid
  if pid=$(neo4j_pid); then
    # SIGTERM so the shutdown hook closes the store cleanly.
    stop_pid neo4j "$pid" 60
    say neo4j "stopped (pid $pid)"
  else
    say neo4j "not running"
  fi
  rm -f "$NEO4J_PIDFILE"
}

neo4j_status() {
  local pid
  if pid=$(neo4j_pid); then
    if neo4j_ready; then
      printf 'neo4j     running  pid %-8s %s (Neo4j %s, data %s)\n' "$pid" "$(neo4j_address)" \
        "$(neo4j_version_running)" "$NEO4J_HOME_DIR"
    else
      printf 'neo4j     starting pid %-8s %s (not ready yet)\n' "$pid" "$(neo4j_address)"
    fi
  elif port_in_use "$SELFHEAL_NEO4J_BOLT_PORT"; then
    printf 'neo4j     stopped  (port %s held by %s)\n' "$SELFHEAL_NEO4J_BOLT_PORT" "$(port_owner "$SELFHEAL_NEO4J_BOLT_PORT")"
  else
    printf 'neo4j     stopped\n'
  fi
}
