#!/usr/bin/env bash
# Local single-node Apache Kafka 4.x (KRaft: one process is broker and controller) on 127.0.0.1.
# Usage: deploy/local/kafka.sh start|stop|status|reset
# Jars come from Maven Central through deploy/local/pom.xml; data and logs live in deploy/local/.kafka (git-ignored).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
home="$here/.kafka"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
pidfile="$home/kafka.pid"
heap="${KAFKA_HEAP:-512m}"

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
running() { [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

jars() {
  if [[ ! -f "$home/libs/kafka_2.13-$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml").jar" ]]; then
    echo "kafka: resolving broker jars from Maven Central (deploy/local/pom.xml)"
    rm -rf "$home/libs"
    mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$home/libs" -DincludeScope=runtime
  fi
}

config() {
  mkdir -p "$home/data"
  cat >"$home/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$home/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
message.max.bytes=${KAFKA_MESSAGE_MAX_BYTES:-4194304}
PROPS
  cat >"$home/log4j2.properties" <<PROPS
rootLogger.level=WARN
rootLogger.appenderRef.file.ref=file
appender.file.type=File
appender.file.name=file
appender.file.fileName=$home/broker.log
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
PROPS
}

java_cmd=(java "-Xmx$heap" "-Xms$heap" -XX:+UseG1GC -Dlog4j2.configurationFile="$home/log4j2.properties" -cp "$home/libs/*")

start() {
  if running; then echo "kafka: already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"; return 0; fi
  if listening; then echo "kafka: port $port is taken by another process; set KAFKA_PORT" >&2; return 1; fi
  jars
  config
  if [[ ! -f "$home/data/meta.properties" ]]; then
    "${java_cmd[@]}" kafka.tools.StorageTool format --cluster-id "$("${java_cmd[@]}" kafka.tools.StorageTool random-uuid)" \
      --config "$home/server.properties" --ignore-formatted >/dev/null
  fi
  nohup "${java_cmd[@]}" kafka.Kafka "$home/server.properties" >"$home/stdout.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 120); do
    if listening; then echo "kafka: up on 127.0.0.1:$port (pid $(cat "$pidfile"), data in $home/data)"; return 0; fi
    running || { echo "kafka: broker exited; see $home/stdout.log and $home/broker.log" >&2; tail -20 "$home/stdout.log" >&2; return 1; }
    sleep 0.5
  done
  echo "kafka: not listening after 60 s; see $home/broker.log" >&2
  return 1
}

stop() {
  if ! running; then echo "kafka: not running"; rm -f "$pidfile"; return 0; fi
  local pid; pid="$(cat "$pidfile")"
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; echo "kafka: stopped"; return 0; }; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  echo "kafka: killed after 30 s"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if running && listening; then echo "kafka: running on 127.0.0.1:$port"; else echo "kafka: not running"; exit 1; fi ;;
  reset) stop; rm -rf "$home/data"; echo "kafka: data removed" ;;
  *) echo "usage: $0 start|stop|status|reset" >&2; exit 2 ;;
esac
