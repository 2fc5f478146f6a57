#!/usr/bin/env bash
# gate: days: each day's checkpoint, run on the reference solutions (make day-NN IMPL=solution), prints what its README shows
#
# A day's README shows, in the fenced block that starts with "Day N
# checkpoint", what `make day-NN` prints once the day's work is done. This
# runs every day against the reference solutions and compares, line for line,
# so a new test (a count changes) or a renamed level cannot leave a README
# promising something else. The day's exit status must be 0 as well.
set -u
cd "$(dirname "$0")/../.." || exit 2
root=${BUILD_ROOT:-build}/days
bad=0
for readme in day-0[1-7]/README.md; do
    dd=${readme%%/*}
    dd=${dd#day-}
    want=$(awk '/^```/ { if (inblock) exit; fence = 1; next }
        fence && /^Day [0-9]+ checkpoint/ { inblock = 1 }
        inblock { print }
        { fence = 0 }' "$readme")
    if [ -z "$want" ]; then
        echo "$readme: no checkpoint block (a fenced block starting with \"Day N checkpoint\")"
        bad=1
        continue
    fi
    got=$(NO_COLOR=1 BUILD_ROOT=$root harness/bin/day "$dd" solution 2>&1)
    status=$?
    if [ "$status" -ne 0 ]; then
        echo "day-$dd: make day-$dd IMPL=solution ended with status $status:"
        echo "$got" | sed 's/^/    /'
        bad=1
    elif [ "$got" != "$want" ]; then
        echo "$readme shows another checkpoint than make day-$dd IMPL=solution prints (< README, > printed):"
        diff <(echo "$want") <(echo "$got") | grep '^[<>]' | sed 's/^/    /'
        bad=1
    else
        echo "day-$dd: $(echo "$got" | grep -c ' pass$') level lines, as the README shows"
    fi
done
exit $bad
