#!/usr/bin/env bash
# One command per measurement for issue #9: starts the server or the peer on 127.0.0.1, runs
# ws-bench.mjs against it with the server's pid (CPU, RSS, heap are read by the driver), and
# stops what it started (by pid). See README.md.
#
#   run-ws-bench.sh <scenario> <target> [extra ws-bench.mjs options]
#     scenario: paced | idle | hold | receive | knee (Presence only: WsFanoutDriver, the fan-out knee)
#     target:   p6 (Payara Micro 6.2025.10, JDK 17) | p7 (Payara Micro 7.2026.11, Temurin 25) | soketi
#               | wf (WildFly 39.0.1.Final, JDK 17, presence-portable.war; the zip from ~/.m2, which a
#               build of presence-it with -Pwildfly puts there)
#
# Environment (defaults): PORT (18480 p6, 18490 p7, 16001 soketi), WAR
# (presence-web/target/presence.war of this checkout), XMX (1g), JAVA17, JAVA25, OUT
# (presence-it/target/ws-bench: logs and one JSON result per run), REPEAT (1: runs the driver
# REPEAT times against one server start; each run is a separate result), WARMUP (0: runs of the
# same scenario before the measured ones, against the same server start, not reported: a
# long-running server's JIT is warm, the first runs after a start are not), JAVA_OPTS (added to the
# server JVM's options), PAYARA_OPTS (added to Payara Micro's options, e.g. --prebootcommandfile F).
set -euo pipefail

scenario=${1:?usage: run-ws-bench.sh paced|idle|hold|receive|knee p6|p7|soketi|wf [driver options]}
target=${2:?usage: run-ws-bench.sh paced|idle|hold|receive|knee p6|p7|soketi|wf [driver options]}
shift 2

# The knee measures per-event fan-out: one channel holds up to 300 producers, over the default
# announce-max (100), above which observers get intervals instead of events (SPEC 13.3).
[ "$scenario" = knee ] && JAVA_OPTS="${JAVA_OPTS:-} -Dpresence.channels.announce-max=1000000"

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
JAVA17=${JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64}
WAR=${WAR:-$root/presence-web/target/presence.war}
XMX=${XMX:-1g}
OUT=${OUT:-$root/presence-it/target/ws-bench}
REPEAT=${REPEAT:-1}
WARMUP=${WARMUP:-0}
mkdir -p "$OUT"
stamp=$(date +%Y%m%d-%H%M%S)

[ -d "$here/node_modules/ws" ] || (cd "$here" && npm ci --no-audit --no-fund)

server_pid=
tmp=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
}
trap 'cleanup; [ -n "$tmp" ] && [ -z "${KEEP_TMP:-}" ] && rm -rf "$tmp"' EXIT INT TERM

payara_jar() { # version
  local jar=$HOME/.m2/repository/fish/payara/extras/payara-micro/$1/payara-micro-$1.jar
  if [ ! -f "$jar" ]; then
    (cd /tmp && mvn -B -q dependency:get -Dartifact="fish.payara.extras:payara-micro:$1") >&2
  fi
  echo "$jar"
}

wait_http() { # url seconds
  local deadline=$((SECONDS + $2))
  until curl -sf -o /dev/null "$1"; do
    kill -0 "$server_pid" 2>/dev/null || { echo "server died; see its log" >&2; exit 1; }
    [ $SECONDS -lt $deadline ] || { echo "not ready after $2 s: $1" >&2; exit 1; }
    sleep 1
  done
}

