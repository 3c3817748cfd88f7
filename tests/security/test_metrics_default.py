"""/metrics with debug off and neither METRICS_TOKEN nor METRICS_ALLOWED_IPS refuses, and says so at start (SPEC §6)."""

import pytest

from tests.ecommerce.test_settings import GOOD_KEY, run_manage

PRODUCTION = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": GOOD_KEY, "DJANGO_ALLOWED_HOSTS": "shop.example.com"}
WARNING = "/metrics refuses every scrape"


@pytest.mark.django_db
def test_metrics_refuse_everyone_when_nothing_is_configured_and_debug_is_off(client, settings):
    settings.DEBUG = False
    settings.METRICS_ALLOWED_IPS = []
    settings.METRICS_TOKEN = ""

    anonymous = client.get("/metrics")
    with_a_token = client.get("/metrics", headers={"Authorization": "Bearer anything"})

    assert anonymous.status_code == 403
    assert anonymous["Content-Type"] == "application/problem+json"
    assert "METRICS_TOKEN" in anonymous.json()["detail"]
    assert b"orders_created" not in anonymous.content
    assert with_a_token.status_code == 403


@pytest.mark.django_db
def test_metrics_stay_open_in_debug_when_nothing_is_configured(client, settings):
    settings.DEBUG = True
    settings.METRICS_ALLOWED_IPS = []
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics").status_code == 200


@pytest.fixture
def no_metrics_settings(monkeypatch):
    monkeypatch.delenv("METRICS_ALLOWED_IPS", raising=False)  # the suite's own (tests/testenv.py)
    monkeypatch.delenv("METRICS_TOKEN", raising=False)


def test_start_logs_a_warning_when_metrics_would_refuse_everyone(no_metrics_settings):
    result = run_manage("check", **PRODUCTION, LOG_LEVEL="WARNING")

    assert result.returncode == 0, result.stderr
    assert WARNING in result.stdout + result.stderr


@pytest.mark.parametrize("setting", [{"METRICS_TOKEN": "a-scrape-token"}, {"METRICS_ALLOWED_IPS": "10.0.0.0/8"}])
def test_no_warning_once_metrics_are_configured(no_metrics_settings, setting):
    result = run_manage("check", **PRODUCTION, **setting, LOG_LEVEL="WARNING")

    assert result.returncode == 0, result.stderr
    assert WARNING not in result.stdout + result.stderr


# --- Secret keys: refused at start where `check --deploy` would flag them ---------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "a" * 60,  # one distinct character
        "x7!Qm2#vR9pL4@tZ8wK1&nB6^yH3*cF5(gJ0)",  # 37 characters: passed the old 32-character rule
        "django-insecure-" + "q8#mZ2!vR9pL4@tZ8wK1&nB6^yH3*cF5(gJ0)dS",
    ],
)
def test_start_refuses_a_secret_key_check_deploy_would_flag(key):
    refused = run_manage("check", **{**PRODUCTION, "DJANGO_SECRET_KEY": key})
    deploy = run_manage("check", "--deploy", **{**PRODUCTION, "DJANGO_DEBUG": "true", "DJANGO_SECRET_KEY": key})

    assert refused.returncode != 0
    assert "DJANGO_SECRET_KEY must be a random value of at least 50 characters" in refused.stderr
    assert "security.W009" in deploy.stdout + deploy.stderr  # the same key, as Django's deploy check sees it


def test_start_refuses_a_weak_jwt_signing_key():
    result = run_manage("check", **PRODUCTION, JWT_SIGNING_KEY="short-jwt-key")

    assert result.returncode != 0
    assert "JWT_SIGNING_KEY" in result.stderr


def test_an_empty_jwt_signing_key_falls_back_to_the_secret_key():
    from tests.ecommerce.test_settings import settings_value

    value = settings_value(
        "settings.SIMPLE_JWT['SIGNING_KEY'] == settings.SECRET_KEY", **PRODUCTION, JWT_SIGNING_KEY=""
    )

    assert value == "True"
