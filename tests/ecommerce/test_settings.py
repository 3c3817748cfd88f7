"""Configuration comes from the environment, and production refuses unsafe defaults (SPEC §4.7)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "x7!Qm2#vR9pL4@tZ8wK1&nB6^yH3*cF5(gJ0)dS-aE_uI+oP=lM"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "EMAIL_"))}
    base["LOG_LEVEL"] = "CRITICAL"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def settings_value(expression: str, **env: str) -> str:
    result = run_manage("shell", "-c", f"from django.conf import settings; print({expression})", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_refuses_to_start_on_the_default_secret_key_with_debug_off():
    result = run_manage("check", DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="shop.example.com")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_refuses_to_start_without_allowed_hosts_with_debug_off():
    result = run_manage("check", DJANGO_DEBUG="false", DJANGO_SECRET_KEY=GOOD_KEY)

    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_check_deploy_is_clean_in_production_configuration():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=GOOD_KEY,
        DJANGO_ALLOWED_HOSTS="shop.example.com",
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_runs_on_defaults():
    assert settings_value("settings.DEBUG", DJANGO_DEBUG="true") == "True"


def test_sqlite_is_the_default_database():
    assert settings_value("settings.DATABASES['default']['ENGINE']", DJANGO_DEBUG="true").endswith("sqlite3")


def test_mysql_url_gets_utf8mb4_strict_mode_and_connection_reuse():
    env = {
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": "mysql://shop:s3cret@db.internal:3307/shop",
        "DATABASE_CONN_MAX_AGE": "120",
    }
    db = settings_value("repr(settings.DATABASES['default'])", **env)

    # django-prometheus' query metrics, through its wrapper's subclass (ecommerce/db/backends/).
    assert "'ENGINE': 'ecommerce.db.backends.mysql'" in db
    assert "'HOST': 'db.internal'" in db and "'PORT': 3307" in db and "'NAME': 'shop'" in db
    assert "'charset': 'utf8mb4'" in db
    assert "STRICT_TRANS_TABLES" in db
    assert "'CONN_MAX_AGE': 120" in db


def test_production_sets_secure_cookies_hsts_and_exempts_probes_from_redirect():
    env = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": GOOD_KEY, "DJANGO_ALLOWED_HOSTS": "shop.example.com"}
    value = settings_value(
        "(settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, "
        "settings.SECURE_HSTS_SECONDS > 0, settings.SECURE_REDIRECT_EXEMPT)",
        **env,
    )
    assert value.startswith("(True, True, True, True,")
    assert "health" in value and "ready" in value and "metrics" in value

    assert settings_value("settings.SECURE_SSL_REDIRECT", **env, DJANGO_SECURE_SSL_REDIRECT="false") == "False"


def test_probes_are_not_redirected_to_https_but_the_api_is():
    code = (
        "from django.test import Client; c = Client();"
        "print(c.get('/health').status_code, c.get('/api/v1/').status_code)"
    )
    result = run_manage(
        "shell",
        "-c",
        code,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=GOOD_KEY,
        DJANGO_ALLOWED_HOSTS="testserver",
    )

    assert result.stdout.strip().splitlines()[-1].split() == ["200", "301"], result.stderr


def test_env_example_lists_every_variable_the_settings_read():
    import re

    settings_source = (ROOT / "ecommerce" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', settings_source))
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))

    assert read, "no variables found in settings.py"
    assert read - listed == set()


def test_debug_prints_emails_on_the_console_and_sends_order_emails_to_the_demo_staff_user():
    # `make run`: a demo order's email is sent (to the console), not recorded as failed for want of an address.
    backend = settings_value("settings.MAILERS['default']['BACKEND']", DJANGO_DEBUG="true")
    assert backend == "django.core.mail.backends.console.EmailBackend"
    assert settings_value("settings.ORDER_NOTIFICATION_EMAILS", DJANGO_DEBUG="true") == "['admin@example.com']"


def test_debug_with_admins_sends_order_emails_to_them_and_production_has_no_default_address():
    with_admins = settings_value(
        "settings.ORDER_NOTIFICATION_EMAILS", DJANGO_DEBUG="true", DJANGO_ADMINS="ops@shop.test"
    )
    assert with_admins == "[]"
    production = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": GOOD_KEY, "DJANGO_ALLOWED_HOSTS": "shop.example.com"}
    assert settings_value("settings.ORDER_NOTIFICATION_EMAILS", **production) == "[]"
    assert settings_value("settings.MAILERS['default']['BACKEND']", **production).endswith("smtp.EmailBackend")


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_a_django_log_line_is_printed_once_in_debug(log_format):
    # Django's default logging gives the "django" logger a console handler of its own in debug; with the root's
    # handler too every line came out twice (plain and JSON).
    result = run_manage(
        "shell",
        "-c",
        "import logging; logging.getLogger('django.probe').info('probe-line-4711')",
        DJANGO_DEBUG="true",
        LOG_LEVEL="INFO",
        LOG_FORMAT=log_format,
    )

    assert result.returncode == 0, result.stderr
    assert (result.stdout + result.stderr).count("probe-line-4711") == 1, result.stdout + result.stderr


def test_runservers_request_lines_are_not_printed_beside_ours():
    # ecommerce.request logs every request; runserver's own line for a 4xx (django.server, a warning) came out
    # as well, plain, through Python's last-resort handler.
    result = run_manage(
        "shell",
        "-c",
        "import logging; logging.getLogger('django.server').warning('probe-request-4711')",
        DJANGO_DEBUG="true",
        LOG_LEVEL="INFO",
    )

    assert result.returncode == 0, result.stderr
    assert "probe-request-4711" not in result.stdout + result.stderr


def test_low_stock_threshold_comes_from_the_environment_and_is_never_negative():
    assert settings_value("settings.LOW_STOCK_THRESHOLD", DJANGO_DEBUG="true") == "5"
    assert settings_value("settings.LOW_STOCK_THRESHOLD", DJANGO_DEBUG="true", LOW_STOCK_THRESHOLD="12") == "12"

    refused = run_manage("check", DJANGO_DEBUG="true", LOW_STOCK_THRESHOLD="-1")

    assert refused.returncode != 0 and "LOW_STOCK_THRESHOLD" in refused.stderr
