#!/usr/bin/env bash
# Large channels (issue #15): starts one Payara Micro 6 node on 127.0.0.1 in the given mode, runs
# large-bench.mjs against it with the server's pid, and stops it (by pid). See README.md.
#
#   run-large-bench.sh <mode> [extra large-bench.mjs options]
#     mode: events   (presence.channels.announce-max=1000000: one message per event to every observer)
#           interval (announce-max=100, the default: one interval message per presence.channels.interval)
#
# Environment (defaults): PORT (18680), WAR (presence-web/target/presence.war of this checkout),
# XMX (2g), JAVA17, INTERVAL (5s: presence.channels.interval), OUT (presence-it/target/large-bench:
# server log and one JSON result per run), JAVA_OPTS (more server options).
# The server runs with presence.timeout=600s (REST sessions are refreshed every 240 s by the
# driver, --rest-heartbeat) and presence.ws.max-connections=19000.
set -euo pipefail

mode=${1:?usage: run-large-bench.sh events|interval [driver options]}
shift

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
JAVA17=${JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64}
WAR=${WAR:-$root/presence-web/target/presence.war}
XMX=${XMX:-2g}
PORT=${PORT:-18680}
INTERVAL=${INTERVAL:-5s}
OUT=${OUT:-$root/presence-it/target/large-bench}
mkdir -p "$OUT"
stamp=$(date +%Y%m%d-%H%M%S)

case "$mode" in
  events) announce=1000000 ;;
  interval) announce=100 ;;
  *) echo "unknown mode $mode (events|interval)" >&2; exit 2 ;;
esac

[ -d "$here/node_modules/ws" ] || (cd "$here" && npm ci --no-audit --no-fund)
[ -f "$WAR" ] || { echo "no WAR at $WAR: mvn -B -q -DskipTests package -pl presence-web -am" >&2; exit 1; }
jar=$HOME/.m2/repository/fish/payara/extras/payara-micro/6.2025.10/payara-micro-6.2025.10.jar
[ -f "$jar" ] || (cd /tmp && mvn -B -q dependency:get -Dartifact=fish.payara.extras:payara-micro:6.2025.10) >&2

server_pid=
tmp=$(mktemp -d /tmp/large-bench.XXXXXX)
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

log=$OUT/$stamp-$mode-server.log
echo "starting Payara Micro 6.2025.10, mode $mode (announce-max $announce, interval $INTERVAL), port $PORT (log $log)"
"$JAVA17/bin/java" -Xms$XMX -Xmx$XMX -Djava.io.tmpdir="$tmp" -Dhazelcast.phone.home.enabled=false \
  -Dpresence.auth.mode=dev -Dpresence.timeout=600s -Dpresence.ws.max-connections=19000 \
  -Dpresence.channels.announce-max=$announce -Dpresence.channels.interval=$INTERVAL ${JAVA_OPTS:-} \
  -jar "$jar" --port "$PORT" --nocluster --disablephonehome --startport $((PORT + 100)) \
  --rootdir "$tmp/root" --contextroot / --deploy "$WAR" >"$log" 2>&1 &
server_pid=$!
deadline=$((SECONDS + 240))
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/ready"; do
  kill -0 "$server_pid" 2>/dev/null || { echo "server died; see $log" >&2; exit 1; }
  [ $SECONDS -lt $deadline ] || { echo "not ready after 240 s" >&2; exit 1; }
  sleep 1
done
echo "server pid $server_pid ready; load: $(cut -d' ' -f1-3 /proc/loadavg)"
json=$OUT/$stamp-$mode.json
node "$here/large-bench.mjs" --url "http://127.0.0.1:$PORT/" --pid "$server_pid" --label "$mode" --json "$json" --cleanup false "$@"
echo "result: $json"
