#!/usr/bin/env bash
# gate: loadtest: the load tester builds with -Werror under gcc and clang, its tests pass plainly, under ASan+UBSan, ThreadSanitizer and valgrind, its planted bugs still apply, and it loads a real redis-server with no error
#
# Run by `make check` (which sets BUILD_ROOT to its own tree) and by
# `make loadtest-check`. Its tests include runs against a real redis-server;
# here a skipped test fails, so that the gate proves everything. Proving
# that each planted bug is caught takes a build per bug, so that is
# `make loadtest-mutants`; here only that every patch still applies. The
# last step starts a private redis-server on a free loopback port, loads it
# for a second with the optimised build, and checks the report and that the
# SETs landed. Exit status 0: all passed.
set -u
cd "$(dirname "$0")/../.." || exit 2
export WERROR=1 LOADTEST_NO_SKIPS=1
root=${BUILD_ROOT:-build}
failed=0

# build CC MODE: the program and the tests, as MODE with CC.
build() {
    CC=$1 make -s -j2 -f harness/loadtest/build.mk VARIANT="$2" program tests ||
        { echo "FAIL: $1 could not build the load tester as $2"; failed=1; return 1; }
}

# step CC MODE: build, then run the tests.
step() {
    local cc=$1 mode=$2 out=$root/loadtest/$1/$2
    echo "== $cc, $mode"
    build "$cc" "$mode" || return
    harness/loadtest/tests/run "$mode" "$out/impl/tool/loadtest/test_loadtest" "$out/loadtest" \
        "$root/results/loadtest-$cc-$mode.tsv" || failed=1
    echo "($SECONDS s so far)"
}

echo "== clang, plain (build only: the same tests run with gcc below)"
build clang plain && echo "built"
step gcc plain
step gcc memcheck
step gcc race
step gcc valgrind

echo "== planted bugs"
n=0
for patch in harness/loadtest/tests/mutants/*.patch; do
    n=$((n + 1))
    sed '/^--- a\//,$!d' "$patch" | patch -s --dry-run -p1 -d harness/loadtest/src >/dev/null 2>&1 ||
        { echo "FAIL: $patch no longer applies to harness/loadtest/src/"; failed=1; }
done
echo "$n patches checked"

echo "== against a real redis-server"
. harness/loadtest/redis.sh
make -s -j2 -f harness/loadtest/build.mk VARIANT=bench program || { echo "FAIL: the optimised build"; exit 1; }
lt_redis_start "$root/loadtest/redis" || exit 1
trap lt_redis_stop EXIT
out=$root/loadtest/redis/run.txt
"$root/loadtest/gcc/bench/loadtest" -p "$LT_REDIS_PORT" -c 8 -P 4 -d 1 --ratio 50:50 -r 1000 >"$out" 2>&1
status=$?
cat "$out"
keys=$(lt_redis_ask DBSIZE)
echo "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') holds ${keys#:} keys"
[ "$status" -eq 0 ] || { echo "FAIL: loadtest ended with status $status"; failed=1; }
grep -q '^errors       0$' "$out" || { echo "FAIL: the run against redis-server had errors"; failed=1; }
[ "${keys#:}" -gt 0 ] 2>/dev/null || { echo "FAIL: no SET reached redis-server (DBSIZE $keys)"; failed=1; }
echo "($SECONDS s in all)"
exit $failed
