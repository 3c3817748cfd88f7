#!/usr/bin/env bash
# Deployment checks (run by .ci/run after lint; also by .github/workflows/ci.yml's "static" job).
# There is no Docker engine on these machines, so:
#   static   hadolint on the Dockerfile; the kustomize base and dev overlay rendered by `kubectl kustomize` and
#            validated (strict) by kubernetes-validate for the Kubernetes versions the README names, plus the
#            pod security rules of SPEC §6; docker-compose.yml against the compose specification's schema;
#            the GitHub workflow against its schema; every variable the deployment files read is in .env.example.
#   runtime  the image's own commands on this machine, as the image runs them (docker/entrypoint.sh with the
#            production settings, against MariaDB): migrate, wait-for-migrations, collectstatic, check --deploy,
#            gunicorn answering /health, /ready, static files and /metrics across workers, a clean SIGTERM stop;
#            task_worker started, its /health answering, stopped with SIGTERM; prune_notifications.
# usage: .ci/check-deploy.sh [static|runtime|all]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-all}"
K8S_VERSIONS="${K8S_VERSIONS:-1.33.0 1.37.0}"
BIN="${VENV:-.venv}/bin"
[ -x "$BIN/python" ] || make venv
SECONDS=0
say() { printf -- '--- %s\n' "$*"; }
die() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

