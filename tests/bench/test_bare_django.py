"""The bench's bare-Django yardstick (bench/bare/): startproject's project, with the service's database settings."""

import importlib
import sys

import pytest

import ecommerce.settings

URL = "mysql://shop:s3cret@db.internal:3307/shop_bench"


@pytest.fixture
def bare_settings(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "k" * 50)
    monkeypatch.setenv("DATABASE_URL", URL)
    sys.modules.pop("bench.bare.settings", None)
    module = importlib.import_module("bench.bare.settings")
    yield module
    sys.modules.pop("bench.bare.settings", None)


def test_bare_django_has_startprojects_apps_and_middleware_and_debug_off(bare_settings):
    assert bare_settings.DEBUG is False
    assert bare_settings.MIDDLEWARE == [
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]
    assert bare_settings.INSTALLED_APPS == [
        "django.contrib.admin",
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "django.contrib.staticfiles",
    ]


def test_bare_django_uses_the_services_database_settings_without_its_metrics_wrapper(bare_settings, monkeypatch):
    monkeypatch.delenv("DATABASE_CONN_MAX_AGE", raising=False)
    bare = dict(bare_settings.DATABASES["default"])
    service = dict(ecommerce.settings._database(URL))

    assert bare.pop("ENGINE") == "django.db.backends.mysql"
    assert service.pop("ENGINE") == "ecommerce.db.backends.mysql"
    service.pop("TEST", None)
    assert bare == service
