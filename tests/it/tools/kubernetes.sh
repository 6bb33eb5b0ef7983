# tools/kubernetes/ and tools/container/, offline (no API server, no image):
# - every manifest, and what `submit --dry-run` prints, is valid against
#   Kubernetes 1.33's OpenAPI schema (tests/node/k8s-validate.js, the
#   kubernetes-models package tools/install-deps test installs), unknown
#   fields included;
# - the contract with gatecap: an Indexed Job with parallelism = completions
#   = GATECAP_SHARDS = --shards, backoffLimitPerIndex 0, restartPolicy Never,
#   podReplacementPolicy Failed, FailJob on exit 2 and 3 of the gatecap
#   container, `run /scenario/scenario.yaml --start-at T -o
#   /results/RUN/shard-$(JOB_COMPLETION_INDEX)` (each index its own folder,
#   all in the folder the merge Job reads), the run id from the Job's
#   controller-uid label, the scenario's ConfigMap holding the file's exact
#   bytes, requests = limits, one generator per node, the RWX claim;
# - planted faults (a misspelt field, a bad enum, parallelism != completions,
#   a failure policy without exit 3) are caught, so this test can fail;
# - submit: `sh -n`, bad options exit 2, and its whole flow against a
#   stand-in kubectl (the order of applies, the verdict it exits with);
# - the Dockerfile's runtime packages hold every library gatecap links.
. "$(dirname "$0")/../../lib/common.sh"

K=$GATECAP_TOP/tools/kubernetes
SUBMIT=$K/submit
export GATECAP_NPM=$BUILD_DIR/npm
command -v node > /dev/null || fail "no node: tools/install-deps test installs Node.js (make test runs it)"
command -v jq > /dev/null || fail "no jq: tools/install-deps test installs it"
[ -f "$GATECAP_NPM/node_modules/kubernetes-models/package.json" ] ||
    fail "no kubernetes-models in $GATECAP_NPM: run BUILD=$BUILD tools/install-deps test (make test does)"
# Node loads the schema models in most of a second: each run of the
# validator checks many files (--jsonl-beside: FILE.jsonl per FILE).
validate() { node "$GATECAP_TOP/tests/node/k8s-validate.js" "$@"; }

# --- submit is POSIX sh
sh -n "$SUBMIT" || fail "sh -n tools/kubernetes/submit"
if command -v dash > /dev/null; then dash -n "$SUBMIT" || fail "dash -n tools/kubernetes/submit"; fi

# --- a run as submit would apply it: the scenario, a feeder whose first
# line starts with spaces and that ends in blank lines, a file without a
# final newline, and one with carriage returns (binaryData)
S=$T_TMP/scen
mkdir -p "$S"
cp "$GATECAP_TOP/scenarios/smoke.yaml" "$S/smoke.yaml"
printf '  id,name\n1,a\n\n\n' > "$S/rows.csv"
printf 'no final newline\n  indented: | not yaml' > "$S/body.txt"
printf 'a\r\nb\r\n' > "$S/crlf.txt"
RUN=r42
N=4
START=2026-12-02T10:00:00Z
dry() { "$SUBMIT" "$S/smoke.yaml" --shards $N --image registry.example/gatecap:1.0 --run $RUN --start-at $START \
    --file "$S/rows.csv" --file "$S/body.txt" --file "$S/crlf.txt" --dry-run "$@"; }
dry > "$T_TMP/run.yaml" || fail "submit --dry-run failed"
cp "$K/pvc.yaml" "$T_TMP/pvc.yaml"
validate --jsonl-beside "$T_TMP/pvc.yaml" "$T_TMP/run.yaml" > "$T_TMP/run.out" ||
    { cat "$T_TMP/run.out" >&2; fail "pvc.yaml or submit's manifests are not valid"; }
