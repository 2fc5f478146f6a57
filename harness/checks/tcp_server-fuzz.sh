#!/usr/bin/env bash
# gate: tcp_server's parser survives a short libFuzzer run (clang, ASan + UBSan, the seed corpus)
#
# `make fuzz` runs ten million inputs; this gate runs 300,000, from the seed
# corpus in exercises/tcp_server/fuzz/corpus, so that the fuzz target keeps
# building and the reference parser keeps every promise it checks.
set -u
cd "$(dirname "$0")/../.." || exit 2
export BUILD_ROOT=${BUILD_ROOT:-build}
rm -rf "$BUILD_ROOT"/tools/tcp_server/solution-*/corpus
make -s --no-print-directory fuzz IMPL=solution RUNS=300000 2>&1 | grep -v '^"\|^###### \|^#[0-9]' | tail -n 12
exit "${PIPESTATUS[0]}"
