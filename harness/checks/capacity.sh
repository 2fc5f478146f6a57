#!/usr/bin/env bash
# gate: capacity: the calculator builds with -Werror under gcc and clang, its tests pass plainly, under ASan+UBSan and under valgrind, and its planted bugs still apply
#
# Run by `make check` (which sets BUILD_ROOT to its own tree) and by
# `make capacity-check`. Proving that each planted bug is caught takes a
# build per bug, so that is `make capacity-mutants`; here only that every
# patch still applies, so none rots unnoticed. Exit status 0: all passed.
set -u
cd "$(dirname "$0")/../.." || exit 2
export WERROR=1
root=${BUILD_ROOT:-build}
failed=0

# step CC MODE: build the program and the tests as MODE with CC, then run the tests.
step() {
    local cc=$1 mode=$2 out=$root/capacity/$1/$2
    echo "== $cc, $mode"
    if ! CC=$cc make -s -f capacity/build.mk VARIANT="$mode" program tests; then
        echo "FAIL: $cc could not build the calculator as $mode"
        failed=1
        return
    fi
    capacity/tests/run "$mode" "$out/impl/calculator/capacity/test_capacity" "$out/capacity" \
        "$root/results/capacity-$cc-$mode.tsv" || failed=1
}

step gcc plain
step clang plain
step gcc memcheck
step gcc valgrind

echo "== planted bugs"
n=0
for patch in capacity/tests/mutants/*.patch; do
    n=$((n + 1))
    sed '/^--- a\//,$!d' "$patch" | patch -s --dry-run -p1 -d capacity/src >/dev/null 2>&1 ||
        { echo "FAIL: $patch no longer applies to capacity/src/"; failed=1; }
done
echo "$n patches checked"
exit $failed
