#!/usr/bin/env bash
# Run Quorum's 3-node NATS JetStream cluster on 127.0.0.1 (tests, local work).
#
#   cluster.sh start DIR [BASE_PORT]   start n1 n2 n3, wait until healthy, print the URLs
#   cluster.sh stop DIR                stop them (SIGTERM, then SIGKILL), remove pid files
#
# Ports, for BASE_PORT (default 4222) and node i = 0, 1, 2:
#   client  BASE+i        cluster  BASE+2000+i        monitor (http)  BASE+4000+i
# DIR holds per node: nX/ (JetStream store), nX.conf, nX.log, nX.pid.
# The binary is ${NATS_SERVER:-<repo>/.venv/bin/nats-server}.
# NATS_CLUSTER_TIMEOUT: seconds to wait for a healthy cluster (default 30).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
NATS_SERVER="${NATS_SERVER:-$REPO/.venv/bin/nats-server}"
TEMPLATE="$HERE/node.conf.template"
HOST=127.0.0.1
NODES=(n1 n2 n3)
CLUSTER_OFFSET=2000
HTTP_OFFSET=4000
START_TIMEOUT="${NATS_CLUSTER_TIMEOUT:-30}"
STOP_TIMEOUT=10

usage() {
    echo "usage: $0 start DIR [BASE_PORT] | stop DIR" >&2
    exit 2
}

die() {
    echo "cluster.sh: $*" >&2
    exit 1
}

# render NAME VALUE ...: the template with each ${NAME} replaced by its VALUE
render() {
    local text
    text="$(<"$TEMPLATE")"
    while (($# >= 2)); do
        # The value is quoted: no '&' or '\' in it is special.
        text=${text//"\${$1}"/"$2"}
        shift 2
    done
    printf '%s\n' "$text"
}

# alive PID: the process runs and is a nats-server (not a reused pid, not a zombie)
alive() {
    local state
    state="$(ps -p "$1" -o stat= 2>/dev/null)" || return 1
    [[ $state != Z* ]] || return 1
    [[ "$(ps -p "$1" -o args= 2>/dev/null)" == *nats-server* ]]
}

# http_ok URL: the URL answers 200
http_ok() {
    if command -v curl >/dev/null 2>&1; then
        curl -fs -o /dev/null --max-time 1 "$1"
    else
        python3 -c 'import sys, urllib.request
try:
    sys.exit(urllib.request.urlopen(sys.argv[1], timeout=1).status != 200)
except OSError:
    sys.exit(1)' "$1"
    fi
}

# healthy HTTP_PORT: JetStream is enabled and the node knows the meta leader
healthy() {
    http_ok "http://$HOST:$1/healthz?js-enabled-only=true" &&
        http_ok "http://$HOST:$1/healthz"
}

show_logs() {
    local dir="$1" node
    for node in "${NODES[@]}"; do
        if [[ -f $dir/$node.log ]]; then
            echo "--- $dir/$node.log (last lines)" >&2
            tail -n 15 "$dir/$node.log" >&2
        fi
    done
}

cmd_start() {
    local dir="$1" base="${2:-4222}"
    [[ $base =~ ^[0-9]+$ ]] || die "BASE_PORT must be a number: $base"
    ((base >= 1024 && base + HTTP_OFFSET + 2 <= 65535)) ||
        die "BASE_PORT out of range (1024..$((65535 - HTTP_OFFSET - 2))): $base"
    [[ -x $NATS_SERVER ]] || die "no nats-server at $NATS_SERVER (set NATS_SERVER)"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"

    local i node pid
    for node in "${NODES[@]}"; do
        if [[ -f $dir/$node.pid ]] && alive "$(<"$dir/$node.pid")"; then
            die "$node already runs (pid $(<"$dir/$node.pid")): cluster.sh stop $dir"
        fi
    done

    local routes="" urls=""
    for i in "${!NODES[@]}"; do
        routes+="${routes:+, }nats://$HOST:$((base + CLUSTER_OFFSET + i))"
        urls+="${urls:+,}nats://$HOST:$((base + i))"
    done

    for i in "${!NODES[@]}"; do
        node="${NODES[i]}"
        mkdir -p "$dir/$node"
        render NODE "$node" HOST "$HOST" CLIENT_PORT $((base + i)) \
            CLUSTER_PORT $((base + CLUSTER_OFFSET + i)) HTTP_PORT $((base + HTTP_OFFSET + i)) \
            STORE_DIR "$dir/$node" ROUTES "$routes" >"$dir/$node.conf"
        "$NATS_SERVER" -c "$dir/$node.conf" </dev/null >>"$dir/$node.log" 2>&1 &
        echo $! >"$dir/$node.pid"
    done

    local deadline=$((SECONDS + START_TIMEOUT)) ready
    while :; do
        ready=0
        for i in "${!NODES[@]}"; do
            node="${NODES[i]}"
            pid="$(<"$dir/$node.pid")"
            if ! alive "$pid"; then
                echo "cluster.sh: $node (pid $pid) exited during start" >&2
                show_logs "$dir"
                cmd_stop "$dir"
                exit 1
            fi
            if healthy $((base + HTTP_OFFSET + i)); then
                ready=$((ready + 1))
            fi
        done
        ((ready < ${#NODES[@]})) || break
        if ((SECONDS >= deadline)); then
            echo "cluster.sh: not healthy after ${START_TIMEOUT}s" >&2
            show_logs "$dir"
            cmd_stop "$dir"
            exit 1
        fi
        sleep 0.1
    done
    echo "$urls"
}

cmd_stop() {
    local dir="$1" node pid
    local -a pids=()
    for node in "${NODES[@]}"; do
        [[ -f $dir/$node.pid ]] || continue
        pid="$(<"$dir/$node.pid")"
        if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid"; then
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
        fi
    done

    local deadline=$((SECONDS + STOP_TIMEOUT))
    local -a left
    while :; do
        left=()
        for pid in "${pids[@]}"; do
            if alive "$pid"; then left+=("$pid"); fi
        done
        pids=("${left[@]}")
        ((${#pids[@]} > 0)) || break
        if ((SECONDS >= deadline)); then
            echo "cluster.sh: SIGKILL to ${pids[*]} (no exit on SIGTERM)" >&2
            kill -KILL "${pids[@]}" 2>/dev/null || true
            sleep 0.2
            break
        fi
        sleep 0.1
    done

    for node in "${NODES[@]}"; do
        rm -f "$dir/$node.pid"
    done
}

(($# >= 2)) || usage
case "$1" in
start)
    (($# <= 3)) || usage
    cmd_start "$2" "${3:-4222}"
    ;;
stop)
    (($# == 2)) || usage
    cmd_stop "$2"
    ;;
*) usage ;;
esac
