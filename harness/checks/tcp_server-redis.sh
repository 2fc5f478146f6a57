#!/usr/bin/env bash
# gate: tcp_server's level 3 replies are byte for byte what the installed redis-server sends
#
# Plays exercises/tcp_server/tests/transcript.c (the replies level 3 expects)
# against a real redis-server on a private unix socket, so that the tests
# never drift from what Redis really sends.
set -u
cd "$(dirname "$0")/../.." || exit 2
out=${BUILD_ROOT:-build}/tools/tcp_server/transcript
mkdir -p "$out"
command -v redis-server >/dev/null || { echo "redis-server is not installed: sudo apt-get install -y redis-server"; exit 1; }
gcc -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic -Werror -o "$out/transcript_check" \
    exercises/tcp_server/tools/transcript_check.c exercises/tcp_server/tests/transcript.c || exit 1
sock=$(mktemp -u "${TMPDIR:-/tmp}/wb-redis-XXXXXX.sock")
redis-server --port 0 --unixsocket "$sock" --save "" --appendonly no --daemonize no \
    --logfile "$out/redis.log" &
redis=$!
trap 'kill "$redis" 2>/dev/null; wait "$redis" 2>/dev/null; rm -f "$sock"' EXIT
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || { echo "redis-server did not start: $(tail -n 3 "$out/redis.log")"; exit 1; }
echo "$(redis-server --version | cut -d' ' -f1-3)"
"$out/transcript_check" "$sock"
