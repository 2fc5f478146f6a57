#!/usr/bin/env bash
# gate: gradescope: the autograder package grades a submission in a fake /autograder and writes valid results.json
set -u
cd "$(dirname "$0")/../.." || exit 2
tmp=$(mktemp -d /tmp/wb-gradescope.XXXXXX)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
export WB_TIMEOUT=10 NO_COLOR=1
harness/bin/gradescope "$tmp/autograder.zip" || exit 1
mkdir -p "$tmp/autograder/source" "$tmp/autograder/submission/lru_cache"
(cd "$tmp/autograder/source" && unzip -qq "$tmp/autograder.zip") || exit 1
bash -n "$tmp/autograder/source/setup.sh" || { echo "setup.sh is not valid bash"; exit 1; }
cp solutions/lru_cache/lru_cache.c "$tmp/autograder/submission/lru_cache/"
AUTOGRADER_ROOT=$tmp/autograder GRADE_EXERCISES=${GRADE_EXERCISES:-} \
    "$tmp/autograder/source/run_autograder" >"$tmp/run.log" 2>&1
json=$tmp/autograder/results/results.json
[ -s "$json" ] || { echo "no results.json; the run said: $(tail -n 5 "$tmp/run.log")"; exit 1; }
jq -e '
    (.score | type == "number") and (.tests | type == "array") and (.tests | length > 0)
    and all(.tests[]; (.name | type == "string") and (.score | type == "number")
        and (.max_score | type == "number") and (.status == "passed" or .status == "failed")
        and (.output | type == "string") and (.visibility | type == "string"))' "$json" >/dev/null ||
    { echo "results.json does not follow Gradescope's format"; exit 1; }
want=$(awk '$1 == "level" && $2 == "lru_cache" { s += $4 } END { print s }' harness/manifest)
got=$(jq '[.tests[] | select(.name | startswith("lru_cache:")) | .score] | add' "$json")
awk -v g="$got" -v w="$want" 'BEGIN { exit !(g + 0.01 >= w && g - 0.01 <= w) }' ||
    { echo "the reference lru_cache scored $got of $want through run_autograder"; exit 1; }
echo "run_autograder graded the reference lru_cache $got of $want; results.json is valid"
