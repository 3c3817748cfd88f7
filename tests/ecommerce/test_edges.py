"""Less travelled paths of the foundation: Django's own handlers, odd headers, odd error shapes."""

import io

import pytest
from django.test import Client
from rest_framework import serializers

from ecommerce import views
from ecommerce.api import flatten_errors

pytestmark = pytest.mark.urls("tests.ecommerce.urls")


def test_flatten_errors_handles_every_shape_drf_produces():
    detail = {
        "name": ["Too long."],
        "items": [{}, {"quantity": ["Too small."]}],
        "address": {"city": ["Required."]},
        "tags": [[], ["Bad tag."]],
        "non_field_errors": ["Mismatch."],
    }

    assert flatten_errors(detail) == {
        "name": ["Too long."],
        "items.1.quantity": ["Too small."],
        "address.city": ["Required."],
        "tags.1": ["Bad tag."],
        "non_field_errors": ["Mismatch."],
    }
    assert flatten_errors("Just wrong.") == {"non_field_errors": ["Just wrong."]}
    assert flatten_errors(["a", "b"]) == {"non_field_errors": ["a", "b"]}


def test_top_level_validation_error_is_non_field(rf):
    from ecommerce.api import problem_exception_handler

    response = problem_exception_handler(serializers.ValidationError("Items and note disagree."), {})

    assert response.status_code == 400
    assert response.data["errors"] == {"non_field_errors": ["Items and note disagree."]}


def test_django_404_and_permission_denied_raised_in_views_are_problems():
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from ecommerce.api import problem_exception_handler

    assert problem_exception_handler(Http404("secret path"), {}).data["status"] == 404
    assert problem_exception_handler(PermissionDenied(), {}).data["status"] == 403
    assert problem_exception_handler(ValueError("not ours"), {}) is None


@pytest.mark.django_db
def test_chunked_body_within_the_limit_is_read():
    response = Client().generic(
        "POST",
        "/api/v1/_test/echo",
        b'{"name": "ok", "items": [{"product": 1, "quantity": 2}]}',
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        CONTENT_LENGTH="",
        # A stream that, like a real server's, returns what it has when asked for more.
        **{"wsgi.input": io.BytesIO(b'{"name": "ok", "items": [{"product": 1, "quantity": 2}]}')},
    )

    assert response.status_code == 201
    assert response.json() == {"name": "ok", "items": [{"product": 1, "quantity": 2}]}


def test_non_numeric_content_length_is_400():
    response = Client().generic(
        "POST", "/api/v1/_test/echo", b"{}", content_type="application/json", CONTENT_LENGTH="x"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("handler", "status"),
    [(views.handler400, 400), (views.handler403, 403), (views.handler404, 404)],
)
def test_django_handlers_answer_problems_under_api_and_html_elsewhere(rf, handler, status):
    api = handler(rf.get("/api/v1/x"), Exception())
    page = handler(rf.get("/shop"), Exception())

    assert api.status_code == status
    assert api["Content-Type"] == "application/problem+json"
    assert page.status_code == status
    assert page["Content-Type"].startswith("text/html")


def test_server_error_handler_outside_the_api_is_html(rf):
    response = views.handler500(rf.get("/shop"))

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_metrics_ip_allow_list_ignores_bad_entries_and_addresses(client, settings):
    settings.METRICS_ALLOWED_IPS = ["not-a-network", "127.0.0.1"]

    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="garbage").status_code == 403


@pytest.mark.django_db
def test_profiling_ignores_a_bad_bearer_token(client, settings):
    settings.PROFILING_ENABLED = True

    response = client.get("/api/v1/?profile", headers={"Authorization": "Bearer broken"})

    assert response.status_code == 401
    assert b"pyinstrument" not in response.content
