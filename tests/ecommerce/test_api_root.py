import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1", "/api/v1/"])
def test_api_root_answers_with_and_without_slash(api_client, path):
    response = api_client.get(path)

    assert response.status_code == 200
    assert response.json()["schema"].endswith("/api/v1/schema/")


def test_pagination_follows_the_spec(rf):
    from rest_framework.request import Request

    from ecommerce.api import Pagination

    paginator = Pagination()
    items = list(range(250))

    page = paginator.paginate_queryset(items, Request(rf.get("/x", {"page_size": "1000"})))
    assert len(page) == 100  # capped
    page = paginator.paginate_queryset(items, Request(rf.get("/x")))
    assert len(page) == 20  # default
    body = paginator.get_paginated_response(page).data
    assert list(body) == ["count", "next", "previous", "results"]
    assert body["count"] == 250


def test_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    assert "openapi: 3" in out.read_text()


@pytest.mark.parametrize(
    ("path", "marker"),
    [("/api/v1/docs/", "swagger-ui"), ("/api/v1/redoc/", "redoc")],
)
def test_docs_pages_use_local_assets(client, path, marker):
    response = client.get(path)

    html = response.content.decode()
    assert response.status_code == 200
    assert marker in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn." not in html and "unpkg" not in html


def test_schema_endpoint_is_openapi_3(client):
    response = client.get("/api/v1/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})

    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_schema_lists_resource_paths_without_trailing_slash(client):
    paths = client.get("/api/v1/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}).json()["paths"]

    assert "/api/v1/products" in paths
    assert "/api/v1/products/{id}" in paths
    assert not [path for path in paths if path.endswith("/") and path != "/api/v1/"]
