#!/usr/bin/env bash
# gate: grader: broken and hostile submissions get exactly what the honest tests give, in bounded time, touching nothing outside
#
# Builds submissions from the reference lru_cache (harness/tests/grader/faults.tsv
# plants the faults), grades each with harness/bin/grade, and compares every
# test's verdict with an honest run of a safe stand-in. Also: archives (.tar.gz,
# .zip, a whole workbook checkout), a submission that does not compile (the
# other exercises still graded), one with files missing, one that edits the
# tests and the header, archives with absolute paths and `..` (rejected,
# nothing written outside), the time bound, no process left behind, the
# workbook tree unchanged, and valid Gradescope JSON and JUnit XML.
set -u
cd "$(dirname "$0")/../.." || exit 2
. harness/bin/lib.sh
tmp=$(mktemp -d /tmp/wb-grader.XXXXXX)
chmod 755 "$tmp"
trap 'rm -rf "$tmp" /tmp/wb-grader-escape-*' EXIT
export WB_TIMEOUT=${GRADER_TIMEOUT:-5} GRADE_EXERCISE_LIMIT=${GRADER_EXERCISE_LIMIT:-300} NO_COLOR=1
# (300 s, the grader's own default: under a fork bomb or a memory hog the tests that
# failed beside it are run again alone, and those that really hang take 5 s each;
# those retries must fit in the exercise's time, on a slow machine too.)
export GRADE_CACHE=${BUILD_ROOT:-build}/grade-cache
# A uid of this run's own: grading kills every process of its uid after each run.
# (and each fixture below, graded side by side with another, gets the next one).
uid_base=$((62000 + $$ % 500 * 2 * 32))
bound=$((GRADE_EXERCISE_LIMIT + 90)) # seconds a submission may take here: the exercise's time plus builds
fail() {
    echo "FAIL: $*" | tee -a "$tmp/failures"
}
cc=$(wb_ccname)
tree_before=$(git status --porcelain 2>/dev/null | grep -v '^?? build/' | sort)

# ---- making submissions ----

