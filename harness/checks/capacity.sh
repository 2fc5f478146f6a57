#!/usr/bin/env bash
# gate: capacity: the calculator builds with -Werror under gcc and clang, and its tests pass plainly, under ASan+UBSan and under valgrind
#
# Run by `make check` (which sets BUILD_ROOT to its own tree) and by
# `make capacity-check`. Exit status 0 means every step passed.
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
exit $failed
