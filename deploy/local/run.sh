#!/usr/bin/env bash
# `make run`: start the broker if it is not running, create the topics, start both workers and the
# dashboard, publish INPUT to news.raw and print enriched articles as they arrive. Ctrl-C stops the
# workers and the dashboard (SIGTERM, graceful) and the broker too when this script started it.
set -uo pipefail
input="${1:-examples/articles.jsonl}"
aw=.venv/bin/actorwire
logs=deploy/local/.kafka/logs
started_broker=0
if ! deploy/local/kafka.sh status >/dev/null 2>&1; then
  deploy/local/kafka.sh start || exit 1
  started_broker=1
fi
"$aw" topics create || exit 1
mkdir -p "$logs"
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "stopping workers and dashboard..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  if [[ $started_broker == 1 ]]; then deploy/local/kafka.sh stop; fi
}
trap cleanup INT TERM EXIT
# each worker serves /healthz, /readyz and /metrics on a port of its own
declare -A http_port=([entities]="${ENTITIES_HTTP_PORT:-8080}" [sentiment]="${SENTIMENT_HTTP_PORT:-8081}")
# the two workers share the machine: half the cores each, so that they do not oversubscribe them
half=$(( $(nproc) / 2 ))
threads="${ACTORWIRE_WORKER__TORCH_THREADS:-$(( half > 0 ? half : 1 ))}"
for w in entities sentiment; do
  ACTORWIRE_WORKER__HTTP_PORT="${http_port[$w]}" ACTORWIRE_WORKER__TORCH_THREADS="$threads" \
    "$aw" worker "$w" >"$logs/$w.log" 2>&1 &
  pids+=($!)
  echo "worker $w: pid $! (log $logs/$w.log, metrics http://127.0.0.1:${http_port[$w]}/metrics)"
done
# the dashboard: aggregates news.actors into news.actor-aggregates and serves the live page
dashboard_port="${DASHBOARD_HTTP_PORT:-8088}"
ACTORWIRE_DASHBOARD__HTTP_PORT="$dashboard_port" "$aw" dashboard >"$logs/dashboard.log" 2>&1 &
pids+=($!)
echo "dashboard: pid $! (log $logs/dashboard.log) at http://127.0.0.1:$dashboard_port/"
"$aw" ingest "$input"
echo "waiting for enriched articles on news.enriched (Ctrl-C to stop; rejected input goes to news.deadletter,"
echo "worker errors to $logs/)..."
"$aw" watch --from-beginning