# variant FUNCTION CODE DEST: the reference with CODE at the top of FUNCTION (* = all public).
variant() {
    local fn=$1 code=$2 dest=$3
    mkdir -p "$dest"
    {
        printf '#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <time.h>\n#include <unistd.h>\n#include "wb/todo.h"\n'
        # The code goes through the environment: awk -v would turn its \n into newlines.
        FN=$fn CODE=$code awk '
            /^[a-z]/ && !/^static/ && !/;[ \t]*$/ {
                fn = ENVIRON["FN"]
                if ((fn == "*" && $0 ~ /lru_[a-z_]+\(/) || index($0, fn "(") > 0) armed = 1
            }
            { print }
            armed && $0 == "{" { print "    " ENVIRON["CODE"]; armed = 0 }' solutions/lru_cache/lru_cache.c
    } >"$dest/lru_cache.c"
}

# honest DIR: the verdicts of an ordinary run of the implementation in DIR ("suite/test VERDICT").
honest() {
    local dir=$1 impl=twin-$(basename "$(dirname "$dir")")
    # One build at a time: the honest runs share their test objects.
    BUILD_ROOT=$tmp/build flock "$tmp/build.lock" make -s -f harness/mk/build.mk EX=lru_cache \
        IMPL="$impl" IMPL_DIR="$dir" VARIANT=plain tests >"$tmp/$impl.build" 2>&1 ||
        { fail "cannot build the honest stand-in $dir: $(tail -n 2 "$tmp/$impl.build")"; return 1; }
    # A generous time limit: a loaded machine must not change the honest verdicts.
    BUILD_ROOT=$tmp/build WB_TIMEOUT=30 WB_WATCHDOG=300 harness/bin/run-tests --ex lru_cache --impl "$impl" --quiet \
        --bin "$tmp/build/$cc/plain/impl/$impl/lru_cache/test_lru_cache" --results "$tmp/$impl.tsv" >/dev/null 2>&1
    [ -s "$tmp/$impl.tsv" ] || { fail "the honest run of $dir wrote no results"; return 1; }
    awk -F '\t' '!/^#/ { print $1 "/" $2, ($3 == "PASS" ? "PASS" : "FAIL") }' "$tmp/$impl.tsv" | sort
}

# graded OUT: the grader's verdicts for lru_cache, in the same form.
graded() {
    awk -F '\t' '$1 == "lru_cache" && $2 == "plain" { print $3 "/" $4, ($5 == "PASS" ? "PASS" : "FAIL") }' "$1/tests.tsv" | sort
}

# grade NAME SUBMISSION: grades it, timed; checks the time bound and the reports.
fixtures=0
grade() {
    local name=$1 sub=$2 t0 took
    t0=$(date +%s)
    GRADE_UID=$((uid_base + ${3:-0})) \
        harness/bin/grade "$sub" --out "$tmp/out/$name" --name "$name" >"$tmp/$name.log" 2>&1 ||
        fail "$name: the grader itself failed (status $?): $(tail -n 3 "$tmp/$name.log")"
    took=$(($(date +%s) - t0))
    [ "$took" -le "$bound" ] || fail "$name: grading took $took s, more than the stated $bound s"
    reports_valid "$name" "$tmp/out/$name"
    echo "$name: graded in $took s: $(cat "$tmp/out/$name/summary.txt" 2>/dev/null)"
}

reports_valid() {
    local name=$1 out=$2
    [ -s "$out/results.json" ] || { fail "$name: no results.json"; return; }
    jq -e '
        (.score | type == "number") and (.tests | type == "array") and (.tests | length > 0)
        and all(.tests[]; (.name | type == "string") and (.score | type == "number")
            and (.max_score | type == "number") and (.status == "passed" or .status == "failed")
            and (.output | type == "string") and (.visibility | type == "string")
            and .score <= .max_score + 0.001)
        and ((([.tests[].score] | add) - .score) | fabs < 0.05)' "$out/results.json" >/dev/null ||
        fail "$name: results.json is not valid Gradescope output"
    xmllint --noout "$out/junit.xml" 2>/dev/null || fail "$name: junit.xml is not well-formed XML"
}

# same_as_honest NAME HONEST_DIR: every test's verdict equals the honest run's.
same_as_honest() {
    local name=$1 dir=$2 diff
    diff=$(diff <(honest "$dir") <(graded "$tmp/out/$name") | grep '^[<>]' | head -n 4)
    [ -z "$diff" ] || fail "$name: the grade differs from the honest run: $(echo "$diff" | tr '\n' ' ')"
}

score_of() { # OUT EXERCISE
    awk -F '\t' -v ex="$2" '$1 == ex { s += $6 } END { printf "%.2f", s }' "$1/tests.tsv"
}

# ---- the planted faults: the heavy ones one after another, the light ones beside them ----
# The honest runs share their test objects: build them once, before the jobs start.
BUILD_ROOT=$tmp/build make -s -f harness/mk/build.mk EX=lru_cache IMPL=solution VARIANT=plain tests >/dev/null 2>&1
# The workbook's own test lists too, as grade-all does, so no fixture's time includes them.
harness/bin/grade --prepare >"$tmp/prepare.log" 2>&1 || fail "grade --prepare failed: $(tail -n 3 "$tmp/prepare.log")"
while IFS=$'\t' read -r name load fn twin code; do
    case $name in '' | \#*) continue ;; esac
    case $load in heavy | light) ;; *) fail "faults.tsv: $name: the load is '$load', neither heavy nor light" && continue ;; esac
    fixtures=$((fixtures + 1))
    variant "$fn" "$code" "$tmp/subs/$name/lru_cache"
    if [ "$twin" = todo ]; then
        variant "$fn" "TODO(1, 0);" "$tmp/twins/$name/lru_cache"
    else
        mkdir -p "$tmp/twins/$name/lru_cache"
        cp solutions/lru_cache/lru_cache.c "$tmp/twins/$name/lru_cache/"
    fi
    printf '%s\t%s\n' "$fixtures" "$name" >>"$tmp/lane-$load"
done <harness/tests/grader/faults.tsv
for load in heavy light; do
    [ -s "$tmp/lane-$load" ] || continue
    while IFS=$'\t' read -r n name; do
        grade "$name" "$tmp/subs/$name" "$n"
        same_as_honest "$name" "$tmp/twins/$name/lru_cache"
    done <"$tmp/lane-$load" &
done
wait

[ "$(score_of "$tmp/out/fake-summary" lru_cache)" = "0.00" ] || fail "fake-summary: printed passing lines earned points"
log_size=$(stat -c %s "$tmp/out/gigabyte/logs/lru_cache-plain.log" 2>/dev/null || echo 0)
[ "$log_size" -le 1048576 ] || fail "gigabyte: the kept log is $log_size bytes, more than the 1 MiB cap"

# ---- the reference, as a folder, a tar.gz of a whole checkout, and a zip ----
mkdir -p "$tmp/subs/perfect/lru_cache" "$tmp/subs/checkout/exercises/lru_cache"
cp solutions/lru_cache/lru_cache.c "$tmp/subs/perfect/lru_cache/"
cp solutions/lru_cache/lru_cache.c "$tmp/subs/checkout/exercises/lru_cache/"
grade perfect "$tmp/subs/perfect"
full=$(score_of "$tmp/out/perfect" lru_cache)
[ "$full" = "$(awk '$1 == "level" && $2 == "lru_cache" { s += $4 } END { printf "%.2f", s }' "$MANIFEST")" ] ||
    fail "perfect: the reference scored $full, not every point of lru_cache"
tar -czf "$tmp/checkout.tar.gz" -C "$tmp/subs" checkout
(cd "$tmp/subs/perfect" && zip -qr "$tmp/perfect.zip" lru_cache)
grade tarball "$tmp/checkout.tar.gz"
grade zipped "$tmp/perfect.zip"
for n in tarball zipped; do
    [ "$(score_of "$tmp/out/$n" lru_cache)" = "$full" ] || fail "$n: scored $(score_of "$tmp/out/$n" lru_cache), expected $full"
