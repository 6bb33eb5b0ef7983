# tests/lib/docblock.sh — the commands and files a page of docs/ shows,
# for tests that run them as written. Source after common.sh.
#
# A block is marked in the page's source by a line `<!-- test: NAME -->`
# (invisible once rendered) right before a fenced code block (``` ... ```),
# which may be indented (in a list item).
#
#   doc_block FILE NAME     print block NAME of FILE, without the fence's
#                           indentation; fails the test when FILE has none
#   doc_expected TEXT       print the expected-output lines of a shell
#                           block: those written `#   OUTPUT` (a comment,
#                           three spaces, then what the command prints)
#   doc_check NAME TEXT OUT fail unless every expected-output line of the
#                           shell block TEXT is a line of OUT

doc_block() {
    local out
    out=$(awk -v want="<!-- test: $2 -->" '
        st == 0 { t = $0; sub(/^[ \t]+/, "", t); sub(/[ \t]+$/, "", t); if (t == want) st = 1; next }
        st == 1 { if ($0 ~ /^[ \t]*```/) { match($0, /^[ \t]*/); ind = RLENGTH; st = 2; next }
                  if ($0 ~ /[^ \t]/) exit 1; next }
        st == 2 { if ($0 ~ /^[ \t]*```[ \t]*$/) { st = 3; exit }
                  print substr($0, ind + 1) }
        END { if (st != 3) exit 1 }' "$1") || fail "$1 has no block marked <!-- test: $2 --> (the test and the page must stay in step)"
    printf '%s\n' "$out"
}

doc_expected() {
    sed -n 's/^#   //p' <<< "$1"
}

doc_check() {
    local line
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        grep -qxF -- "$line" <<< "$3" || fail "$1: expected the line '$line'; the commands printed:
$3"
    done < <(doc_expected "$2")
}
