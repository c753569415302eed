#!/usr/bin/env bash
# A Redis Cluster of Mnemo nodes on this machine, without docker:
#
#   scripts/local-cluster.sh start [nodes] [replicas-per-primary] [first-port]   (default: 6 1 7000)
#   scripts/local-cluster.sh stop
#
# Each node runs as a daemon on 127.0.0.1 (bus port = port + 10000) with its own directory under
# ./local-cluster/<port> (nodes.conf, log, pid file); redis-cli --cluster create then assigns the
# slots and the replicas. `stop` ends the daemons by their pid files; the directories stay, so
# `start` again brings the same cluster back from its nodes.conf files.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
base="${MNEMO_CLUSTER_DIR:-$PWD/local-cluster}"
command="${1:-start}"
nodes="${2:-6}"
replicas="${3:-1}"
first="${4:-7000}"

case "$command" in
  start)
    addresses=()
    fresh=1
    for ((i = 0; i < nodes; i++)); do
      port=$((first + i))
      dir="$base/$port"
      mkdir -p "$dir"
      [ -s "$dir/nodes.conf" ] && fresh=0
      node "$here/bin/mnemo-server.js" --port "$port" --bind 127.0.0.1 --cluster-enabled yes \
        --cluster-config-file nodes.conf --dir "$dir" --daemonize yes --pidfile "$dir/mnemo.pid" \
        --logfile "$dir/mnemo.log" --appendonly yes &
      addresses+=("127.0.0.1:$port")
    done
    wait
    if [ "$fresh" = 1 ]; then
      redis-cli --cluster create "${addresses[@]}" --cluster-replicas "$replicas" --cluster-yes
    fi
    redis-cli --cluster check "${addresses[0]}"
    ;;
  stop)
    for pidfile in "$base"/*/mnemo.pid; do
      [ -e "$pidfile" ] || continue
      kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    ;;
  *)
    echo "usage: $0 start [nodes] [replicas] [first-port] | stop" >&2
    exit 2
    ;;
esac
