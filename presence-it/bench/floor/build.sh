#!/usr/bin/env bash
# Builds floor.war (see src/dev/presence/floor/FloorEndpoint.java) into target/ with javac and jar:
# no Maven module, so the reactor never builds or ships it.
#   build.sh        the plain floor: the endpoint alone, the container's defaults
#   build.sh tuned  floor-tuned.war: plus presence-web's ContainerTuning (compiled from its source),
#                   applied at start as Presence applies it (FloorTuning)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
m2=$HOME/.m2/repository/jakarta/websocket
api=$m2/jakarta.websocket-api/2.1.0/jakarta.websocket-api-2.1.0.jar:$m2/jakarta.websocket-client-api/2.1.0/jakarta.websocket-client-api-2.1.0.jar
for a in jakarta.websocket-api jakarta.websocket-client-api; do
  [ -f "$m2/$a/2.1.0/$a-2.1.0.jar" ] || (cd /tmp && mvn -B -q dependency:get -Dartifact=jakarta.websocket:$a:2.1.0)
done
servlet=$HOME/.m2/repository/jakarta/servlet/jakarta.servlet-api/6.0.0/jakarta.servlet-api-6.0.0.jar
jspecify=$HOME/.m2/repository/org/jspecify/jspecify/1.0.0/jspecify-1.0.0.jar
name=floor; sources=$(find "$here/src/dev/presence/floor" -name '*.java')
if [ "${1:-}" = tuned ]; then
  name=floor-tuned
  sources="$sources $here/src/dev/presence/web/websocket/FloorTuning.java $here/../../../presence-web/src/main/java/dev/presence/web/websocket/ContainerTuning.java"
fi
war=$here/target/$name
rm -rf "$war" && mkdir -p "$war/WEB-INF/classes" "$war/health"
javac --release 17 -cp "$api:$servlet:$jspecify" -d "$war/WEB-INF/classes" $sources
echo ok >"$war/health/ready"   # run-ws-bench.sh waits for /health/ready
(cd "$war" && jar cf "../$name.war" .)
echo "$here/target/$name.war"
