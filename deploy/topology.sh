#!/usr/bin/env bash
# Companion's scale-out topology on one machine without Docker (docs/deploy.md, "Without
# Docker"): a `chroma run` server, the schema migrations and the guideline index once, then
# `companion serve --workers N` and M `companion worker` processes, all on 127.0.0.1 against
# PostgreSQL. compose.yaml is the same layout in containers.
#
#   deploy/topology.sh up       # or: make topology
#   deploy/topology.sh status
#   deploy/topology.sh down     # or: make topology-down
#
# Settings (environment): COMPANION_DATABASE_URL (default: database `companion_topology` on
# the PostgreSQL of 127.0.0.1:5432, user postgres, created if missing), API_PORT (8000),
# CHROMA_PORT (8001), API_WORKERS (2), WORKERS (2), TOPOLOGY_DIR (.topology: logs, pids,
# COMPANION_HOME, the Chroma data). Any other COMPANION_* setting is passed on as it is.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${VENV:-$ROOT/.venv}/bin"
DIR="${TOPOLOGY_DIR:-$ROOT/.topology}"
API_PORT="${API_PORT:-8000}"
CHROMA_PORT="${CHROMA_PORT:-8001}"
API_WORKERS="${API_WORKERS:-2}"
WORKERS="${WORKERS:-2}"
export COMPANION_DATABASE_URL="${COMPANION_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/companion_topology}"
export COMPANION_CHROMA_URL="http://127.0.0.1:${CHROMA_PORT}"
export COMPANION_HOME="${COMPANION_HOME:-$DIR/home}"
export COMPANION_DRAFTING=worker
export COMPANION_PUBLIC_URL="${COMPANION_PUBLIC_URL:-http://127.0.0.1:${API_PORT}}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 LITELLM_LOCAL_MODEL_COST_MAP=True

say() { printf '%s\n' "$*" >&2; }

wait_for() {  # URL SECONDS NAME PIDFILE
  "$BIN/python" - "$1" "$2" "$3" "$4" <<'EOF'
import os, sys, time, urllib.request
url, seconds, name, pidfile = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
pid = int(open(pidfile).read())
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit(f"{name} stopped while starting; see its log")
    try:
        if urllib.request.urlopen(url, timeout=2).status == 200:
            sys.exit(0)
    except Exception:
        pass
    time.sleep(0.5)
sys.exit(f"{name} did not answer {url} within {seconds:.0f} s; see its log")
EOF
}

start() {  # NAME COMMAND...
  local name="$1"; shift
  if [ -f "$DIR/$name.pid" ] && kill -0 "$(cat "$DIR/$name.pid")" 2>/dev/null; then
    say "  $name already running (pid $(cat "$DIR/$name.pid"))"; return
  fi
  nohup "$@" >>"$DIR/logs/$name.log" 2>&1 &
  echo $! >"$DIR/$name.pid"
  say "  $name started (pid $!, log $DIR/logs/$name.log)"
}

create_database() {
  "$BIN/python" - <<'EOF'
import os, sys
import psycopg
from sqlalchemy.engine import make_url
url = make_url(os.environ["COMPANION_DATABASE_URL"])
if not url.drivername.startswith("postgresql"):
    sys.exit("COMPANION_DATABASE_URL must be PostgreSQL: the drafting workers' queue lives there")
admin = dict(host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username or "postgres",
             password=url.password, dbname="postgres")
try:
    conn = psycopg.connect(**{k: v for k, v in admin.items() if v is not None}, autocommit=True)
except psycopg.OperationalError as exc:
    sys.exit(f"cannot reach PostgreSQL at {admin['host']}:{admin['port']}: {exc}")
with conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (url.database,)).fetchone():
        conn.execute(f'CREATE DATABASE "{url.database}"')
        print(f"  created database {url.database}", file=sys.stderr)
EOF
}

up() {
  [ -x "$BIN/companion" ] || { say "no $BIN/companion: run \`make install\` first"; exit 1; }
  mkdir -p "$DIR/logs" "$COMPANION_HOME"
  say "Companion topology (logs in $DIR/logs):"
  create_database
  start chroma "$BIN/chroma" run --path "$DIR/chroma" --host 127.0.0.1 --port "$CHROMA_PORT"
  wait_for "$COMPANION_CHROMA_URL/api/v2/heartbeat" 60 chroma "$DIR/chroma.pid"
  say "  migrating the database and indexing the guidelines (once) ..."
  "$BIN/companion" db upgrade >>"$DIR/logs/migrate.log" 2>&1 \
    || { say "migration failed; see $DIR/logs/migrate.log"; exit 1; }
  "$BIN/companion" knowledge ingest >>"$DIR/logs/migrate.log" 2>&1 \
    || { say "indexing the guidelines failed; see $DIR/logs/migrate.log"; exit 1; }
  start api "$BIN/companion" serve --host 127.0.0.1 --port "$API_PORT" --workers "$API_WORKERS"
  for i in $(seq 1 "$WORKERS"); do start "worker-$i" "$BIN/companion" worker; done
  wait_for "http://127.0.0.1:$API_PORT/api/v1/health" 180 api "$DIR/api.pid"
  say ""
  say "Up: web app and API at http://127.0.0.1:$API_PORT (API docs at /docs),"
  say "    $API_WORKERS API processes, $WORKERS drafting workers, Chroma at $COMPANION_CHROMA_URL,"
  say "    database ${COMPANION_DATABASE_URL%%\?*}."
  say "Use the CLI against it with the same settings, e.g.:"
  say "  COMPANION_DATABASE_URL=$COMPANION_DATABASE_URL COMPANION_CHROMA_URL=$COMPANION_CHROMA_URL \\"
  say "  COMPANION_HOME=$COMPANION_HOME COMPANION_DRAFTING=worker $BIN/companion demo"
  say "Stop it with: deploy/topology.sh down"
}

down() {
  local any=0
  for pidfile in "$DIR"/worker-*.pid "$DIR/api.pid" "$DIR/chroma.pid"; do
    [ -f "$pidfile" ] || continue
    any=1
    local pid; pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
      say "  stopped $(basename "$pidfile" .pid) (pid $pid)"
    fi
    rm -f "$pidfile"
  done
  [ "$any" = 1 ] || say "  nothing was running"
}

status() {
  for pidfile in "$DIR/chroma.pid" "$DIR/api.pid" "$DIR"/worker-*.pid; do
    [ -f "$pidfile" ] || continue
    local pid; pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then state=running; else state=stopped; fi
    printf '%-10s pid %-8s %s\n' "$(basename "$pidfile" .pid)" "$pid" "$state"
  done
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) say "usage: deploy/topology.sh up|status|down"; exit 2 ;;
esac
