#!/usr/bin/env bash
# `make run`: start both workers, publish INPUT to news.raw, print enriched articles as they
# arrive; Ctrl-C stops the workers (SIGTERM, graceful) and the broker.
set -uo pipefail
input="${1:-examples/articles.jsonl}"
aw=.venv/bin/actorwire
logs=deploy/local/.kafka/logs
mkdir -p "$logs"
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "stopping workers..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  deploy/local/kafka.sh stop
}
trap cleanup INT TERM EXIT
# each worker serves /healthz, /readyz and /metrics on a port of its own
declare -A http_port=([entities]=8080 [sentiment]=8081)
for w in entities sentiment; do
  ACTORWIRE_WORKER__HTTP_PORT="${http_port[$w]}" "$aw" worker "$w" >"$logs/$w.log" 2>&1 &
  pids+=($!)
  echo "worker $w: pid $! (log $logs/$w.log, metrics http://127.0.0.1:${http_port[$w]}/metrics)"
done
"$aw" ingest "$input"
echo "waiting for enriched articles on news.enriched (Ctrl-C to stop)..."
"$aw" watch --from-beginning