log "$(tr '\n' ';' < "$T_TMP/run.out")"
assert_eq "documents" 4 "$(grep -c ': ok$' "$T_TMP/run.out")"
mv "$T_TMP/run.yaml.jsonl" "$T_TMP/run.jsonl"
if grep -n '@[A-Z_]*@' "$T_TMP/run.yaml"; then fail "a placeholder was left"; fi

# the claim
assert_eq "claim name" gatecap-results "$(jq -r .metadata.name "$T_TMP/pvc.yaml.jsonl")"
assert_eq "claim is ReadWriteMany" true "$(jq '.spec.accessModes | index("ReadWriteMany") != null' "$T_TMP/pvc.yaml.jsonl")"

# the ConfigMap gives back each file's exact bytes
cm() { jq -s -j "map(select(.kind == \"ConfigMap\"))[0] | $1" "$T_TMP/run.jsonl"; }
cm '.data["scenario.yaml"]' > "$T_TMP/got.yaml"
cmp "$S/smoke.yaml" "$T_TMP/got.yaml" || fail "the ConfigMap's scenario.yaml differs from the scenario"
cm '.data["rows.csv"]' > "$T_TMP/got.csv"
cmp "$S/rows.csv" "$T_TMP/got.csv" || fail "rows.csv differs"
cm '.data["body.txt"]' > "$T_TMP/got.txt"
cmp "$S/body.txt" "$T_TMP/got.txt" || fail "body.txt differs"
cm '.binaryData["crlf.txt"]' | base64 -d > "$T_TMP/got.crlf"
cmp "$S/crlf.txt" "$T_TMP/got.crlf" || fail "crlf.txt differs"

