"""The bench's baseline is served by the bench's own URLconf only, never by the production one."""

import pytest
from django.urls import resolve

pytestmark = pytest.mark.django_db


@pytest.mark.urls("bench.urls")
def test_the_bench_urlconf_serves_the_baseline_and_the_projects_urls(api_client):
    baseline = api_client.get("/api/v1/bench/baseline")
    health = api_client.get("/health")

    assert baseline.status_code == 200
    # Bare Django's own query and answer (bench/bare/urls.py), through the service's stack.
    assert baseline.json() == {"status": "ok", "one": 1}
    assert health.status_code == 200
    assert resolve("/api/v1/bench/baseline").url_name == "bench-baseline"


def test_the_production_urlconf_has_no_baseline(api_client):
    response = api_client.get("/api/v1/bench/baseline")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_the_bench_settings_are_production_settings_with_the_bench_urlconf():
    import bench.settings
    import ecommerce.settings

    assert bench.settings.ROOT_URLCONF == "bench.urls"
    assert bench.settings.INSTALLED_APPS == ecommerce.settings.INSTALLED_APPS
    assert bench.settings.MIDDLEWARE == ecommerce.settings.MIDDLEWARE
