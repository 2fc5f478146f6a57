# redis.sh: starts and stops a private redis-server on a free loopback port,
# for the load tester's gate and comparison. Sourced, never run; needs bash
# (it talks to the server through /dev/tcp, so redis-cli is not needed).
#
#   lt_redis_start DIR    starts one, logging to DIR/redis.log; sets LT_REDIS_PORT and LT_REDIS_PID
#                         (LT_REDIS_WRAP: a command to start it under, such as "taskset -c 0")
#   lt_redis_ask CMD      sends one inline command, prints the first line of the reply
#   lt_redis_stop         stops it

# Sends an inline command to the private server and prints the reply's first line (no \r).
lt_redis_ask() {
    local reply=''
    { exec 7<>"/dev/tcp/127.0.0.1/$LT_REDIS_PORT"; } 2>/dev/null || return 1
    printf '%s\r\n' "$1" >&7
    read -r -t 5 reply <&7
    exec 7>&-
    printf '%s\n' "${reply%$'\r'}"
}

lt_redis_start() {
    local dir=$1 attempt
    command -v redis-server >/dev/null || {
        echo "redis-server is not installed: sudo apt-get install -y redis-server"
        return 1
    }
    mkdir -p "$dir" && dir=$(cd "$dir" && pwd) # absolute: the server changes to --dir first
    # A port nobody uses is not known in advance: try a few, and keep the one the server could bind.
    for attempt in 1 2 3 4 5 6 7 8; do
        LT_REDIS_PORT=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        # Taken already? Then a PING could be answered by someone else's server.
        { exec 7<>"/dev/tcp/127.0.0.1/$LT_REDIS_PORT"; } 2>/dev/null && { exec 7>&-; continue; }
        ${LT_REDIS_WRAP:-} redis-server --port "$LT_REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
            --daemonize no --dir "$dir" --logfile "$dir/redis.log" &
        LT_REDIS_PID=$!
        for _ in $(seq 100); do
            kill -0 "$LT_REDIS_PID" 2>/dev/null || break # it could not bind: another port
            [ "$(lt_redis_ask PING 2>/dev/null)" = +PONG ] && return 0
            sleep 0.05
        done
        lt_redis_stop
    done
    echo "redis-server did not start; the end of its log:"
    tail -n 5 "$dir/redis.log"
    return 1
}

lt_redis_stop() {
    [ -n "${LT_REDIS_PID:-}" ] || return 0
    kill "$LT_REDIS_PID" 2>/dev/null
    wait "$LT_REDIS_PID" 2>/dev/null
    LT_REDIS_PID=
}
