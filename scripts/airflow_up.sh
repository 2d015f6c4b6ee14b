#!/usr/bin/env bash
# `make up`: the real Airflow 3.3 components for local use, in the foreground, until Ctrl-C.
#
#   api-server (UI + REST + the execution API tasks report to), scheduler (LocalExecutor),
#   dag-processor (parses dags/flexlake_tenants.py, i.e. every tenant file), triggerer.
#   With AIRFLOW__CORE__EXECUTOR=CeleryExecutor (the scale-out path, docs/deploy.md): the scheduler queues
#   tasks on AIRFLOW__CELERY__BROKER_URL (Redis) and FLEXLAKE_CELERY_WORKERS `airflow celery worker`
#   processes run them, named flexlake-worker-N (Celery node flexlake-worker-N@<host>).
#
# Then browse http://localhost:8080 and log in as admin / admin (override below; FAB auth manager: tenant users
# come from `flexlake access add-user`). Each component logs to
# $AIRFLOW_HOME/logs/components/<name>.log; the console shows the banner and why a component stopped.
# Ctrl-C (SIGINT) or SIGTERM stops every component with SIGINT (SIGTERM leaves Airflow's workers behind),
# waits for them, and kills whatever is left after FLEXLAKE_STOP_TIMEOUT seconds.
#
# Knobs (environment; everything else comes from scripts/airflow-env.sh):
#   FLEXLAKE_API_PORT      API/UI port (default 8080)
#   FLEXLAKE_API_HOST      address the API binds to (default 127.0.0.1: the default admin password is a dev one)
#   FLEXLAKE_ADMIN_PASSWORD password of the FAB `admin` user (default admin; local development only)
#   FLEXLAKE_DATA_DIR, AIRFLOW_HOME, FLEXLAKE_TENANT_CONFIGS_DIR  where state and tenant files live
#   FLEXLAKE_STOP_TIMEOUT  seconds to wait for a clean stop before SIGKILL (default 30)
#   AIRFLOW__CORE__EXECUTOR  LocalExecutor (default) or CeleryExecutor; the latter also needs
#                          AIRFLOW__CELERY__BROKER_URL (e.g. redis://127.0.0.1:6379/0) and
#                          AIRFLOW__CELERY__RESULT_BACKEND (e.g. redis://127.0.0.1:6379/1)
#   FLEXLAKE_CELERY_WORKERS  Celery workers to start on this machine (default 2)
#   FLEXLAKE_CELERY_CONCURRENCY  task slots per worker (default 2)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/airflow-env.sh
source "$root/scripts/airflow-env.sh"

port=${FLEXLAKE_API_PORT:-8080}
host=${FLEXLAKE_API_HOST:-127.0.0.1}
stop_timeout=${FLEXLAKE_STOP_TIMEOUT:-30}
admin_password=${FLEXLAKE_ADMIN_PASSWORD:-admin}
log_dir=$AIRFLOW_HOME/logs/components
mkdir -p "$AIRFLOW_HOME" "$log_dir" "$FLEXLAKE_DATA_DIR"

# --- Executor and metadata DB ------------------------------------------------------------------------------
# LocalExecutor on the SQLite DB under AIRFLOW_HOME: Airflow 3 accepts it (`airflow standalone` does the
# same). Tasks talk to the execution API, not to the DB, so only the scheduler, dag-processor, triggerer
# and api-server write to SQLite. For anything beyond one laptop, set AIRFLOW__DATABASE__SQL_ALCHEMY_CONN
# to PostgreSQL.
export AIRFLOW__CORE__EXECUTOR=${AIRFLOW__CORE__EXECUTOR:-LocalExecutor}
celery_workers=0
case $AIRFLOW__CORE__EXECUTOR in
  LocalExecutor) ;;
  CeleryExecutor)
    # The broker is the caller's (Redis in compose and the tests). The result backend must not be Celery's
    # default here (db+ on Airflow's SQLite file: workers and scheduler would fight over its lock).
    : "${AIRFLOW__CELERY__BROKER_URL:?CeleryExecutor needs AIRFLOW__CELERY__BROKER_URL, e.g. redis://127.0.0.1:6379/0}"
    : "${AIRFLOW__CELERY__RESULT_BACKEND:?CeleryExecutor needs AIRFLOW__CELERY__RESULT_BACKEND, e.g. redis://127.0.0.1:6379/1}"
    celery_workers=${FLEXLAKE_CELERY_WORKERS:-2}
    celery_concurrency=${FLEXLAKE_CELERY_CONCURRENCY:-2}
    ;;
  *) echo "flexlake: AIRFLOW__CORE__EXECUTOR must be LocalExecutor or CeleryExecutor, not $AIRFLOW__CORE__EXECUTOR" >&2; exit 1 ;;
