"""Every error under /api/ is an RFC 9457 problem (SPEC §3)."""

import io

import pytest
from rest_framework.test import APIClient

from tests.conftest import assert_problem

pytestmark = [pytest.mark.urls("tests.ecommerce.urls"), pytest.mark.django_db]


def test_validation_error_lists_fields_by_dotted_path(api_client):
    response = api_client.post(
        "/api/v1/_test/echo",
        {"name": "x" * 11, "items": [{"product": 1, "quantity": 1}, {"product": 2, "quantity": 0}]},
    )

    body = assert_problem(response, 400)
    assert body["title"] == "Invalid input"
    assert set(body["errors"]) == {"name", "items.1.quantity"}
    assert body["errors"]["items.1.quantity"] == ["Ensure this value is greater than or equal to 1."]


def test_malformed_json_is_400(api_client):
    response = api_client.generic("POST", "/api/v1/_test/echo", b'{"name": ', content_type="application/json")

    body = assert_problem(response, 400)
    assert "JSON parse error" in body["detail"]


def test_non_utf8_body_is_400(api_client):
    response = api_client.generic(
        "POST", "/api/v1/_test/echo", b'{"name": "\xff\xfe"}', content_type="application/json"
    )

    assert_problem(response, 400)


def test_other_content_type_is_415(api_client):
    response = api_client.generic(
        "POST", "/api/v1/_test/echo", b"name=x", content_type="application/x-www-form-urlencoded"
    )

    body = assert_problem(response, 415)
    assert "application/x-www-form-urlencoded" in body["detail"]


def test_body_over_the_limit_is_413_before_it_is_read(api_client, settings):
    settings.API_MAX_BODY_BYTES = 100
    response = api_client.post("/api/v1/_test/echo", {"name": "x" * 200, "items": []})

    body = assert_problem(response, 413)
    assert "100 bytes" in body["detail"]


def test_chunked_body_over_the_limit_is_413(settings):
    from django.test import Client

    settings.API_MAX_BODY_BYTES = 50
    client = Client()
    # A chunked body has no Content-Length; the middleware reads at most limit + 1 bytes.
    response = client.generic(
        "POST",
        "/api/v1/_test/echo",
        b"{" + b" " * 200 + b"}",
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        CONTENT_LENGTH="",
        **{"wsgi.input": io.BytesIO(b"{" + b" " * 200 + b"}")},
    )

    assert_problem(response, 413)


def test_missing_credentials_is_401_with_bearer_challenge(api_client):
    response = api_client.get("/api/v1/_test/private")

    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_bad_token_is_401(api_client):
    response = api_client.get("/api/v1/_test/private", headers={"Authorization": "Bearer not-a-token"})

    body = assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert body["detail"]


def test_authenticated_but_not_allowed_is_403(customer_client):
    assert_problem(customer_client.get("/api/v1/_test/staff"), 403)


def test_unknown_api_path_is_problem_404(api_client):
    body = assert_problem(api_client.get("/api/v1/no-such-thing"), 404)
    assert body["detail"] == "Not found."


def test_unknown_path_outside_the_api_is_html_404(api_client):
    response = api_client.get("/no-such-page")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_wrong_method_is_405(api_client):
    assert_problem(api_client.delete("/api/v1/_test/echo"), 405)


def test_domain_error_is_a_problem_with_its_own_type_and_errors(api_client):
    body = assert_problem(api_client.post("/api/v1/_test/conflict", {}), 409)

    assert body["type"] == "urn:ecommerce:problem:insufficient-stock"
    assert body["title"] == "Insufficient stock"
    assert body["errors"] == {"items.0.quantity": ["Only 3 available."]}


def test_throttled_is_429_with_retry_after(api_client):
    assert api_client.get("/api/v1/_test/throttled").status_code == 200

    response = api_client.get("/api/v1/_test/throttled")

    assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0


def test_unhandled_error_under_api_is_problem_500():
    client = APIClient(raise_request_exception=False)

    response = client.get("/api/v1/_test/boom")

    assert_problem(response, 500)
    assert "internal detail 42" not in response.content.decode()  # no internals leak


def test_errors_are_json_even_when_the_browser_asks_for_html(api_client):
    response = api_client.get("/api/v1/_test/private", headers={"Accept": "text/html"})

    assert_problem(response, 401)
