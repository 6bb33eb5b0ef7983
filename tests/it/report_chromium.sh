#!/bin/bash
# gatecap report, read by a real browser: real runs against the gateway
# simulator, their reports rendered in Debian's headless Chromium.
#
#  1. a run against two nodes (gw1 answers 3 % 503s, gw2 throttles above
#     120/s) over two phases, with two --set overrides (one a secret), gates
#     added to its results.json as the run writes them (one without data);
#     a run through a load-balancer target (node_header) that answers
#     nothing itself; a step run against two nodes of known capacity and a
#     closed-model sweep, planned together (`gatecap plan`), and that plan
#     again with every verdict a step can have and a long reason;
#  2. `gatecap report` on each: report.md and report.html with the sections
#     and tables expected (the phases as they ran, the overrides, the nodes
#     that answered), user data escaped, the secret nowhere, the same bytes
#     every time, exit 2 with the file and field named on bad input;
#  3. each report.html in Chromium: it loads with no console message at
#     all (the page has no script and a CSP of default-src 'none', so any
#     message is an error: a blocked request, a parse failure), and a copy
#     with a probe script reports, per chart, its rendered size, the
#     plotted series with a non-empty bounding box, overlapping labels
#     (tick labels, legend entries, band labels), labels over a bar, and
#     legend entries and marks apart (an entry whose keys no mark drawn
#     carries, a mark with a key no entry has); and step table rows that
#     wrap — none allowed. Screenshots are kept in
#     $BUILD/test-artifacts/report_chromium/ for a person.
#
# Addresses 127.0.6.x; about 35 s of load, 60 s in all.
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip "chromium is not installed (tools/install-deps installs it)"
ART=$BUILD_DIR/test-artifacts/report_chromium
rm -rf "$ART"
mkdir -p "$ART"
NET=127.0.6

# ---- 1. runs ------------------------------------------------------------------
sim_start $NET.1 --http-port 8280 --name gw1 --workers 8 --service-time exp:3ms \
    --error-rate 0.03 --fault-spacing even
sim_start $NET.2 --http-port 8280 --name gw2 --workers 8 --service-time exp:3ms \
    --throttle-rate 120
SIMS_MAIN=$SIM_PID
cat > "$T_TMP/main.yaml" << YAML
name: "report <b>&amp; 'quotes' | pipes"
description: "<script>alert(1)</script> *not bold* [not a link](x)"
targets: [{url: "http://$NET.1:8280", name: gw1}, {url: "http://$NET.2:8280", name: gw2}]
requests:
  - {name: echo, path: /echo/1.0.0, weight: 3}
  - {name: post, method: POST, path: /echo/1.0.0, json: {a: 1}}
interval: 500ms
load:
  workers: 1
  phases:
    - {name: warm, duration: 0.5s, rate: 100/s, record: false}
    - {name: steady, duration: 2s, rate: 200/s}
    - {name: burst, duration: 1.5s, rate: 400/s}
YAML
log "run: two nodes, 5xx on gw1, 429 on gw2, two --set overrides (one secret)"
SECRET=sekrit-$RANDOM$RANDOM
run main --set load.workers=1 --set "requests.1.headers.X-Api-Key=$SECRET"
run_ok main
R=$T_TMP/main/results.json
assert_ge "5xx recorded" 1 "$(jr main '.totals.all.outcomes["5xx"]')"
assert_ge "429 recorded" 1 "$(jr main .totals.all.outcomes.throttled)"
# The gates as `gatecap run` writes them (docs/report.md), whatever it wrote.
jq '.gates = [
      {gate: "p99 < 250ms", scope: "all", metric: "p99", op: "<", threshold: 250, unit: "ms",
       measured: .totals.all.latency_ms.p99, verdict: "pass"},
      {gate: "errors < 0.1%", scope: "node", name: "gw1", metric: "errors", op: "<",
       threshold: 0.1, unit: "%", measured: .totals.by_node.gw1.error_pct, verdict: "fail"},
      {gate: "p50 < 1ms", scope: "phase", name: "<i>steady</i>", metric: "p50", op: "<",
       threshold: 1, unit: "ms", measured: null, verdict: "no-data"}]
    | .run.gates_failed = 2' "$R" > "$T_TMP/gated.json"
mv "$T_TMP/gated.json" "$R"
sim_stop "$SIMS_MAIN"

