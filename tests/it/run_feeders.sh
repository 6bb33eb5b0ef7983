#!/bin/bash
# Feeders and request templates at run time, checked by what the servers
# saw: the gateway simulator counts requests per path, nginx logs a header.
#  - unique + stop: every row exactly once, then the run stops by itself
#    (status "stopped", the reason names the feeder);
#  - unique + wrap: every row once per pass;
#  - per: user (closed model): each virtual user keeps its row;
#  - templated header values (a feeder column, ${uuid}) differ per request,
#    and a templated body is framed right (the server parses every one);
#  - a malformed CSV is an input error naming file and line (exit 2).
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"
. "$GATECAP_TOP/tests/lib/nginx.sh"

GW=127.0.2.16
sim_start "$GW"
GW_URL=$SIM_HTTP

rows() { # FILE N: a CSV of N accounts a1..aN with names of growing length
    { echo "id,name"; for i in $(seq 1 "$2"); do printf 'a%d,"n%s"\n' "$i" "$(printf '%*s' "$i" '' | tr ' ' x)"; done; } > "$T_TMP/$1"
}
scenario() { # NAME FEEDER-YAML LOAD-YAML [REQUEST-YAML]
    cat > "$T_TMP/$1.yaml" << YAML
name: $1
targets: ["$GW_URL"]
feeders:
  $2
requests:
  ${4:-"- {name: get, path: \"/echo/1.0.0/\${acct.id}\"}"}
load:
  $3
YAML
}
# paths seen by the simulator: "PATH COUNT" per line, sorted
paths() { sim_stats "$GW_URL" | jq -r '.by_path | to_entries[] | select(.key | startswith("/echo/1.0.0/a")) | "\(.key) \(.value.total)"' | sort; }

log "unique + stop: each row once, then the run stops"
rows acct40.csv 40
sim_reset "$GW_URL"
scenario uniq "acct: {file: acct40.csv, order: unique}" \
    "{workers: 2, phases: [{name: s, duration: 5s, rate: 100/s}]}"
run uniq
assert_eq "uniq: exit code" 0 "$RC"
assert_eq "uniq: status" stopped "$(jr uniq .run.status)"
assert_contains "uniq: stop reason" "feeder acct (acct40.csv)" "$(jr uniq .run.stop_reason)"
assert_eq "uniq: requests" 40 "$(jr uniq .totals.all.count)"
grep -q "STOPPED EARLY: feeder acct" "$T_TMP/uniq.log" || fail "uniq: summary lacks the reason"
# The check before the run sent the first row's path once more.
assert_eq "uniq: distinct paths" 40 "$(paths | wc -l)"
assert_eq "uniq: a1 (also the node check)" "/echo/1.0.0/a1 2" "$(paths | grep 'a1 ')"
assert_eq "uniq: no path twice but a1" 0 "$(paths | grep -v '/a1 ' | awk '$2 != 1' | wc -l)"

log "unique + wrap: every row once per pass"
rows acct20.csv 20
sim_reset "$GW_URL"
scenario wrap "acct: {file: acct20.csv, order: unique, when_exhausted: wrap}" \
    "{workers: 2, phases: [{name: s, duration: 5s, rate: 20/s}]}"
run wrap
run_ok wrap
n=$(jr wrap .totals.all.count)
# (not stopped: a pass over the rows starts again; "generator-limited" on a
# busy machine is what run_ok allows, and changes nothing below)
assert_eq "wrap: never stopped early" false "$(jr wrap .run.stopped_early)"
lo=$((n / 20)); hi=$(((n + 19) / 20))
bad=$(paths | awk -v lo="$lo" -v hi="$hi" '{ c = $2 - ($1 == "/echo/1.0.0/a1"); if (c < lo || c > hi) print }')
assert_eq "wrap: every row $lo..$hi times in $n requests" "" "$bad"
assert_eq "wrap: distinct paths" 20 "$(paths | wc -l)"

log "per: user keeps a row per virtual user; a templated body is framed right"
sim_reset "$GW_URL"
scenario user "acct: {file: acct40.csv, per: user}" \
    "{model: closed, workers: 1, phases: [{name: s, duration: 2s, users: 3, think: 20ms}]}" \
    "- {name: pay, method: POST, path: \"/echo/1.0.0/\${acct.id}\", body: '{\"n\": \"\${acct.name}\", \"seq\": \${seq}, \"at\": \"\${now_iso}\"}', headers: {Content-Type: application/json}}"
run user
run_ok user
count=$(jr user .totals.all.count)
assert_eq "user: every POST answered 200" "$count" "$(jr user '.totals.all.outcomes["2xx"]')"
assert_eq "user: three users, three rows" 3 "$(paths | wc -l)"
assert_eq "user: requests per path sum up (+ the node check)" "$((count + 1))" "$(paths | awk '{s += $2} END {print s}')"

log "templated header values differ per request (nginx logs them)"
nginx_nodes "$T_TMP/ngx" 127.0.2.17
for h in '${acct.id}' '${uuid}'; do
    cat > "$T_TMP/hdr.yaml" << YAML
name: hdr
targets: [http://127.0.2.17:8280]
feeders: {acct: {file: acct20.csv}}
requests: [{name: get, path: /hdr, headers: {X-Test: "$h"}}]
load: {workers: 1, phases: [{name: s, duration: 1s, rate: 50/s}]}
YAML
    : > "$T_TMP/ngx/access-gw1.log"
    run hdr
    run_ok hdr
    n=$(jr hdr .totals.all.count)
    distinct=$(grep -o ' h=[^ ]*' "$T_TMP/ngx/access-gw1.log" | sort -u | wc -l)
    if [ "$h" = '${uuid}' ]; then
        assert_eq "hdr uuid: a new one per request (+ the node check)" "$((n + 1))" "$distinct"
        grep -Eq ' h=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12} ' \
            "$T_TMP/ngx/access-gw1.log" || fail "hdr: not a UUID v4: $(head -2 "$T_TMP/ngx/access-gw1.log")"
    else
        assert_eq "hdr feeder: the 20 account ids" 20 "$distinct"
    fi
done

log "a malformed CSV: exit 2 with file and line"
printf 'id,name\na1,n1\na2\n' > "$T_TMP/bad.csv"
scenario bad "acct: {file: bad.csv}" "{phases: [{duration: 1s, rate: 10/s}]}"
RC=0
"$GATECAP" validate "$T_TMP/bad.yaml" > "$T_TMP/bad.log" 2>&1 || RC=$?
assert_eq "bad: exit code" 2 "$RC"
assert_contains "bad: names file and line" "bad.csv:3" "$(cat "$T_TMP/bad.log")"
scenario badcol "acct: {file: acct20.csv}" "{phases: [{duration: 1s, rate: 10/s}]}" \
    "- {name: get, path: \"/echo/1.0.0/\${acct.idd}\"}"
RC=0
"$GATECAP" validate "$T_TMP/badcol.yaml" > "$T_TMP/badcol.log" 2>&1 || RC=$?
assert_eq "badcol: exit code" 2 "$RC"
assert_contains "badcol: names the columns" "has no column 'idd'" "$(cat "$T_TMP/badcol.log")"
log "ok"