static_checks() {
  say "hadolint Dockerfile"
  "$BIN/hadolint" Dockerfile
  grep -Eiq '^\s*(ENV|ARG)\s.*(SECRET|PASSWORD|TOKEN|API_KEY)' Dockerfile && die "a secret-looking ENV/ARG in the Dockerfile"
  sh -n docker/entrypoint.sh

  command -v kubectl >/dev/null || die "kubectl is missing (.ci/packages-deploy.sh installs it)"
  for dir in k8s/base k8s/overlays/dev; do
    rendered="$(mktemp)"
    kubectl kustomize "$dir" >"$rendered"
    for version in $K8S_VERSIONS; do
      say "kubectl kustomize $dir | kubernetes-validate --strict -k $version"
      "$BIN/kubernetes-validate" --strict --quiet -k "$version" "$rendered"
    done
    say "pod security and probes in $dir"
    "$BIN/python" .ci/check_manifests.py "$rendered"
    rm -f "$rendered"
  done
  for version in $K8S_VERSIONS; do
    "$BIN/kubernetes-validate" --strict --quiet -k "$version" k8s/secrets.example.yaml
  done

  say "docker-compose.yml against the compose specification"
  "$BIN/check-jsonschema" --builtin-schema vendor.compose-spec docker-compose.yml
  say ".github/workflows/ci.yml against the GitHub workflow schema"
  "$BIN/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/ci.yml

  say "every variable the deployment files read is listed in .env.example"
  missing=""
  for var in $( { grep -oE '\$\{[A-Z][A-Z0-9_]*' docker-compose.yml docker/entrypoint.sh | sed 's/.*{//'
                  grep -oE 'environ(\.get)?[(\[]"[A-Z][A-Z0-9_]*' docker/*.py | sed 's/.*"//'
                  grep -oE "_int\(\"[A-Z][A-Z0-9_]*" docker/gunicorn.conf.py | sed 's/.*"//'; } | sort -u); do
    case "$var" in DJANGO_SETTINGS_MODULE | POD_IP) continue ;; esac
    grep -qE "^#?\s*${var}=" .env.example || missing="$missing $var"
  done
  [ -z "$missing" ] || die "not in .env.example:$missing"
}

runtime_checks() {
  # Globals: the EXIT trap runs after this function has returned.
  db="${DEPLOYCHECK_DB:-ecommerce_deploycheck}" mysql=(mysql --protocol=tcp -h127.0.0.1 -uroot)
  web_pid="" worker_pid=""
  tmp="$(mktemp -d)"
  cleanup() {
    local rc=$?
    for pid in $web_pid $worker_pid; do kill -TERM "$pid" 2>/dev/null && sleep 1 && kill -KILL "$pid" 2>/dev/null; done
    "${mysql[@]}" -e "DROP DATABASE IF EXISTS \`$db\`" 2>/dev/null || true
    if [ "$rc" -ne 0 ]; then
      for log in "$tmp"/*.log; do [ -f "$log" ] && { echo "=== $log"; tail -n 40 "$log"; }; done
    fi
    rm -rf "$tmp"
  }
  trap cleanup EXIT

  # The production settings, as the image and the Kubernetes ConfigMap set them.
  unset DJANGO_SECURE_SSL_REDIRECT DJANGO_SESSION_COOKIE_SECURE DJANGO_CSRF_COOKIE_SECURE DJANGO_SECURE_HSTS_SECONDS \
        JWT_SIGNING_KEY METRICS_TOKEN METRICS_ALLOWED_IPS PROMETHEUS_MULTIPROC_DIR TASKS_BACKEND
  export PATH="$PWD/$BIN:$PATH" DJANGO_DEBUG=false DJANGO_MANIFEST_STATIC=true DJANGO_STATIC_ROOT="$tmp/static" \
         DJANGO_ALLOWED_HOSTS=shop.example.test DJANGO_SECURE_PROXY_SSL_HEADER=true LOG_FORMAT=json \
         DATABASE_URL="mysql://root@127.0.0.1:3306/$db" \
         DJANGO_SECRET_KEY="$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(50))')" \
         METRICS_TOKEN="$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(32))')" \
         CACHE_URL="${DEPLOYCHECK_CACHE_URL:-redis://127.0.0.1:6379/0}" CACHE_KEY_PREFIX="deploycheck-$$"

  "${mysql[@]}" -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"

  say "entrypoint wait-for-migrations fails on an unmigrated database"
  if WAIT_FOR_MIGRATIONS_TIMEOUT=1 docker/entrypoint.sh wait-for-migrations >"$tmp/wait1.log" 2>&1; then
    die "wait-for-migrations succeeded before migrate"
  fi
  say "collectstatic as the Dockerfile runs it (build-only key given inline)"
  DJANGO_SECRET_KEY=build-only-collectstatic-key-not-used-at-run-time-0123456789 DJANGO_ALLOWED_HOSTS=build \
    docker/entrypoint.sh manage collectstatic --noinput --verbosity 0
  say "manage.py check --deploy (production settings)"
  docker/entrypoint.sh manage check --deploy --fail-level WARNING
  say "entrypoint migrate"
  docker/entrypoint.sh migrate >"$tmp/migrate.log" 2>&1 || die "migrate failed"
  say "entrypoint wait-for-migrations succeeds after migrate"
  WAIT_FOR_MIGRATIONS_TIMEOUT=30 docker/entrypoint.sh wait-for-migrations

  say "entrypoint web: gunicorn, 2 workers, multiprocess metrics"
  port="$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  mkdir -p "$tmp/prometheus" && echo stale >"$tmp/prometheus/counter_1.db"
  PORT="$port" GUNICORN_BIND="127.0.0.1:$port" GUNICORN_WORKERS=2 GUNICORN_THREADS=1 \
    PROMETHEUS_MULTIPROC_DIR="$tmp/prometheus" docker/entrypoint.sh web >"$tmp/web.log" 2>&1 &
  web_pid=$!
  for _ in $(seq 1 60); do
    PORT="$port" "$BIN/python" docker/healthcheck.py 2>/dev/null && break
    kill -0 "$web_pid" 2>/dev/null || die "gunicorn exited at start"
    sleep 0.5
  done
  PORT="$port" "$BIN/python" docker/healthcheck.py || die "the HEALTHCHECK script fails against a running web"
  "$BIN/python" .ci/deploy_smoke.py "http://127.0.0.1:$port" shop.example.test "$tmp/prometheus" "$tmp/static"
  say "web stops cleanly on SIGTERM"
  kill -TERM "$web_pid"
  rc=0; wait "$web_pid" || rc=$?; web_pid=""
  [ "$rc" -eq 0 ] || die "gunicorn exited with $rc on SIGTERM"
  grep -q "Shutting down: Master" "$tmp/web.log" || die "no clean shutdown in the web log"
  "$BIN/python" - "$tmp/web.log" <<'PY' || die "the web log has lines that are not JSON"
import json, sys
lines = [line for line in open(sys.argv[1]) if line.strip()]
for line in lines:
    json.loads(line)
print(f"ok: {len(lines)} log lines, every one JSON")
PY
  if PORT="$port" "$BIN/python" docker/healthcheck.py 2>/dev/null; then die "HEALTHCHECK passes with no server"; fi

  say "entrypoint worker: task_worker starts, answers /health, stops on SIGTERM"
  health_port="$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  TASKS_BACKEND=database WORKER_THREADS=4 WORKER_HEALTH_PORT="$health_port" docker/entrypoint.sh worker >"$tmp/worker.log" 2>&1 &
  worker_pid=$!
  for _ in $(seq 1 60); do
    grep -q "Worker started" "$tmp/worker.log" && break
    kill -0 "$worker_pid" 2>/dev/null || die "task_worker exited at start"
    sleep 0.5
  done
  grep -q "Worker started" "$tmp/worker.log" || die "task_worker did not start"
  "$BIN/python" - "$health_port" <<'PY' || die "the worker's /health did not answer 200 with 4 live threads"
import json, sys, urllib.request
body = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/health", timeout=5))
assert body["status"] == "ok" and body["alive"] == 4, body
print(f"ok: worker health {body}")
PY
  sleep 1
  kill -TERM "$worker_pid"
  rc=0; wait "$worker_pid" || rc=$?; worker_pid=""
  [ "$rc" -eq 0 ] || die "task_worker exited with $rc on SIGTERM"

  say "the CronJob's command: manage prune_notifications"
  TASKS_BACKEND=database docker/entrypoint.sh manage prune_notifications

  say "the CronJob's command: manage retry_notifications"
  TASKS_BACKEND=database docker/entrypoint.sh manage retry_notifications
}

case "$mode" in
  static) static_checks ;;
  runtime) runtime_checks ;;
  all) static_checks; runtime_checks ;;
  *) die "usage: $0 [static|runtime|all]" ;;
esac
echo "deployment checks passed in ${SECONDS} s"