log "run behind a load balancer (node_header): the target answers nothing itself"
sim_start $NET.6 --http-port 8280 --name gw-x --workers 8 --service-time exp:2ms
cat > "$T_TMP/lb.yaml" << YAML
name: lb
targets: [{url: "http://$NET.6:8280", name: lb}]
node_header: X-Gateway-Node
requests: [{name: echo, path: /echo/1.0.0}]
interval: 500ms
load:
  workers: 1
  phases:
    - {name: warm, duration: 0.5s, rate: 50/s, record: false}
    - {name: steady, duration: 1.5s, rate: 100/s}
YAML
run lb
run_ok lb
assert_eq "lb: the nodes of results.json (targets first)" "lb gw-x" "$(jr lb '.nodes | join(" ")')"

log "step run (2 nodes of 200/s each) and a closed-model sweep (USL α 0.05, β 0.002)"
sim_start $NET.3 --http-port 8280 --name gw-a --workers 2 --service-time fixed:10ms
sim_start $NET.4 --http-port 8280 --name gw-b --workers 2 --service-time fixed:10ms
cat > "$T_TMP/steps.yaml" << YAML
name: steps
targets: [{url: "http://$NET.3:8280", name: gw-a}, {url: "http://$NET.4:8280", name: gw-b}]
requests: [{name: echo, path: /echo/1.0.0}]
timeouts: {request: 5s}
interval: 500ms
# (a busy machine delays gatecap's own sends by tens of milliseconds: not
# what this test is about)
generator: {late_threshold: 50ms}
load:
  workers: 1
  phases:
    - {name: warm, duration: 0.5s, rate: 200/s, record: false}
    - {name: s, steps: {from: 200/s, to: 600/s, step: 100/s, duration: 1.5s}}
YAML
run_undisturbed steps
[ "$RC" = 0 ] || fail "step run: exit code $RC: $(tail -3 "$T_TMP/steps.log")"
sim_start $NET.5 --http-port 8280 --name usl --service-time fixed:10ms --usl-alpha 0.05 \
    --usl-beta 0.002
cat > "$T_TMP/sweep.yaml" << YAML
name: sweep
targets: ["http://$NET.5:8280"]
requests: [{name: echo, path: /echo/1.0.0}]
interval: 500ms
load:
  model: closed
  workers: 1
  phases:
    - {name: u, steps: {from: 1, to: 21, step: 5, duration: 1.5s}}
YAML
run sweep
run_ok sweep
"$GATECAP" plan "$T_TMP/steps/results.json" "$T_TMP/sweep/results.json" --slo p99=100ms \
    --target-rps 500 -o "$T_TMP/steps/plan.json" > "$T_TMP/plan.log" 2>&1 ||
    fail "gatecap plan: $(tail -3 "$T_TMP/plan.log")"
assert_eq "plan.json lists the USL's measured points" 5 "$(jq '.points | length' "$T_TMP/steps/plan.json")"
# the plan with every verdict a step can have, and a long reason
mkdir -p "$T_TMP/verdicts"
cp "$T_TMP/steps/results.json" "$T_TMP/verdicts/"
jq '.steps[0].verdict = "invalid" | .steps[0].valid = false
    | .steps[0].invalid_reason = "gatecap delivered 93.1 % of the scheduled arrivals in time (late share 6.9 %, Wilson lower bound 5.2 % above the tolerance of 1 %): its own shortfall could have decided the verdict"
    | .steps[1].verdict = "unconfirmed" | .steps[1].violates = ["latency"]
    | .steps[4].verdict = "ignored" | .steps[4].violates = []' \
    "$T_TMP/steps/plan.json" > "$T_TMP/verdicts/plan.json"
# the same step run without a plan: its steps come from the phases
mkdir -p "$T_TMP/noplan"
cp "$T_TMP/steps/results.json" "$T_TMP/noplan/"

# ---- 2. reports -------------------------------------------------------------
report() { # report NAME ARGS...: gatecap report ARGS; sets RRC
    local name=$1
    shift
    RRC=0
    "$GATECAP" report "$@" > "$T_TMP/report-$name.out" 2> "$T_TMP/report-$name.err" || RRC=$?
}
report main "$R"
assert_eq "report: exit code" 0 "$RRC"
[ -s "$T_TMP/main/report.md" ] && [ -s "$T_TMP/main/report.html" ] ||
    fail "report.md and report.html are not beside results.json"