esac
# Tasks (LocalExecutor workers) call back into the api-server here; without it they use port 8080 and, on
# any other port, every task fails with "connection refused".
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL=http://127.0.0.1:$port/execution/
# Links Airflow builds (e.g. in logs and notifications) point at the port we actually serve.
export AIRFLOW__API__BASE_URL=${AIRFLOW__API__BASE_URL:-http://localhost:$port}
# On Linux the LocalExecutor forks `parallelism` workers (default 32) up front, ~150 MB RSS each (mostly
# shared): 8 is plenty for a laptop (a DuckDB tenant runs one task at a time, a server warehouse up to 8).
export AIRFLOW__CORE__PARALLELISM=${AIRFLOW__CORE__PARALLELISM:-8}
# Task logs: tasks write them under $AIRFLOW_HOME/logs and the api-server reads them from there. The
# scheduler's and triggerer's log servers (for remote workers) still bind these ports: a second stack on
# the same machine must pick others (the integration tests do).
export AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=${AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT:-8793}
export AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=${AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT:-8794}
# Bundle copies default to <system temp>/airflow, shared with everyone on the machine: keep ours here.
export AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH=$AIRFLOW_HOME/dag_bundles

# --- Onboarding latency: how soon a new tenant file becomes a DAG -------------------------------------------
# All tenants come from ONE DAG file (dags/flexlake_tenants.py) that reads tenant_configs/. A new or
# edited tenant YAML is therefore picked up at that file's next re-parse: min_file_process_interval.
# 30 s (Airflow's default) keeps a new tenant visible within ~30-40 s while each re-parse (Cosmos + the
# dbt manifest, ~1 s CPU per tenant) costs a few percent of one core; 10 s would triple that cost for a
# faster demo. Raise it when there are hundreds of tenants (a parse then takes longer than the interval).
export AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL=${AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL:-30}
# refresh_interval only matters for NEW .py files in dags/ (flexlake ships one, so tenants never wait on
# it); 300 s is Airflow's default, kept: listing the bundle is cheap but nothing here needs it faster.
export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=${AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL:-300}

# --- Login: the FAB auth manager (users and roles in the metadata DB; per-tenant roles, docs/deploy.md) -----
# The admin user is created (or its password reset) from FLEXLAKE_ADMIN_PASSWORD by `flexlake access sync
# --admin admin` below, which also creates one role per tenant file. The default `admin` password is for local
# development only: compose and Helm refuse to start without a password of your own.
export AIRFLOW__CORE__AUTH_MANAGER=airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager

# --- Start ---------------------------------------------------------------------------------------------------
if [[ ! -f $root/include/dbt/target/manifest.json ]]; then
  echo "include/dbt/target/manifest.json is missing: run \`make dbt-parse\` first (DAGs are built from it)." >&2
  exit 1
fi

echo "flexlake: AIRFLOW_HOME=$AIRFLOW_HOME, tenants from ${FLEXLAKE_TENANT_CONFIGS_DIR:-$root/tenant_configs}"
echo "flexlake: airflow db migrate"
airflow db migrate >"$log_dir/db-migrate.log" 2>&1 || { tail -n 40 "$log_dir/db-migrate.log" >&2; exit 1; }
# Before anything serves a login: the admin, and each tenant's role with its grants on the tenant's DAG. ~10 s (FAB's
# app and the plugins load); sequential, because the api-server's own FAB start-up writes the same tables.
echo "flexlake: flexlake access sync --admin admin (roles: one per tenant file)"
FLEXLAKE_ADMIN_PASSWORD=$admin_password flexlake access sync --admin admin >"$log_dir/access-sync.log" 2>&1 \
  || { tail -n 40 "$log_dir/access-sync.log" >&2; exit 1; }

declare -A pids=()
stopping=0

stop_all() {
  # SIGINT first (each component's clean shutdown also stops its own workers), then SIGKILL leftovers.
  [[ $stopping == 1 ]] && return
  stopping=1
  trap '' INT TERM
  echo "flexlake: stopping ${!pids[*]}"
  local name pid deadline
  # Celery workers first: a warm shutdown lets their running tasks finish (or time out) on their own.
  for name in $(worker_names) api-server scheduler triggerer dag-processor; do
    pid=${pids[$name]:-}
    [[ -n $pid ]] && kill -INT "$pid" 2>/dev/null || true
  done
  deadline=$((SECONDS + stop_timeout))
  for name in "${!pids[@]}"; do
    pid=${pids[$name]}
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  done
  for name in "${!pids[@]}"; do
    # Each component leads its own process group (set -m): this also reaches workers it left behind.
    if kill -KILL -- "-${pids[$name]}" 2>/dev/null; then echo "flexlake: killed what was left of $name" >&2; fi
  done
  wait 2>/dev/null || true
  echo "flexlake: stopped"
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM

worker_names() {
  local n
  for ((n = 1; n <= celery_workers; n++)); do echo "celery-worker-$n"; done
}

start() {
  # Job control on (set -m) only while starting a component: it then leads its own process group, so
  # (1) it does not inherit the "ignore SIGINT" that bash gives a script's background jobs, and (2) the
  # terminal's Ctrl-C reaches only this script, which stops the components in order and waits for them.
  local name=$1
  shift
  set -m
  airflow "$@" >"$log_dir/$name.log" 2>&1 &
  pids[$name]=$!
  set +m
}

start api-server api-server --host "$host" --port "$port"
start scheduler scheduler
start dag-processor dag-processor
start triggerer triggerer
for ((n = 1; n <= celery_workers; n++)); do
  # Each worker names the task instances it runs (their `hostname` in the UI/API): on one machine they
  # would otherwise all carry the machine's name. Task logs are files under AIRFLOW_HOME, which the
  # api-server reads directly, so the workers serve none (and bind no port).
  FLEXLAKE_WORKER_HOSTNAME=flexlake-worker-$n \
    AIRFLOW__CORE__HOSTNAME_CALLABLE=flexlake.settings.worker_hostname \
    start "celery-worker-$n" celery worker --celery-hostname "flexlake-worker-$n@%h" \
    --concurrency "$celery_concurrency" --skip-serve-logs
done

# --- Ready: the API answers and reports every component healthy (and every Celery worker said "ready") -----
workers_ready() {
  local name
  for name in $(worker_names); do
    grep -q " ready\.\$" "$log_dir/$name.log" 2>/dev/null || return 1
  done
}
health_url=http://127.0.0.1:$port/api/v2/monitor/health
ready_deadline=$((SECONDS + 180))
until curl -fsS --max-time 2 "$health_url" 2>/dev/null | python -c '
import json, sys
health = json.load(sys.stdin)
sys.exit(0 if all(part.get("status") == "healthy" for part in health.values()) else 1)
' 2>/dev/null && workers_ready; do
  for name in "${!pids[@]}"; do
    if ! kill -0 "${pids[$name]}" 2>/dev/null; then
      echo "flexlake: $name exited during start-up; last lines of $log_dir/$name.log:" >&2
      tail -n 40 "$log_dir/$name.log" >&2
      stop_all
      exit 1
    fi
  done
  if ((SECONDS > ready_deadline)); then
    echo "flexlake: not every component reports healthy after 180 s: $(curl -sS "$health_url" 2>&1)" >&2
    break
  fi
  sleep 1
done

executor_line=$AIRFLOW__CORE__EXECUTOR
component_names=api-server,scheduler,dag-processor,triggerer
for name in $(worker_names); do component_names+=",$name"; done
if ((celery_workers)); then executor_line+=", $celery_workers Celery workers x $celery_concurrency task slots"; fi
cat <<EOF

  flexlake Airflow is up:  http://localhost:$port   (login: admin / $admin_password)
  REST API:                http://localhost:$port/api/v2   (token: POST /auth/token)
  executor:                $executor_line
  component logs:          $log_dir/{$component_names}.log
  new tenant file -> DAG within ~${AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL} s (DAGs start paused)
  Ctrl-C stops everything.

EOF

# --- Run until Ctrl-C, or until a component dies (then stop the rest: half a stack only confuses) ----------
set +e
wait -n "${pids[@]}"
for name in "${!pids[@]}"; do
  if ! kill -0 "${pids[$name]}" 2>/dev/null; then
    echo "flexlake: $name stopped unexpectedly; last lines of $log_dir/$name.log:" >&2
    tail -n 40 "$log_dir/$name.log" >&2
  fi
done
stop_all
exit 1
