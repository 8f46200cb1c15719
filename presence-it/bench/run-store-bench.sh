#!/usr/bin/env bash
# Store benchmarks (JMH) of several backends, interleaved: for each round, for each benchmark, one
# fork per backend in turn, so that a change of the shared box's load hits every backend alike.
# Results: presence-it/target/store-bench/<stamp>/r<round>-<benchmark>-<backend>.json, the load
# average before each fork in load.log, and a table (summarize-store-bench.py) in table.md.
#
# Usage, from the repository root, after compiling the benchmarks once:
#   mvn -B -o -q -pl presence-it -am test-compile dependency:build-classpath \
#       -Dmdep.outputFile=/tmp/presence-bench-cp.txt -Dmdep.includeScope=test
#   presence-it/bench/run-store-bench.sh [rounds]
# Environment: CP_FILE (default /tmp/presence-bench-cp.txt), EXTRA_CP (jars appended to the class
# path), BACKENDS (default "hazelcast-1 hazelcast-2 redis"; an entry label:backend:jvm-option runs
# the backend with one more JVM option under its own label, e.g.
# redis-nio:redis:-Dio.lettuce.core.epoll=false), BENCHMARKS (JMH patterns, default all seven single- and
# two-thread methods), JMH_OPTS (default "-wi 3 -w 3s -i 3 -r 3s").
set -euo pipefail

rounds=${1:-2}
here=$(cd "$(dirname "$0")/.." && pwd)
cp_file=${CP_FILE:-/tmp/presence-bench-cp.txt}
backends=${BACKENDS:-hazelcast-1 hazelcast-2 redis}
benchmarks=${BENCHMARKS:-JoinLeaveBenchmark.joinLeave\$ JoinLeaveBenchmark.joinLeave2Threads SetAttributesBenchmark.setAttributes\$ SetAttributesBenchmark.setAttributes2Threads RawMapBenchmark.put}
jmh_opts=${JMH_OPTS:--wi 3 -w 3s -i 3 -r 3s}
out=$here/target/store-bench/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
cp="$here/target/test-classes:$here/target/classes:$(cat "$cp_file")${EXTRA_CP:+:$EXTRA_CP}"
cd "$here"

echo "$(date -u +%T) start; $(uptime)" | tee -a "$out/load.log"
for ((r = 1; r <= rounds; r++)); do
  for bench in $benchmarks; do
    name=${bench//\$/}
    for entry in $backends; do
      IFS=: read -r label backend option <<<"$entry"
      backend=${backend:-$label}
      extra=()
      if [[ -n $option ]]; then extra=(-jvmArgsPrepend "$option"); fi
      echo "$(date -u +%T) r$r $name $label; $(uptime)" | tee -a "$out/load.log"
      # shellcheck disable=SC2086 # word splitting of the JMH options is intended
      java -cp "$cp" org.openjdk.jmh.Main -f 1 $jmh_opts -foe true -p backend="$backend" \
        "${extra[@]}" -rf json -rff "$out/r$r-$name-$label.json" "$bench" \
        >"$out/r$r-$name-$label.log" 2>&1 \
        || echo "FAILED: see $out/r$r-$name-$label.log" | tee -a "$out/load.log"
    done
  done
done
echo "$(date -u +%T) end; $(uptime)" | tee -a "$out/load.log"
python3 "$here/bench/summarize-store-bench.py" "$out" | tee "$out/table.md"