driver_target=presence
jcmd=
case "$target" in
  p6|p7)
    [ -f "$WAR" ] || { echo "no WAR at $WAR: mvn -B -q -DskipTests package -pl presence-web -am" >&2; exit 1; }
    if [ "$target" = p6 ]; then java_home=$JAVA17; version=6.2025.10; port=${PORT:-18480}; else java_home=$JAVA25; version=7.2026.11; port=${PORT:-18490}; fi
    jar=$(payara_jar $version)
    tmp=$(mktemp -d "/tmp/ws-bench-$target.XXXXXX")
    log=$OUT/$stamp-$scenario-$target-server.log
    echo "starting Payara Micro $version on $java_home, port $port (log $log)"
    "$java_home/bin/java" -Xms$XMX -Xmx$XMX -Djava.io.tmpdir="$tmp" -Dhazelcast.phone.home.enabled=false \
      -Dpresence.auth.mode=dev ${JAVA_OPTS:-} \
      -jar "$jar" --port "$port" --nocluster --disablephonehome --startport $((port + 100)) \
      --rootdir "$tmp/root" --contextroot / --deploy "$WAR" ${PAYARA_OPTS:-} >"$log" 2>&1 &
    server_pid=$!
    wait_http "http://127.0.0.1:$port/health/ready" 240
    url="ws://127.0.0.1:$port/ws/v1"
    jcmd=$java_home/bin/jcmd
    ;;
  wf)
    war=$root/presence-web/target/presence-portable.war
    zip=$HOME/.m2/repository/org/wildfly/wildfly-dist/39.0.1.Final/wildfly-dist-39.0.1.Final.zip
    [ -f "$war" ] || { echo "no WAR at $war: mvn -B -q -DskipTests package -pl presence-web -am" >&2; exit 1; }
    [ -f "$zip" ] || { echo "no WildFly zip at $zip: mvn -B -Pwildfly -pl presence-it -am verify once" >&2; exit 1; }
    port=${PORT:-18580}
    tmp=$(mktemp -d "/tmp/ws-bench-$target.XXXXXX")
    unzip -q "$zip" -d "$tmp"
    home=$tmp/wildfly-39.0.1.Final
    cp "$war" "$home/standalone/deployments/"
    log=$OUT/$stamp-$scenario-$target-server.log
    echo "starting WildFly 39.0.1.Final on $JAVA17, port $port (log $log)"
    # The JVM options Hazelcast 5 needs on JDK 17 (PORTABILITY.md); its member on its own port.
    JAVA_HOME=$JAVA17 JAVA_OPTS="-Xms$XMX -Xmx$XMX -Djava.net.preferIPv4Stack=true --add-modules=java.se \
--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.management/sun.management=ALL-UNNAMED \
--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED -Dhazelcast.phone.home.enabled=false \
-Dpresence.hazelcast.port=$((port + 7000)) -Dpresence.hazelcast.cluster-name=ws-bench-$stamp \
-Dpresence.auth.mode=dev ${JAVA_OPTS:-}" \
      "$home/bin/standalone.sh" -Djboss.bind.address=127.0.0.1 -Djboss.bind.address.management=127.0.0.1 \
      -Djboss.socket.binding.port-offset=$((port - 8080)) >"$log" 2>&1 &
    launcher=$!
    # standalone.sh runs the JVM as its child (after short "java -version" probes): measure and stop
    # the server JVM itself.
    for _ in $(seq 1 60); do
      server_pid=$(pgrep -P "$launcher" -f jboss-modules.jar || true)
      [ -n "$server_pid" ] && break
      sleep 0.5
    done
    [ -n "$server_pid" ] || { echo "WildFly did not start; see $log" >&2; kill "$launcher" 2>/dev/null; exit 1; }
    wait_http "http://127.0.0.1:$port/presence-portable/health/ready" 240
    url="ws://127.0.0.1:$port/presence-portable/ws/v1"
    jcmd=$JAVA17/bin/jcmd
    ;;
  soketi)
    port=${PORT:-16001}
    log=$OUT/$stamp-$scenario-$target-server.log
    echo "starting soketi on port $port (log $log)"
    SOKETI_HOST=127.0.0.1 SOKETI_PORT=$port SOKETI_METRICS_HOST=127.0.0.1 SOKETI_METRICS_SERVER_PORT=$((port + 1)) \
      SOKETI_PRESENCE_MAX_MEMBERS=100000 \
      node "$here/node_modules/@soketi/soketi/bin/server.js" start >"$log" 2>&1 &
    server_pid=$!
    wait_http "http://127.0.0.1:$port/" 60
    url="ws://127.0.0.1:$port/app/app-key?protocol=7&client=js&version=8.4.0&flash=false"
    driver_target=soketi
    # soketi's graceful shutdown can hang: STACK.md says SIGKILL after 2 s
    cleanup() { if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -TERM "$server_pid" 2>/dev/null || true; sleep 2; kill -KILL "$server_pid" 2>/dev/null || true; fi; }
    ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac
echo "server pid $server_pid ready"

case "$scenario" in
  paced) args=(--scenario paced --observers 100 --rate 40 --warmup 5 --duration 10) ;;
  idle) args=(--scenario idle --sessions 10000 --per-channel 50 --concurrency 100) ;;
  hold) args=(--scenario idle --sessions 15000 --per-channel 50 --concurrency 100 --hold 300) ;;
  receive) args=(--scenario receive --connections 100 --rate 4000 --warmup 5 --duration 10) ;;
  knee)
    # The Java fan-out driver (presence-it's test sources, JDK classes only), compiled here.
    [ "$driver_target" = presence ] || { echo "knee: Presence targets only" >&2; exit 2; }
    classes=$OUT/knee-classes
    [ -f "$classes/dev/presence/it/load/WsFanoutDriver.class" ] || "$JAVA17/bin/javac" -d "$classes" \
      "$root/presence-it/src/test/java/dev/presence/it/load/WsFanoutDriver.java"
    for i in $(seq 1 "$REPEAT"); do
      "$JAVA17/bin/java" -cp "$classes" dev.presence.it.load.WsFanoutDriver --url "$url" --observers 100 \
        --rates 200,400,800,1200 --duration 10 "$@" | tee "$OUT/$stamp-knee-$target-$i.log"
    done
    exit 0
    ;;
  *) echo "unknown scenario $scenario" >&2; exit 2 ;;
esac

for i in $(seq 1 "$WARMUP"); do
  node "$here/ws-bench.mjs" --target "$driver_target" --url "$url" --pid "$server_pid" \
    ${jcmd:+--jcmd "$jcmd"} "${args[@]}" "$@" >"$OUT/$stamp-$scenario-$target-warmup-$i.log" 2>&1
  echo "warm-up run $i of $WARMUP done (not reported)"
done
for i in $(seq 1 "$REPEAT"); do
  json=$OUT/$stamp-$scenario-$target-$i.json
  node "$here/ws-bench.mjs" --target "$driver_target" --url "$url" --pid "$server_pid" \
    ${jcmd:+--jcmd "$jcmd"} "${args[@]}" --json "$json" "$@"
  echo "result: $json"
done
