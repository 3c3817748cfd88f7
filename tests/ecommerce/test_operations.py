"""Health, readiness, metrics, request ids, JSON logs, profiling (SPEC §4.7)."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from ecommerce import views
from ecommerce.logging import JsonFormatter, RedactingFilter, RequestContextFilter, redact

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_readiness():
    views.reset_readiness_cache()
    yield
    views.reset_readiness_cache()


@pytest.mark.parametrize("path", ["/health", "/health/"])
def test_health_answers_without_the_database(client, path):
    # No django_db mark: any database access here would fail the test.
    response = client.get(path)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_ready_when_database_answers_and_migrations_are_applied(client):
    response = client.get("/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_not_ready_while_a_migration_is_unapplied(client):
    # The app's latest migration: an applied leaf hides its parents from the plan, whatever their records say.
    latest = MigrationRecorder(connection).migration_qs.filter(app="orders").order_by("-id").first()
    latest.delete()

    response = client.get("/ready")

    assert response.status_code == 503
    assert response.json()["reason"] == "unapplied migrations"
    assert f"orders.{latest.name}" in response.json()["migrations"]


def _run_django(code: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "LOG_LEVEL": "CRITICAL", **env}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + code],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_not_ready_when_the_database_is_unreachable():
    # Port 9 on loopback: nothing listens, so the connection is refused.
    result = _run_django(
        "from django.test import Client; r = Client().get('/ready'); print(r.status_code, r.content.decode())",
        DJANGO_SETTINGS_MODULE="ecommerce.settings",
        DATABASE_URL="mysql://nobody:nothing@127.0.0.1:9/none",
    )

    assert result.returncode == 0, result.stderr
    last_line = result.stdout.strip().splitlines()[-1]
    assert last_line.startswith("503 "), result.stdout
    assert "database unavailable" in last_line


@pytest.mark.django_db
def test_metrics_expose_prometheus_text(client):
    client.get("/health")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"django_http_requests_total_by_method_total" in response.content


@pytest.mark.django_db
def test_metrics_restricted_by_token(client, settings):
    settings.METRICS_TOKEN = "scrape-token-123"
    settings.METRICS_ALLOWED_IPS = []  # the suite allows the test client's 127.0.0.1 (tests/testenv.py)

    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer scrape-token-123"}).status_code == 200


@pytest.mark.django_db
def test_metrics_restricted_by_ip(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]

    assert client.get("/metrics", REMOTE_ADDR="192.168.1.5").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_request_id_is_generated_and_returned(client):
    response = client.get("/health")

    assert len(response["X-Request-ID"]) == 32


def test_request_id_from_the_caller_is_honoured(client):
    response = client.get("/health", headers={"X-Request-ID": "abc-123"})

    assert response["X-Request-ID"] == "abc-123"


def test_unsafe_request_id_is_replaced(client):
    response = client.get("/health", headers={"X-Request-ID": "bad id\nwith newline"})

    assert response["X-Request-ID"] != "bad id\nwith newline"
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_each_request_logs_one_line_with_its_context(client, caplog):
    caplog.set_level(logging.INFO, logger="ecommerce.request")

    client.get("/api/v1/", headers={"X-Request-ID": "req-42"})

    [record] = [r for r in caplog.records if r.name == "ecommerce.request"]
    assert record.request_id == "req-42"
    assert record.method == "GET"
    assert record.path == "/api/v1/"
    assert record.status == 200
    assert record.duration_ms >= 0


def test_json_formatter_writes_one_object_per_line():
    record = logging.LogRecord("shop", logging.WARNING, __file__, 1, "stock low for %s", ("SKU-1",), None)
    RequestContextFilter().filter(record)
    record.status = 409

    line = JsonFormatter().format(record)

    data = json.loads(line)
    assert "\n" not in line
    assert data["message"] == "stock low for SKU-1"
    assert data["level"] == "WARNING"
    assert data["logger"] == "shop"
    assert data["status"] == 409
    assert data["time"].endswith("+00:00")
    assert data["request_id"] == "-"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: Bearer abc.def.ghi", "abc.def.ghi"),
        ('{"password": "hunter2"}', "hunter2"),
        ("refresh=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.sig", "eyJhbGciOiJIUzI1NiJ9"),
        ("apikey=atsk_live_123", "atsk_live_123"),
    ],
)
def test_secrets_are_redacted_from_log_messages(text, secret):
    assert secret not in redact(text)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s", (text,), None)
    RedactingFilter().filter(record)
    assert secret not in record.getMessage()


def test_log_file_rotates_when_configured(tmp_path):
    log_file = tmp_path / "service.log"
    result = _run_django(
        "import logging; [logging.getLogger('shop').warning('line %d', i) for i in range(200)]",
        DJANGO_SETTINGS_MODULE="ecommerce.settings",
        LOG_LEVEL="INFO",
        LOG_FILE=str(log_file),
        LOG_FILE_MAX_BYTES="2000",
        LOG_FILE_BACKUPS="2",
    )

    assert result.returncode == 0, result.stderr
    assert log_file.exists() and (tmp_path / "service.log.1").exists()
    assert not (tmp_path / "service.log.3").exists()
    assert json.loads(log_file.read_text().splitlines()[-1])["message"] == "line 199"


@pytest.mark.django_db
def test_profile_is_returned_to_staff_when_enabled(client, settings, staff_user):
    settings.PROFILING_ENABLED = True
    client.force_login(staff_user)

    response = client.get("/api/v1/?profile")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"pyinstrument" in response.content


@pytest.mark.django_db
def test_profile_with_a_staff_bearer_token(client, settings, staff_user):
    from rest_framework_simplejwt.tokens import AccessToken

    settings.PROFILING_ENABLED = True
    token = str(AccessToken.for_user(staff_user))

    response = client.get("/api/v1/?profile", headers={"Authorization": f"Bearer {token}"})

    assert b"pyinstrument" in response.content


@pytest.mark.django_db
def test_profile_is_ignored_for_customers_and_when_disabled(client, settings, customer, staff_user):
    settings.PROFILING_ENABLED = True
    client.force_login(customer.user)
    assert client.get("/api/v1/?profile").json()["schema"]

    settings.PROFILING_ENABLED = False
    client.force_login(staff_user)
    assert client.get("/api/v1/?profile").json()["schema"]
