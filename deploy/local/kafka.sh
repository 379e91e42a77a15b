#!/usr/bin/env bash
# Local single-node Apache Kafka 4.x (KRaft: one process is broker and controller) on 127.0.0.1.
# Usage: deploy/local/kafka.sh start|stop|restart|status|reset|scram
# Listeners: PLAINTEXT on $KAFKA_PORT (9092, what everything uses by default) and SASL_PLAINTEXT with
# SCRAM-SHA-256/512 on $KAFKA_SASL_PORT (9094), for testing authenticated clients. The SCRAM user
# ($KAFKA_SCRAM_USER / $KAFKA_SCRAM_PASSWORD, local test credentials) is created when the data dir is
# formatted; a data dir formatted before the SASL listener existed gets it once through the admin API
# (`scram` does that on demand, e.g. after changing the password).
# Jars come from Maven Central through deploy/local/pom.xml; data and logs live in deploy/local/.kafka (git-ignored).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
home="$here/.kafka"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
sasl_port="${KAFKA_SASL_PORT:-9094}"
scram_user="${KAFKA_SCRAM_USER:-actorwire}"
scram_password="${KAFKA_SCRAM_PASSWORD:-actorwire-local-secret}"
scram_marker="$home/scram-user.$scram_user"  # present once the data dir holds the SCRAM user
pidfile="$home/kafka.pid"
heap="${KAFKA_HEAP:-512m}"

listening() { (exec 3<>"/dev/tcp/127.0.0.1/${1:-$port}") 2>/dev/null; }
running() { [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

jars() {
  local version; version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")"
  if [[ ! -f "$home/libs/kafka_2.13-$version.jar" || ! -f "$home/libs/kafka-tools-$version.jar" ]]; then
    echo "kafka: resolving broker jars from Maven Central (deploy/local/pom.xml)"
    rm -rf "$home/libs"
    mvn -q -B -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$home/libs" -DincludeScope=runtime
  fi
}

config() {
  mkdir -p "$home/data"
  cat >"$home/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port,SASL_PLAINTEXT://127.0.0.1:$sasl_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port,SASL_PLAINTEXT://127.0.0.1:$sasl_port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
listener.name.sasl_plaintext.sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
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

# create or update the SCRAM user through the running broker (idempotent; one request per mechanism,
# as the broker refuses two changes of one user's credentials in a request)
scram() {
  for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do
    "${java_cmd[@]}" kafka.admin.ConfigCommand --bootstrap-server "127.0.0.1:$port" --alter \
      --entity-type users --entity-name "$scram_user" --add-config "$mechanism=[password=$scram_password]" >/dev/null
  done
  touch "$scram_marker"
  echo "kafka: SCRAM user '$scram_user' set on 127.0.0.1:$sasl_port"
}

start() {
  if running; then
    echo "kafka: already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"
    listening "$sasl_port" || echo "kafka: note: no SASL listener on $sasl_port (broker started before it existed); \`$0 restart\` adds it" >&2
    return 0
  fi
  if listening; then echo "kafka: port $port is taken by another process; set KAFKA_PORT" >&2; return 1; fi
  if listening "$sasl_port"; then echo "kafka: port $sasl_port is taken by another process; set KAFKA_SASL_PORT" >&2; return 1; fi
  if listening "$controller_port"; then
    echo "kafka: port $controller_port is taken by another process; set KAFKA_CONTROLLER_PORT" >&2; return 1
  fi
  jars
  config
  if [[ ! -f "$home/data/meta.properties" ]]; then
    "${java_cmd[@]}" kafka.tools.StorageTool format --cluster-id "$("${java_cmd[@]}" kafka.tools.StorageTool random-uuid)" \
      --config "$home/server.properties" --ignore-formatted \
      --add-scram "SCRAM-SHA-256=[name=$scram_user,password=$scram_password]" \
      --add-scram "SCRAM-SHA-512=[name=$scram_user,password=$scram_password]" >/dev/null
    touch "$scram_marker"
  fi
  nohup "${java_cmd[@]}" kafka.Kafka "$home/server.properties" >"$home/stdout.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 120); do
    if listening && listening "$sasl_port"; then
      echo "kafka: up on 127.0.0.1:$port, SASL_PLAINTEXT/SCRAM on 127.0.0.1:$sasl_port (pid $(cat "$pidfile"), data in $home/data)"
      [[ -f "$scram_marker" ]] || scram
      return 0
    fi
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
  restart) stop; start ;;
  status)
    if running && listening; then
      echo "kafka: running on 127.0.0.1:$port$(listening "$sasl_port" && echo ", SASL_PLAINTEXT/SCRAM on 127.0.0.1:$sasl_port")"
    else echo "kafka: not running"; exit 1; fi ;;
  reset) stop; rm -rf "$home/data" "$home"/scram-user.*; echo "kafka: data removed" ;;
  scram) running || { echo "kafka: not running" >&2; exit 1; }; scram ;;
  *) echo "usage: $0 start|stop|restart|status|reset|scram" >&2; exit 2 ;;
esac