done

# ---- does not compile: that exercise scores 0 with the errors; the others are graded ----
mkdir -p "$tmp/subs/broken/lru_cache"
printf '#include "lru_cache.h"\nthis is not C;\n' >"$tmp/subs/broken/lru_cache/lru_cache.c"
others=()
for ex in ${GRADE_EXERCISES:-$(wb_exercises)}; do
    [ "$ex" = lru_cache ] && continue
    mkdir -p "$tmp/subs/broken/$ex"
    cp solutions/"$ex"/*.c "$tmp/subs/broken/$ex/"
    others+=("$ex")
done
grade broken "$tmp/subs/broken"
[ "$(score_of "$tmp/out/broken" lru_cache)" = "0.00" ] || fail "broken: lru_cache does not compile but scored points"
grep -q "lru_cache: does not compile:.*error" "$tmp/out/broken/notes.txt" || fail "broken: the report does not show the compiler's first errors"
for ex in "${others[@]}"; do
    want=$(awk -v ex="$ex" '$1 == "level" && $2 == ex { s += $4 } END { printf "%.2f", s }' "$MANIFEST")
    [ "$(score_of "$tmp/out/broken" "$ex")" = "$want" ] ||
        fail "broken: $ex (the reference) scored $(score_of "$tmp/out/broken" "$ex") of $want beside a broken lru_cache"
done

# ---- missing files ----
mkdir -p "$tmp/subs/missing"
echo "I forgot the code" >"$tmp/subs/missing/README.txt"
grade missing "$tmp/subs/missing"
[ "$(score_of "$tmp/out/missing" lru_cache)" = "0.00" ] || fail "missing: no code, yet points"
grep -q "lru_cache: no implementation" "$tmp/out/missing/notes.txt" || fail "missing: the report does not say the code is missing"

# ---- a stub that edits the tests and the header gains nothing, and the report says it tried ----
mkdir -p "$tmp/subs/cheat/lru_cache/tests"
cp harness/stubs/lru_cache/lru_cache.c "$tmp/subs/cheat/lru_cache/"
sed 's/LRU_NO_MEMORY/LRU_NO_MEMORY, LRU_ALWAYS_PASS/' exercises/lru_cache/lru_cache.h >"$tmp/subs/cheat/lru_cache/lru_cache.h"
for f in exercises/lru_cache/tests/*.c; do
    printf '#include "lru_test.h"\n' >"$tmp/subs/cheat/lru_cache/tests/$(basename "$f")"
done
grade cheat "$tmp/subs/cheat"
[ "$(score_of "$tmp/out/cheat" lru_cache)" = "0.00" ] || fail "cheat: edited tests earned points"
grep -q "changes the header lru_cache.h; ignored" "$tmp/out/cheat/notes.txt" || fail "cheat: the report does not mention the edited header"
grep -q "tests/ differ from the workbook's; ignored" "$tmp/out/cheat/notes.txt" || fail "cheat: the report does not mention the edited tests"

# ---- archives that reach outside: rejected, nothing written ----
mkdir -p "$tmp/evil/a/b/c/lru_cache"
cp solutions/lru_cache/lru_cache.c "$tmp/evil/a/b/c/lru_cache/"
escape=/tmp/wb-grader-escape-$$
echo pwned >"$escape-abs"
echo pwned >"$escape-rel"
(cd "$tmp/evil/a/b/c" && tar -cPzf "$tmp/absolute.tar.gz" lru_cache "$escape-abs")
(cd "$tmp/evil/a/b/c" && tar -cPzf "$tmp/dotdot.tar.gz" lru_cache "../../../../../../../../../..$escape-rel")
rm -f "$escape-abs" "$escape-rel"
for n in absolute dotdot; do
    grade "$n" "$tmp/$n.tar.gz"
    grep -q "REJECTED" "$tmp/out/$n/notes.txt" || fail "$n: an archive reaching outside was not rejected"
    [ "$(score_of "$tmp/out/$n" lru_cache)" = "0.00" ] || fail "$n: a rejected archive scored points"
done
for f in "$escape-abs" "$escape-rel"; do
    [ ! -e "$f" ] || fail "an archive wrote $f, outside the grading folder"
done

# ---- nothing left running, nothing changed ----
sleep 1
if [ "$(id -u)" -eq 0 ] && pgrep -u 65534 >/dev/null; then
    fail "processes of the grading user are still running: $(pgrep -u 65534 -l | head -n 5 | tr '\n' ' ')"
    pkill -9 -u 65534
fi
tree_after=$(git status --porcelain 2>/dev/null | grep -v '^?? build/' | sort)
[ "$tree_after" = "$tree_before" ] ||
    fail "grading changed files of the workbook: $(diff <(echo "$tree_before") <(echo "$tree_after") | grep '^[<>]' | head -n 5 | tr '\n' ' ')"

if [ -s "$tmp/failures" ]; then
    echo "grader: $(wc -l <"$tmp/failures") problem(s)"
    exit 1
fi
echo "grader: every submission got its honest grade"
