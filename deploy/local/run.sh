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
for w in entities sentiment; do
  "$aw" worker "$w" >"$logs/$w.log" 2>&1 &
  pids+=($!)
  echo "worker $w: pid $! (log $logs/$w.log)"
done
"$aw" ingest "$input"
echo "waiting for enriched articles on news.enriched (Ctrl-C to stop)..."
"$aw" watch --from-beginning