ls "$T_TMP/main" | grep -q tmp && fail "temporary files left in the output folder"
MD=$(cat "$T_TMP/main/report.md")
for s in "# gatecap report: report \<b\>&amp;amp; 'quotes' \| pipes" "FAIL: 2 of 3 gates failed" \
    "## Run" "## Summary" "## Per request" "## Per node" "## Outcome classes" "## Gates" \
    "| p99 \< 250ms | all |" "| errors \< 0.1% | node gw1 |" "phase \<i\>steady\</i\>" \
    "| **all** |" "| throttled |" "| 5xx |" "libcurl 7." "OpenSSL" "open" \
    "completion - intended start" "\<script\>alert(1)\</script\> \*not bold\* \[not a link\](x)" \
    "### Phases" "| warm | 100/s | 0.5 s | 0.5 s | warm-up, not recorded |" \
    "| steady | 200/s | 2 s | 2 s | yes |" "| burst | 400/s | 1.5 s | 1.5 s | yes |" \
    "| Overrides | load.workers=1, requests.1.headers.X-Api-Key=\<redacted\> |" \
    "| p50 \< 1ms | phase \<i\>steady\</i\> | – | ❌ **no data** |"; do
    assert_contains "report.md has '$s'" "$s" "$MD"
done
assert_contains "results.json: the overrides" '["load.workers=1","requests.1.headers.X-Api-Key=<redacted>"]' \
    "$(jq -c .scenario.overrides "$R")"
