#!/bin/bash
# gatecap run when things go wrong: a node killed mid-run shows as errors for
# that node only; SIGINT mid-run leaves complete, valid results marked
# interrupted (exit 130); results.json agrees with run.hlog as decoded by the
# reference Java HdrHistogram library.
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/nginx.sh"
require_cmd nginx jq javac java

JAVA_CP="$T_TMP/java:/usr/share/java/hdrhistogram.jar"
mkdir -p "$T_TMP/java"
javac -d "$T_TMP/java" -cp /usr/share/java/hdrhistogram.jar "$GATECAP_TOP/tests/java/HlogTagCounts.java"

nginx_nodes "$T_TMP/a" 127.0.0.1
PID_A=$NGINX_PID
nginx_nodes "$T_TMP/b" 127.0.0.2
PID_B=$NGINX_PID

cat > "$T_TMP/kill.yaml" <<YAML
name: node-dies
targets: [{url: "http://127.0.0.1", name: alive}, {url: "http://127.0.0.2", name: dies}]
requests: [{name: get, path: /k}]
timeouts: {connect: 1s, request: 2s}
load: {workers: 2, phases: [{name: s, duration: 6s, rate: 200/s}]}
YAML

log "a node killed mid-run fails alone, and the run goes on"
RC=0
"$GATECAP" run "$T_TMP/kill.yaml" -o "$T_TMP/kill" --quiet > "$T_TMP/kill.log" 2>&1 &
GC=$!
sleep 2.5
bg_stop "$PID_B" 5 || true
wait "$GC" || RC=$?
R="$T_TMP/kill/results.json"
assert_eq "exit code" 0 "$RC"
assert_eq "all arrivals sent" 1200 "$(jq '.totals.all.count' "$R")"
assert_eq "the live node has no errors" 0 "$(jq '.totals.by_node.alive.errors' "$R")"
dead_err=$(jq '.totals.by_node.dies.errors' "$R")
assert_ge "the dead node has errors" 200 "$dead_err"
assert_eq "its errors are refused connections (or resets at the kill)" "$dead_err" \
    "$(jq '.totals.by_node.dies.outcomes | .refused + .reset' "$R")"
assert_ge "it answered before it died" 150 "$(jq '.totals.by_node.dies.outcomes["2xx"]' "$R")"

log "results.json counts equal run.hlog's, decoded by the Java library"
java -cp "$JAVA_CP" HlogTagCounts "$T_TMP/kill/run.hlog" > "$T_TMP/java-counts.txt"
for node in alive dies; do
    java_lat=$(awk -v n="$node" '$1 == "latency/s/get/" n {print $2}' "$T_TMP/java-counts.txt")
    json_lat=$(jq ".cells[] | select(.node == \"$node\") | .latency_ms.count" "$R")
    assert_eq "latency count of $node (java vs results.json)" "$json_lat" "$java_lat"
    java_svc=$(awk -v n="$node" '$1 == "service/s/get/" n {print $2}' "$T_TMP/java-counts.txt")
    assert_eq "service count of $node" "$json_lat" "$java_svc"
    java_max=$(awk -v n="$node" '$1 == "latency/s/get/" n {print $4}' "$T_TMP/java-counts.txt")
    json_max=$(jq ".cells[] | select(.node == \"$node\") | .latency_ms.max * 1000 | round" "$R")
    assert_eq "latency max of $node (µs)" "$json_max" "$java_max"
done

log "gatecap hlog reads its own log: the untagged lines hold every request's latency"
H=$("$GATECAP" hlog "$T_TMP/kill/run.hlog" --json)
assert_eq "hlog count vs results.json" "$(jq '.totals.all.latency_ms.count' "$R")" "$(echo "$H" | jq .summary.count)"
assert_eq "hlog p99 vs results.json" "$(jq '.totals.all.latency_ms.p99' "$R")" "$(echo "$H" | jq '.summary.percentiles["99"]')"
assert_eq "java untagged count" "$(jq '.totals.all.latency_ms.count' "$R")" \
    "$(awk '$1 == "(untagged)" {print $2}' "$T_TMP/java-counts.txt")"

log "SIGINT mid-run: exit 130, complete results marked interrupted"
cat > "$T_TMP/long.yaml" <<YAML
name: long
targets: ["http://127.0.0.1"]
requests: [{name: get, path: /i}]
load: {workers: 1, phases: [{name: s, duration: 60s, rate: 100/s}]}
YAML
RC=0
"$GATECAP" run "$T_TMP/long.yaml" -o "$T_TMP/int" --quiet > "$T_TMP/int.log" 2>&1 &
GC=$!
sleep 2
kill -INT "$GC"
wait "$GC" || RC=$?
R="$T_TMP/int/results.json"
assert_eq "exit code" 130 "$RC"
assert_eq "status" interrupted "$(jq -r '.run.status' "$R")"
n=$(jq '.totals.all.count' "$R")
assert_ge "requests before the signal" 100 "$n"
assert_le "no requests after the signal" 400 "$n"
assert_eq "every request sent was answered or abandoned" "$(jq '.generator.started' "$R")" \
    "$(( n + $(jq '.generator.abandoned' "$R") ))"
java -cp "$JAVA_CP" HlogTagCounts "$T_TMP/int/run.hlog" > "$T_TMP/java-int.txt"
assert_eq "hlog of the interrupted run is complete" "$n" \
    "$(awk '$1 ~ /^latency\// {s += $2} END {print s}' "$T_TMP/java-int.txt")"
ls "$T_TMP/int" | grep -q tmp && fail "temporary files left in the output folder"
log "ok"
