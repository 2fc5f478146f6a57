#!/usr/bin/env bash
# gate: make serve runs the reference tcp_server, redis-cli talks to it, and SIGTERM stops it cleanly
#
# Starts `make serve IMPL=solution PORT=0` (an ephemeral port, read from its
# first line), runs redis-cli against it, sends SIGTERM with a client still
# connected, and expects a clean exit.
set -u
cd "$(dirname "$0")/../.." || exit 2
export BUILD_ROOT=${BUILD_ROOT:-build}
command -v redis-cli >/dev/null || { echo "redis-cli is not installed: sudo apt-get install -y redis-tools"; exit 1; }
log=$BUILD_ROOT/tools/tcp_server/serve.log
mkdir -p "$(dirname "$log")"
make -s --no-print-directory serve IMPL=solution PORT=0 MODE=loop >"$log" 2>&1 &
make_pid=$!
trap 'kill "$make_pid" 2>/dev/null' EXIT
for _ in $(seq 600); do grep -q 'listening on' "$log" && break; sleep 0.1; done
line=$(grep -m1 'listening on' "$log") || { echo "make serve did not start:"; cat "$log"; exit 1; }
port=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\) .*/\1/p' <<<"$line")
pid=$(sed -n 's/.*pid \([0-9]*\)\..*/\1/p' <<<"$line")
echo "$line"
[ "$(redis-cli -p "$port" SET greeting 'hello world')" = OK ] || { echo "redis-cli SET failed"; exit 1; }
[ "$(redis-cli -p "$port" GET greeting)" = 'hello world' ] || { echo "redis-cli GET failed"; exit 1; }
exec 3<>"/dev/tcp/127.0.0.1/$port" # a client still connected when the signal comes
printf 'PING\r\n' >&3
kill -TERM "$pid"
wait "$make_pid"
status=$?
trap - EXIT
tail -n 2 "$log"
[ "$status" -eq 0 ] && grep -q '^stopped' "$log" || { echo "make serve ended with status $status"; exit 1; }
echo "redis-cli SET and GET answered; SIGTERM stopped the server cleanly"