if grep -rlF -- "$SECRET" "$T_TMP/main" "$T_TMP/main.log"; then fail "the --set secret is in the outputs"; fi
H=$(cat "$T_TMP/main/report.html")
assert_eq "report.html holds no <script" 0 "$(grep -c '<script' "$T_TMP/main/report.html" || true)"
assert_eq "report.html loads nothing (no src=, no http link)" 0 \
    "$(grep -Ec ' src=|href="http|url\(' "$T_TMP/main/report.html" || true)"
for s in "report &lt;b&gt;&amp;amp; &#39;quotes&#39; | pipes" "&lt;script&gt;alert(1)&lt;/script&gt;" \
    "FAIL: 2 of 3 gates failed" "p99 &lt; 250ms" "&lt;i&gt;steady&lt;/i&gt;" \
    'data-chart="latency-percentiles"' 'data-chart="throughput"' 'data-chart="latency-time"' \
    'data-chart="errors-time"' '<td class="verdict-fail">no data</td>' \
    '<code>load.workers=1</code>'; do
    assert_contains "report.html has '$s'" "$s" "$H"
done
cp "$T_TMP/main/report.html" "$T_TMP/first.html"
report again "$R"
cmp -s "$T_TMP/main/report.html" "$T_TMP/first.html" || fail "report.html differs between two runs"

report steps "$T_TMP/steps/results.json" -o "$T_TMP/steps-report"
assert_eq "report with a plan beside: exit code" 0 "$RRC"
SMD=$(cat "$T_TMP/steps-report/report.md")
for s in "## Capacity plan" "**Recommend " "Binding constraint" "### What if" "← recommended" \
    "### USL fit" "5 measured points" "### Assumptions" "(last good)" "(first bad)"; do
    assert_contains "step report.md has '$s'" "$s" "$SMD"
done
report noplan "$T_TMP/noplan/results.json"
report verdicts "$T_TMP/verdicts/results.json"
assert_eq "report with every verdict: exit code" 0 "$RRC"
VMD=$(cat "$T_TMP/verdicts/report.md")
for s in "| unconfirmed" "| invalid" "| ignored" "Wilson lower bound 5.2 %"; do
    assert_contains "verdicts report.md has '$s'" "$s" "$VMD"
done
report lb "$T_TMP/lb/results.json"
assert_eq "lb report: exit code" 0 "$RRC"
assert_eq "lb: no chart draws the target that answered nothing" 0 \
    "$(grep -c 'data-series="[^"]*lb[^"]*"' "$T_TMP/lb/report.html" || true)"
assert_contains "lb: report.md says which nodes answered" "gw-x" \
    "$(grep '^| Nodes |' "$T_TMP/lb/report.md")"
assert_contains "lb: ... and that the target answered nothing" "lb answered nothing" \
    "$(grep '^| Nodes |' "$T_TMP/lb/report.md")"
assert_contains "a step run without a plan has its steps" "## Steps" "$(cat "$T_TMP/noplan/report.md")"
assert_eq "... and no capacity plan" 0 "$(grep -c 'Capacity plan' "$T_TMP/noplan/report.md" || true)"

log "bad input: exit 2, the file and field named"
bad() { # bad LABEL NEEDLE ARGS...
    local label=$1 needle=$2
    shift 2
    report bad "$@"
    assert_eq "$label: exit code" 2 "$RRC"
    assert_contains "$label: message" "$needle" "$(cat "$T_TMP/report-bad.err")"
}
bad "missing file" "missing.json: cannot read" "$T_TMP/missing.json"
printf '{"format": "gatecap-results",\n "version": 1,\n "run": }\n' > "$T_TMP/broken.json"
bad "malformed JSON" "broken.json:3:" "$T_TMP/broken.json"
jq 'del(.totals.by_node)' "$R" > "$T_TMP/cut.json"
bad "missing field" "cut.json: totals.by_node is missing" "$T_TMP/cut.json"
jq '.format = "something"' "$R" > "$T_TMP/other.json"
bad "not results" "other.json: not a gatecap results.json" "$T_TMP/other.json"
bad "plan that is not a plan" "not a gatecap plan.json" "$R" --plan "$R" -o "$T_TMP/x"
bad "missing plan" "nope.json: cannot read" "$R" --plan "$T_TMP/nope.json" -o "$T_TMP/x"
bad "no arguments" "give the results.json"
bad "unknown option" "unknown option --frobnicate" "$R" --frobnicate

# ---- 3. Chromium --------------------------------------------------------------
# The probe: per chart "CHART id WxH series=N overlaps=M", then the page height.
PROBE='<script>(function(){var out=[""];
function ov(a,b){return a.width>0&&b.width>0&&a.left<b.right-0.5&&b.left<a.right-0.5&&a.top<b.bottom-0.5&&b.top<a.bottom-0.5;}
function count(list){var o=0,t=[].slice.call(list),r=t.map(function(e){return e.getBoundingClientRect();});
for(var i=0;i<r.length;i++)for(var j=i+1;j<r.length;j++)if(ov(r[i],r[j])){o++;out.push("OVERLAP "+t[i].textContent+" / "+t[j].textContent);}return o;}
function keys(e){return (e.getAttribute("data-keys")||"").split(" ").filter(function(k){return k;});}
[].forEach.call(document.querySelectorAll("svg[data-chart]"),function(s){
var id=s.getAttribute("data-chart"),b=s.getBoundingClientRect(),n=0,o=0,lg=0,ob=0,lk={},sk={};
[].forEach.call(s.querySelectorAll(".legend-item"),function(e){var k=keys(e);
if(!k.length){lg++;out.push("LEGEND "+id+": entry \""+e.textContent+"\" stands for nothing drawn");}
k.forEach(function(x){lk[x]=e.textContent;});});
[].forEach.call(s.querySelectorAll(".series"),function(e){var x=e.getBBox();if(!(x.width>0||x.height>0))return;n++;
var k=keys(e),nm=e.getAttribute("data-series");if(!k.length){lg++;out.push("LEGEND "+id+": \""+nm+"\" is drawn with no legend entry");}
k.forEach(function(y){sk[y]=1;if(!(y in lk)){lg++;out.push("LEGEND "+id+": \""+nm+"\" is drawn with no legend entry ("+y+")");}});});
Object.keys(lk).forEach(function(k){if(!(k in sk)){lg++;out.push("LEGEND "+id+": entry \""+lk[k]+"\" stands for nothing drawn");}});
var bars=[].slice.call(s.querySelectorAll("rect.series")).map(function(e){return e.getBoundingClientRect();});
[].forEach.call(s.querySelectorAll("text"),function(t){if(t.closest(".legend"))return;var r=t.getBoundingClientRect();
for(var i=0;i<bars.length;i++)if(ov(r,bars[i])){ob++;out.push("ON A BAR "+id+": \""+t.textContent+"\"");break;}});
[].forEach.call(s.querySelectorAll(".ticks,.legend"),function(g){o+=count(g.querySelectorAll("text"));});
o+=count(s.querySelectorAll("text.band-label"));
out.push("CHART "+id+" "+Math.round(b.width)+"x"+Math.round(b.height)+" series="+n+" overlaps="+o+" legend="+lg+" onbars="+ob);});
[].forEach.call(document.querySelectorAll("table"),function(t){var h=t.rows.length>1&&t.rows[0].cells[0];
if(!h||h.textContent!=="step")return;var lh=parseFloat(getComputedStyle(t.rows[1].cells[0]).lineHeight);
[].forEach.call(t.rows,function(r){if(r.getBoundingClientRect().height>1.7*lh)out.push("WRAPPED "+r.textContent);});});
out.push("HEIGHT "+document.documentElement.scrollHeight);
var p=document.createElement("pre");p.id="probe";p.textContent=out.join(String.fromCharCode(10));document.body.appendChild(p);})();</script>'

browser() { # browser OUT ERR ARGS...: headless Chromium, its own profile, bounded in time
    local out=$1 errf=$2
    shift 2
    timeout -k 5 40 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$T_TMP/chromium-profile" --enable-logging=stderr --v=0 "$@" \
        > "$out" 2> "$errf"
}

