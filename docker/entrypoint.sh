#!/bin/sh
# Entry point of the ecommerce-service image. The first argument picks the process:
#   web                   gunicorn serving the app on $PORT (default 8080), settings from docker/gunicorn.conf.py
#   worker                the background task worker (`manage.py task_worker`: WORKER_THREADS threads; needs
#                         TASKS_BACKEND=database; GET /health on WORKER_HEALTH_PORT for its liveness probe)
#   migrate               wait for the database (WAIT_FOR_DB_TIMEOUT s), then apply migrations
#   wait-for-migrations   wait until every migration is applied (WAIT_FOR_MIGRATIONS_TIMEOUT s); an init container
#   manage ARGS...        any management command, e.g. `manage retry_notifications`
#   anything else         run as given (`python`, `sh`, ...)
# It runs unchanged outside the image (`.ci/check-deploy.sh` runs it with the venv on PATH).
set -eu
cd "$(dirname "$0")/.."

log() { printf '{"level": "INFO", "logger": "entrypoint", "message": "%s"}\n' "$*"; }
fail() { printf '{"level": "ERROR", "logger": "entrypoint", "message": "%s"}\n' "$*" >&2; exit 1; }

# Wait until "$@" succeeds, at most $1 seconds (the first argument), trying every 2 seconds.
retry_for() {
  deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 2
  done
}

db_answers() {
  python -c 'import django; django.setup(); from django.db import connection; connection.ensure_connection()'
}

export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-ecommerce.settings}"
command="${1:-web}"
[ "$#" -gt 0 ] && shift

case "$command" in
  web)
    # Probes and scrapes reach the pod by its IP and the HEALTHCHECK by 127.0.0.1: accept those Host
    # headers too (they name no public host, so they cannot poison generated links). An empty
    # DJANGO_ALLOWED_HOSTS stays empty, so the settings still refuse to start without real host names.
    if [ -n "${DJANGO_ALLOWED_HOSTS:-}" ]; then
      DJANGO_ALLOWED_HOSTS="${DJANGO_ALLOWED_HOSTS},127.0.0.1,localhost${POD_IP:+,$POD_IP}"
      export DJANGO_ALLOWED_HOSTS
    fi
    exec gunicorn --config docker/gunicorn.conf.py "$@"
    ;;
  worker)
    exec python manage.py task_worker "$@"
    ;;
  migrate)
    log "waiting for the database (at most ${WAIT_FOR_DB_TIMEOUT:-120} s)"
    retry_for "${WAIT_FOR_DB_TIMEOUT:-120}" db_answers || { db_answers || true; fail "the database did not answer"; }
    exec python manage.py migrate --noinput "$@"
    ;;
  wait-for-migrations)
    log "waiting for migrations to be applied (at most ${WAIT_FOR_MIGRATIONS_TIMEOUT:-600} s)"
    retry_for "${WAIT_FOR_MIGRATIONS_TIMEOUT:-600}" python manage.py migrate --check --noinput \
      || fail "migrations are still unapplied (or the database does not answer)"
    log "all migrations applied"
    ;;
  manage)
    exec python manage.py "$@"
    ;;
  *)
    exec "$command" "$@"
    ;;
esac
