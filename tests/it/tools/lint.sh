# tools/lint/check on a small tree of its own: a clean tree passes; each
# kind of finding fails it (exit 1) with FILE:LINE:COL and what to do: a
# file not laid out as clang-format lays it out, a banned call (everywhere,
# and a blocking call where only the worker's loop forbids it), an upward
# include, folders that include each other, an include without its folder,
# a folder that is not a layer, the simulator including more than base/.
# A name in a comment or a string, or a member called like a banned
# function, is not a finding.
. "$(dirname "$0")/../../lib/common.sh"
require_cmd clang-format

LINT=$GATECAP_TOP/tools/lint/check
R=$T_TMP/tree
mkdir -p "$R/harness/base" "$R/harness/net" "$R/harness/run" "$R/tools/gatewaysim" "$R/tests"
cp "$GATECAP_TOP/.clang-format" "$R/"

cat > "$R/harness/base/num.h" << 'EOF'
/* num.h */
#ifndef NUM_H
#define NUM_H

int num_parse(const char *s);

#endif
EOF
cat > "$R/harness/base/num.c" << 'EOF'
#include "base/num.h"

#include <stdlib.h>

/* atoi( would be banned; this is a comment */
int num_parse(const char *s)
{
    return (int)strtol(s, NULL, 10);
}
EOF
cat > "$R/harness/net/conn.c" << 'EOF'
#include <stdio.h>

#include "base/num.h"

struct ops {
    int (*open)(const char *path);
};

int conn_port(const struct ops *o, const char *s);

int conn_port(const struct ops *o, const char *s)
{
    static const char msg[] = "sleep(1) in a string is not a call";
    (void)msg;
    return o->open(s) + num_parse(s);
}
EOF
cat > "$R/harness/run/engine.c" << 'EOF'
#include <unistd.h>

#include "base/num.h"

/* The coordinator may block: sleep is banned only on the worker's loop. */
void engine_wait(void);

void engine_wait(void)
{
    sleep((unsigned)num_parse("1"));
}
EOF
cat > "$R/tools/gatewaysim/sim.c" << 'EOF'
#include "base/num.h"

int sim_port(void);

int sim_port(void)
{
    return num_parse("8280");
}
EOF

lint() { # lint CHECK...: runs the lint on the tree; sets OUT and RC
    RC=0
    OUT=$("$LINT" --root "$R" "$@" 2>&1) || RC=$?
}

lint
assert_eq "a clean tree passes ($OUT)" 0 "$RC"
assert_eq "and says nothing" "" "$OUT"

# Each fault alone, then restored: the expected finding, exit 1.
expect() { # expect WHAT CHECK NEEDLE: the lint fails with NEEDLE
    lint "$2"
    assert_eq "$1: exit code" 1 "$RC"
    assert_contains "$1" "$3" "$OUT"
}
with() { # with FILE: saves FILE (restore puts it back)
    cp "$R/$1" "$T_TMP/saved"
    SAVED=$1
}
restore() {
    cp "$T_TMP/saved" "$R/$SAVED"
    lint
    assert_eq "restored after the last fault ($OUT)" 0 "$RC"
}

with harness/base/num.c
printf 'int  num_twice(int x) { return 2*x; }\n' >> "$R/harness/base/num.c"
expect "format" format "harness/base/num.c:10:"
assert_contains "format says what to run" "clang-format -i harness/base/num.c" "$OUT"
restore

with harness/base/num.c
sed -i 's/return (int)strtol(s, NULL, 10);/return atoi(s);/' "$R/harness/base/num.c"
expect "a banned call" bans "harness/base/num.c:8:12: atoi is banned here"
restore

with harness/net/conn.c
sed -i 's/return o->open(s) + num_parse(s);/return fopen(s, "r") != NULL;/' "$R/harness/net/conn.c"
expect "a blocking call in net/" bans "harness/net/conn.c:15:12: fopen is banned here"
restore

with harness/base/num.c
sed -i 's|#include <stdlib.h>|#include <stdlib.h>\n\n#include "net/conn.h"|' "$R/harness/base/num.c"
: > "$R/harness/net/conn.h"
expect "an upward include" layers \
    'harness/base/num.c:5:10: base/ includes "net/conn.h" from a layer above it (net/)'
restore

with harness/run/engine.c
printf '#include "net/conn.h"\n' > "$R/harness/net/conn.h.new"
sed -i 's|#include "base/num.h"|#include "base/num.h"\n#include "net/conn.h"|' "$R/harness/run/engine.c"
sed -i 's|#include "base/num.h"|#include "base/num.h"\n#include "run/engine.h"|' "$R/harness/net/conn.c"
: > "$R/harness/run/engine.h"
expect "folders in a cycle" layers "harness: folders include each other in a cycle"
assert_contains "the upward half of the cycle" \
    'harness/net/conn.c:4:10: net/ includes "run/engine.h" from a layer above it (run/)' "$OUT"
rm -f "$R/harness/net/conn.h.new" "$R/harness/run/engine.h"
sed -i '/#include "run\/engine.h"/d' "$R/harness/net/conn.c"
restore

with harness/net/conn.c
sed -i 's|#include "base/num.h"|#include "num.h"|' "$R/harness/net/conn.c"
expect "an include without its folder" layers \
    'harness/net/conn.c:3:10: include "num.h" without its folder; write "net/num.h"'
restore

mkdir -p "$R/harness/misc"
cp "$R/harness/base/num.h" "$R/harness/misc/x.h"
expect "a folder that is not a layer" layers \
    "harness/misc/x.h:1:1: folder harness/misc is not a layer; add it to tools/lint/layers"
rm -r "$R/harness/misc"

with tools/gatewaysim/sim.c
sed -i 's|#include "base/num.h"|#include "base/num.h"\n#include "net/conn.h"|' "$R/tools/gatewaysim/sim.c"
: > "$R/harness/net/conn.h"
expect "the simulator beyond base/" layers \
    'tools/gatewaysim/sim.c:2:10: the simulator includes "net/conn.h"; it may use harness/base/ only'
rm -f "$R/harness/net/conn.h"
restore

# An unknown check is a usage error.
lint frobnicate
assert_eq "unknown check: exit code" 2 "$RC"
assert_contains "unknown check names the checks" "format, bans, layers" "$OUT"
log "ok"