# render NAME HTML CHART...: loads HTML, checks the console, the charts and
# their labels, and keeps a full-page screenshot as $ART/NAME.png
render() {
    local name=$1 html=$2 c line height
    shift 2
    # the probe needs a script: a copy without the CSP, the probe before </body>
    { sed -e '/Content-Security-Policy/d' -e '/^<\/body>/,$d' "$html"
      printf '%s\n</body>\n</html>\n' "$PROBE"; } > "$T_TMP/$name-probe.html"
    browser "$T_TMP/$name-dom.html" "$T_TMP/$name-dom.err" --window-size=1100,900 --dump-dom \
        "file://$T_TMP/$name-probe.html" ||
        fail "$name: chromium --dump-dom failed: $(tail -3 "$T_TMP/$name-dom.err")"
    grep -q '^CHART ' "$T_TMP/$name-dom.html" || fail "$name: the probe did not run"
    grep '^CHART \|^HEIGHT \|^OVERLAP \|^LEGEND \|^ON A BAR \|^WRAPPED ' "$T_TMP/$name-dom.html" \
        > "$ART/$name-probe.txt"
    for c in "$@"; do
        line=$(grep "^CHART $c " "$T_TMP/$name-dom.html") || fail "$name: chart $c is missing"
        log "  $name: $line"
        [[ $line =~ \ ([0-9]+)x([0-9]+)\ series=([0-9]+)\ overlaps=([0-9]+)\ legend=([0-9]+)\ onbars=([0-9]+) ]] ||
            fail "$name: probe line '$line'"
        assert_ge "$name: chart $c width (px)" 300 "${BASH_REMATCH[1]}"
        assert_ge "$name: chart $c height (px)" 200 "${BASH_REMATCH[2]}"
        assert_ge "$name: chart $c plotted series" 1 "${BASH_REMATCH[3]}"
        [ "${BASH_REMATCH[4]}" = 0 ] ||
            fail "$name: chart $c: overlapping labels: $(grep '^OVERLAP' "$ART/$name-probe.txt" | tr '\n' ';')"
        [ "${BASH_REMATCH[5]}" = 0 ] ||
            fail "$name: chart $c: legend and series apart: $(grep "^LEGEND $c:" "$ART/$name-probe.txt" | tr '\n' ';')"
        [ "${BASH_REMATCH[6]}" = 0 ] ||
            fail "$name: chart $c: labels over bars: $(grep "^ON A BAR $c:" "$ART/$name-probe.txt" | tr '\n' ';')"
    done
    if grep -q '^WRAPPED ' "$ART/$name-probe.txt"; then
        fail "$name: table rows that must not wrap do: $(grep '^WRAPPED ' "$ART/$name-probe.txt" | tr '\n' ';')"
    fi
    height=$(sed -n 's/^HEIGHT \([0-9]*\).*/\1/p' "$T_TMP/$name-dom.html")
    [ -n "$height" ] || fail "$name: no page height"
    [ "$height" -gt 16000 ] && height=16000
    # the report itself, as a person opens it
    browser "$T_TMP/$name-shot.out" "$T_TMP/$name-shot.err" --hide-scrollbars \
        --window-size="1100,$height" --screenshot="$ART/$name.png" "file://$html" ||
        fail "$name: chromium --screenshot failed: $(tail -3 "$T_TMP/$name-shot.err")"
    # Console messages of the report (source file://...); Chromium's own
    # pages may log their own (on a busy machine: "[Intervention] Slow
    # network is detected ... chrome://resources"), which are not the
    # report's business.
    if grep -E 'CONSOLE.*source: file://|Uncaught' "$T_TMP/$name-shot.err" "$T_TMP/$name-dom.err"; then
        fail "$name: console messages while loading $html"
    fi
    assert_ge "$name: screenshot bytes" 20000 "$(stat -c %s "$ART/$name.png")"
    cp "$html" "$ART/$name.html"
    log "  $name: screenshot $ART/$name.png"
}

log "Chromium: $("$CHROMIUM" --version 2> /dev/null | head -1)"
render main "$T_TMP/main/report.html" latency-percentiles throughput latency-time errors-time
render steps "$T_TMP/steps-report/report.html" latency-percentiles throughput latency-time \
    steps-rate steps-latency what-if usl
render noplan "$T_TMP/noplan/report.html" steps-rate steps-latency
render verdicts "$T_TMP/verdicts/report.html" steps-rate steps-latency what-if usl
render lb "$T_TMP/lb/report.html" latency-percentiles throughput latency-time
grep -q 'data-chart="what-if"\|data-chart="usl"' "$T_TMP/noplan/report.html" &&
    fail "noplan: capacity charts without a plan"
log ok
