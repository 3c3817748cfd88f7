"""Operations endpoints: liveness, readiness, metrics, and the API root's error handlers."""

from __future__ import annotations

import ipaddress
import logging

import prometheus_client
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.utils.module_loading import import_string
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django_prometheus.exports import ExportToDjangoView

from ecommerce.api import problem_json_response
from ecommerce.metrics import flush as flush_metrics

logger = logging.getLogger(__name__)

_migrations_checked = False


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No database call, so a slow database never kills pods."""
    return JsonResponse({"status": "ok"})


@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: the database answers and every migration is applied; else 503 with the reason."""
    global _migrations_checked
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any driver error means "not ready"
        logger.warning("readiness: database unavailable: %s", error.__class__.__name__)
        return JsonResponse({"status": "unavailable", "reason": "database unavailable"}, status=503)
    if not _migrations_checked:
        # Applied migrations are not un-applied under a running process, so one success is enough.
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            names = [f"{migration.app_label}.{migration.name}" for migration, _ in plan]
            return JsonResponse(
                {"status": "unavailable", "reason": "unapplied migrations", "migrations": names[:20]}, status=503
            )
        _migrations_checked = True
    return JsonResponse({"status": "ok"})


def reset_readiness_cache() -> None:
    global _migrations_checked
    _migrations_checked = False


def metrics_unrestricted_refused() -> bool:
    """True when /metrics refuses everyone: debug off and neither METRICS_TOKEN nor METRICS_ALLOWED_IPS set."""
    return not (settings.DEBUG or settings.METRICS_ALLOWED_IPS or settings.METRICS_TOKEN)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text for a listed client IP or the `METRICS_TOKEN` bearer (SPEC §4.7, §6).

    Order counts and revenue are in there, so with debug off and neither setting it refuses (403;
    the app logs a warning at start). In debug, with neither set, it is open.
    """
    allowed_ips, token = settings.METRICS_ALLOWED_IPS, settings.METRICS_TOKEN
    if metrics_unrestricted_refused():
        return problem_json_response(
            403, "Metrics are off: set METRICS_TOKEN or METRICS_ALLOWED_IPS.", code="permission_denied"
        )
    if allowed_ips or token:
        by_ip = bool(allowed_ips) and _ip_allowed(request.META.get("REMOTE_ADDR", ""), allowed_ips)
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        by_token = bool(token) and bool(given) and constant_time_compare(given, token)
        if not (by_ip or by_token):
            return problem_json_response(403, "Metrics are restricted.", code="permission_denied")
    flush_metrics()  # this worker's buffered events first (ecommerce/metrics.py)
    response = ExportToDjangoView(request)
    response.content += _extra_metrics()
    return response


def _extra_metrics() -> bytes:
    """The collectors of `METRICS_EXTRA_COLLECTORS` (values read at scrape time, e.g. from the database)."""
    registry = prometheus_client.CollectorRegistry(auto_describe=False)
    for path in settings.METRICS_EXTRA_COLLECTORS:
        registry.register(import_string(path)())
    return prometheus_client.generate_latest(registry)


def _ip_allowed(address: str, allowed: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in allowed:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def handler400(request, exception=None):
    if _is_api(request):
        return problem_json_response(400, "The request could not be understood.", code="bad_request")
    return defaults.bad_request(request, exception)


def handler403(request, exception=None):
    if _is_api(request):
        return problem_json_response(
            403, "You do not have permission to perform this action.", code="permission_denied"
        )
    return defaults.permission_denied(request, exception)


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    # Exempt: an unknown path is a 404 problem for every method, not Django's HTML CSRF page.
    return problem_json_response(404, "Not found.", code="not_found")


def handler404(request, exception=None):
    if _is_api(request):
        return problem_json_response(404, "Not found.", code="not_found")
    return defaults.page_not_found(request, exception)


def handler500(request):
    if _is_api(request):
        return problem_json_response(500, "An unexpected error occurred; it has been logged.", code="server_error")
    return defaults.server_error(request)