# The contract, as jq over the documents (JSON lines): prints one line per
# breach, nothing when the manifests keep it.
contract() { # contract JSONL SHARDS RUN START
    jq -r -s --arg n "$2" --arg run "$3" --arg start "$4" '
      def one($what): if length == 1 then .[0] else error("want one \($what), found \(length)") end;
      def reqlim($who): if (.resources.requests // {}) != (.resources.limits // {})
            or .resources.requests.cpu == null or .resources.requests.memory == null
          then "\($who): requests != limits, or no cpu or memory" else empty end;
      (map(select(.kind == "Job" and .spec.completionMode == "Indexed")) | one("Indexed Job")) as $j
      | (map(select(.kind == "Job" and .spec.completionMode != "Indexed")) | one("merge Job")) as $m
      | (map(select(.kind == "ConfigMap")) | one("ConfigMap")) as $cm
      | $j.spec as $s | $s.template.spec as $p
      | ($p.containers | map(select(.name == "gatecap")) | one("gatecap container")) as $c
      | ($m.spec.template.spec.containers | map(select(.name == "gatecap")) | one("merge gatecap container")) as $mc
      | (($c.env // []) | map({(.name): .}) | add // {}) as $env
      | ($c.args // []) as $a
      | ($a | index("-o")) as $o
      | (if $o == null then null else $a[$o + 1] end) as $out
      | ($p.volumes | map({(.name): .}) | add) as $vols
      | ($m.spec.template.spec.volumes | map({(.name): .}) | add) as $mvols
      | def claim($c; $vols; $at): ($c.volumeMounts // []) | map(select(.mountPath == $at))
            | if length == 1 then $vols[.[0].name].persistentVolumeClaim.claimName else null end;
      [
        (if $s.parallelism != $s.completions then "parallelism \($s.parallelism) != completions \($s.completions)" else empty end),
        (if ($s.completions | tostring) != $n then "completions \($s.completions) != --shards \($n)" else empty end),
        (if $env.GATECAP_SHARDS.value != ($s.completions | tostring) then "GATECAP_SHARDS \($env.GATECAP_SHARDS.value) != completions \($s.completions)" else empty end),
        (if $s.backoffLimitPerIndex != 0 then "backoffLimitPerIndex is \($s.backoffLimitPerIndex), not 0" else empty end),
        (if $p.restartPolicy != "Never" then "restartPolicy is \($p.restartPolicy), not Never" else empty end),
        (if $s.podReplacementPolicy != "Failed" then "podReplacementPolicy is not Failed" else empty end),
        ([$s.podFailurePolicy.rules[]? | select(.action == "FailJob" and .onExitCodes.containerName == "gatecap"
            and .onExitCodes.operator == "In") | .onExitCodes.values[]] as $codes
          | if ($codes | index(2)) == null or ($codes | index(3)) == null
            then "no FailJob rule on exit codes 2 and 3 of the gatecap container (has \($codes))" else empty end),
        (if ($s.activeDeadlineSeconds // 0) <= 0 or $s.ttlSecondsAfterFinished == null then "no activeDeadlineSeconds or ttlSecondsAfterFinished" else empty end),
        (if $a[0] != "run" or $a[1] != "/scenario/scenario.yaml" then "args do not start with run /scenario/scenario.yaml: \($a)" else empty end),
        (($a | index("--start-at")) as $i | if $i == null or $a[$i + 1] != $start then "no --start-at \($start) in \($a)" else empty end),
        (if $out != "/results/\($run)/shard-$(JOB_COMPLETION_INDEX)" then "-o is \($out), not /results/\($run)/shard-$(JOB_COMPLETION_INDEX)" else empty end),
        (if $env.GATECAP_RUN_ID.valueFrom.fieldRef.fieldPath != "metadata.labels['"'"'batch.kubernetes.io/controller-uid'"'"']"
          then "GATECAP_RUN_ID does not come from the controller-uid label" else empty end),
        (($c.volumeMounts // []) | map(select(.mountPath == "/scenario")) as $sm
          | if ($sm | length) != 1 or $vols[$sm[0].name].configMap.name != $cm.metadata.name
            then "/scenario is not the ConfigMap \($cm.metadata.name)" else empty end),
        (if $cm.data["scenario.yaml"] == null then "the ConfigMap has no scenario.yaml" else empty end),
        (if claim($c; $vols; "/results") != "gatecap-results" then "/results is not the gatecap-results claim" else empty end),
        (if claim($mc; $mvols; "/results") != "gatecap-results" then "the merge Job does not mount gatecap-results at /results" else empty end),
        ($c | reqlim("generator")), ($mc | reqlim("merge")),
        ([$p.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[]?
            | select(.topologyKey == "kubernetes.io/hostname")
            | select(.labelSelector.matchLabels as $sel | $s.template.metadata.labels | contains($sel))] as $aa
          | if ($aa | length) == 0 then "no required anti-affinity per node matching the generators" else empty end),
        (if $mc.args != ["merge", "/results/\($run)", "-o", "/results/\($run)/merged"] then "merge args are \($mc.args)" else empty end),
        (if ($out // "" | sub("/shard-\\$\\(JOB_COMPLETION_INDEX\\)$"; "")) != $mc.args[1] then "the shards are not written where merge reads" else empty end),
        (if $m.metadata.name != "\($j.metadata.name)-merge" then "merge Job is \($m.metadata.name), submit waits for \($j.metadata.name)-merge" else empty end)
      ] | .[]' "$1"
}
breaches=$(contract "$T_TMP/run.jsonl" $N $RUN $START) || fail "the contract check itself failed"
[ -z "$breaches" ] || fail "contract: $breaches"

# Each index its own folder, all of them where merge looks: the kubelet's
# $(JOB_COMPLETION_INDEX) expansion, done here for every index.
out=$(jq -r -s 'map(select(.spec.completionMode == "Indexed"))[0].spec.template.spec.containers[0].args | .[index("-o") + 1]' "$T_TMP/run.jsonl")
mdir=$(jq -r -s 'map(select(.kind == "Job" and .spec.completionMode != "Indexed"))[0].spec.template.spec.containers[0].args[1]' "$T_TMP/run.jsonl")
dirs=""
for ((i = 0; i < N; i++)); do
    d=${out//\$(JOB_COMPLETION_INDEX)/$i}
    assert_eq "shard $i folder" "$mdir/shard-$i" "$d"
    dirs="$dirs $d"
done
assert_eq "distinct folders" $N "$(printf '%s\n' $dirs | sort -u | wc -l)"

# --- planted faults: each must be caught, by the schema or by the contract
PLANTED=()
plant() { # plant NAME SED-EXPRESSION WHO EXPECTED-TEXT
    sed -e "$2" "$T_TMP/run.yaml" > "$T_TMP/bad-$1.yaml"
    ! cmp -s "$T_TMP/run.yaml" "$T_TMP/bad-$1.yaml" || fail "planting $1 changed nothing"
    PLANTED+=("$1|$3|$4")
}
plant misspelt 's/^  backoffLimitPerIndex: 0/  backoffLimitPerIndx: 0/' schema 'unknown field "backoffLimitPerIndx"'
plant nested 's/imagePullPolicy: IfNotPresent/imagePulPolicy: IfNotPresent/' schema 'containers/0/imagePulPolicy: unknown field'
plant enum 's/restartPolicy: Never  /restartPolicy: Sometimes  /' schema '/spec/template/spec/restartPolicy: must be equal to one of the allowed values'
plant type 's/^  completions: 4/  completions: four/' schema '/spec/completions: must be integer'
plant parallelism 's/^  parallelism: 4/  parallelism: 3/' contract 'parallelism 3 != completions 4'
plant exit3 's/values: \[2, 3\]/values: [2]/' contract 'no FailJob rule on exit codes 2 and 3'
plant outdir 's|/shard-$(JOB_COMPLETION_INDEX)|/shard|' contract 'not /results/r42/shard-$(JOB_COMPLETION_INDEX)'
plant shards 's/value: "4"/value: "3"/' contract 'GATECAP_SHARDS 3 != completions 4'
rc=0; validate --jsonl-beside "$T_TMP"/bad-*.yaml > "$T_TMP/bad.out" || rc=$?
assert_eq "validator on the planted faults" 1 "$rc"
for p in "${PLANTED[@]}"; do
    IFS='|' read -r name who want <<< "$p"
    said=$(grep -F "$T_TMP/bad-$name.yaml:" "$T_TMP/bad.out" | grep -v ': ok$' || true)
    if [ "$who" = schema ]; then
        assert_contains "validator on $name" "$want" "$said"
    else
        [ -z "$said" ] || fail "$name should pass the schema: $said"
        assert_contains "contract on $name" "$want" "$(contract "$T_TMP/bad-$name.yaml.jsonl" $N $RUN $START)"
    fi
    log "planted $name: caught"
done

# --- submit's bad options: exit 2, nothing printed on stdout
bad() { # bad WHAT ARGS...
    local what=$1; shift
    rc=0; "$SUBMIT" "$@" > "$T_TMP/bad.out" 2> "$T_TMP/bad.err" || rc=$?
    assert_eq "submit $what" 2 "$rc"
    [ ! -s "$T_TMP/bad.out" ] || fail "submit $what printed manifests"
}
I=(--image registry.example/gatecap:1.0 --dry-run)
bad "without --shards" "$S/smoke.yaml" "${I[@]}"
bad "--shards 0" "$S/smoke.yaml" --shards 0 "${I[@]}"
bad "missing scenario" "$S/nope.yaml" --shards 2 "${I[@]}"
bad "upper-case run" "$S/smoke.yaml" --shards 2 --run Run1 "${I[@]}"
bad "local start time" "$S/smoke.yaml" --shards 2 --start-at '2026-12-02 10:00' "${I[@]}"
bad "image with a space" "$S/smoke.yaml" --shards 2 --image 'a b' --dry-run
bad "sed-breaking image" "$S/smoke.yaml" --shards 2 --image 'a|b' --dry-run
bad "unknown option" "$S/smoke.yaml" --shards 2 --bogus "${I[@]}"
bad "two files of one name" "$S/smoke.yaml" --shards 2 --file "$S/rows.csv" --file "$S/rows.csv" "${I[@]}"
assert_contains "its message" "two files named rows.csv" "$(cat "$T_TMP/bad.err")"

# --- a start time from --lead: RFC 3339 UTC, in the future
"$SUBMIT" "$S/smoke.yaml" --shards 2 --image registry.example/gatecap:1.0 --lead 300 --dry-run > "$T_TMP/lead.yaml"
t=$(grep -A1 -- '- --start-at' "$T_TMP/lead.yaml" | sed -n '2s/.*"\(.*\)".*/\1/p')
[[ $t =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] || fail "start time '$t' from --lead"
assert_ge "start time after now" $(($(date -u +%s) + 1)) "$(date -u -d "$t" +%s)"

# --- submit's flow against a stand-in kubectl: what it applies, in which
# order, and the verdict it exits with
mkdir -p "$T_TMP/bin"
cat > "$T_TMP/bin/kubectl" << 'EOF'
#!/bin/sh
# A stand-in for kubectl: logs each call, keeps what is applied, answers
# from FAKE_RUN (Complete/Failed), FAKE_MERGE and FAKE_RC.
echo "$*" >> "$FAKE_DIR/calls"
case "$*" in
    "get pvc gatecap-results") exit 0 ;;
    "apply -f "*) { cat "$3"; echo "---"; } >> "$FAKE_DIR/applied.yaml"; echo "applied $3" ;;
    "get job "*"{.metadata.uid}") echo 0b5e7c1e-uid ;;
    "get job "*"failedIndexes"*) echo "  BackoffLimitExceeded: ...; failed indexes: 2" ;;
    "get job "*"-merge -o "*"conditions"*) echo "$FAKE_MERGE " ;;
    "get job "*"conditions"*) echo "$FAKE_RUN " ;;
    "get pods "*"-merge "*) printf '%s' "$FAKE_RC" ;;
    "get pods "*) echo "  pod-2: Failed, exit 3" ;;
    "logs job/"*) echo "MERGED SUMMARY" ;;
    *) echo "stand-in kubectl: unexpected: $*" >&2; exit 1 ;;
esac
EOF
chmod +x "$T_TMP/bin/kubectl"
flow() { # flow RUN-STATE MERGE-STATE MERGE-RC -> submit's exit code
    export FAKE_DIR=$T_TMP/fake FAKE_RUN=$1 FAKE_MERGE=$2 FAKE_RC=$3
    rm -rf "$FAKE_DIR"; mkdir -p "$FAKE_DIR"
    rc=0
    PATH="$T_TMP/bin:$PATH" "$SUBMIT" "$S/smoke.yaml" --shards 3 --image registry.example/gatecap:1.0 --run f1 \
        --start-at $START > "$FAKE_DIR/out" 2> "$FAKE_DIR/err" || rc=$?
    echo $rc
}
assert_eq "run Complete, merge passes" 0 "$(flow Complete Complete 0)"
assert_eq "apply order" "run.yaml merge.yaml" "$(grep '^apply -f ' "$T_TMP/fake/calls" | sed 's|.*/||' | tr '\n' ' ' | sed 's/ $//')"
validate --jsonl-beside "$T_TMP/fake/applied.yaml" > "$T_TMP/fake/v.out" ||
    { cat "$T_TMP/fake/v.out" >&2; fail "what submit applied is not valid"; }
breaches=$(contract "$T_TMP/fake/applied.yaml.jsonl" 3 f1 $START)
[ -z "$breaches" ] || fail "contract of what submit applied: $breaches"
assert_contains "summary on stdout" "MERGED SUMMARY" "$(cat "$T_TMP/fake/out")"
assert_contains "where the results are" "/results/f1/merged/" "$(cat "$T_TMP/fake/err")"
assert_contains "the run id" "0b5e7c1e-uid" "$(cat "$T_TMP/fake/err")"
assert_eq "a gate failed" 1 "$(flow Complete Failed 1)"
assert_eq "merge: shards missing" 3 "$(flow Complete Failed 3)"
assert_eq "run Job failed, merge says 0" 3 "$(flow Failed Complete 0)"
assert_contains "a lost shard is named" "failed indexes: 2" "$(cat "$T_TMP/fake/err")"
assert_eq "merge never ran (no exit code)" 3 "$(flow Complete Failed '')"
rc=0; PATH="$T_TMP/bin:$PATH" FAKE_DIR=$T_TMP/fake "$SUBMIT" "$S/smoke.yaml" --shards 2 \
    --image registry.example/gatecap:1.0 -n load --start-at $START > /dev/null 2>&1 || rc=$?
assert_contains "namespace passed" "--namespace load get pvc gatecap-results" "$(cat "$T_TMP/fake/calls")"
# without kubectl: the commands submit uses, and no kubectl
mkdir -p "$T_TMP/nok"
for c in sh dirname sed grep date mktemp rm cat iconv tr wc tail od awk basename base64; do
    ln -s "$(command -v $c)" "$T_TMP/nok/$c"
done
rc=0; PATH=$T_TMP/nok "$T_TMP/nok/sh" "$SUBMIT" "$S/smoke.yaml" --shards 2 --image x --start-at $START \
    > /dev/null 2> "$T_TMP/nokubectl.err" || rc=$?
assert_eq "no kubectl" 2 "$rc"
assert_contains "its message" "kubectl is not on PATH" "$(cat "$T_TMP/nokubectl.err")"

# --- the image: its runtime packages hold every library gatecap links
# (readelf's NEEDED entries, each file's Debian package)
D=$GATECAP_TOP/tools/container/Dockerfile
[ -x "$GATECAP" ] || fail "no $GATECAP (make builds it)"
grep -q '^FROM debian:bookworm-slim AS build' "$D" || fail "the build stage is not debian:bookworm-slim"
grep -q 'tools/install-deps build' "$D" || fail "the build stage does not install the build set"
grep -q '^ENTRYPOINT \["/usr/local/bin/gatecap"\]' "$D" || fail "ENTRYPOINT is not gatecap"
grep -q '^USER 10001' "$D" || fail "the image does not run as uid 10001 (runAsUser in the manifests)"
runtime=$(sed -n '/^# runtime-packages:/,/^ && rm/p' "$D" | tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' || true)
for lib in $(readelf -d "$GATECAP" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
    case $lib in libasan* | libubsan* | libtsan* | liblsan*) continue ;; esac # a sanitizer build
    path=$(ldd "$GATECAP" | awk -v l="$lib" '$1 == l { print $3 }')
    [ -n "$path" ] || fail "ldd does not resolve $lib"
    # dpkg knows a file by the path its package ships (/lib or /usr/lib)
    pkg=""
    for f in "$path" "$(readlink -f "$path")"; do
        for g in "$f" "${f#/usr}" "/usr${f#/usr}"; do
            [ -n "$pkg" ] || pkg=$(dpkg -S "$g" 2> /dev/null | head -n 1 | cut -d: -f1 || true)
        done
    done
    [ -n "$pkg" ] || fail "no Debian package owns $path ($lib)"
    case $pkg in libc6) continue ;; esac # in the base image
    printf '%s\n' $runtime | grep -qx "$pkg" || fail "$lib comes from $pkg, which the Dockerfile's runtime stage does not install"
    log "$lib: $pkg"
done
printf '%s\n' $runtime | grep -qx ca-certificates || fail "no ca-certificates in the runtime stage"
log "ok"
