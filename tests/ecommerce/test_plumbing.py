"""The cheaper plumbing gives the same answers as what it replaced (issue 13): the orjson renderer,
the negotiation shortcut, redaction's shortcut, lazy sessions and messages, the session
authentication shortcut, the throttle classes, and django-prometheus' query metrics."""

import datetime
import json
import logging
import random
import string
import uuid
from decimal import Decimal

import pytest
from django.contrib import messages
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils.functional import empty
from django.utils.translation import gettext_lazy
from prometheus_client import REGISTRY
from rest_framework import renderers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request

from catalog.models import Product
from ecommerce import logging as shop_logging
from ecommerce.middleware import MessageMiddleware, SessionMiddleware
from ecommerce.renderers import ContentNegotiation, JSONRenderer
from tests.ecommerce.test_settings import settings_value

# --- The renderer ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"id": 1, "price": "1499.00", "name": "Kikoi ŵ 😀", "tags": ["a", "b"], "none": None, "ok": True},
        [{"nested": {"deep": [1, 2.5, -3]}}],
        {"created_at": datetime.datetime(2026, 12, 1, 10, 0, 0, 123456, tzinfo=datetime.UTC)},
        {"naive": datetime.datetime(2026, 12, 1, 10, 0), "day": datetime.date(2026, 12, 1), "at": datetime.time(9, 5)},
        {"decimal": Decimal("12.50"), "uuid": uuid.UUID(int=7), "lazy": gettext_lazy("Not found.")},
        {1: "int key", "set": {3}, "tuple": (1, 2), "timedelta": datetime.timedelta(seconds=90)},
        {"separators": "line\u2028paragraph\u2029end"},
        {"big": 2**70},
        "just a string",
        [],
    ],
)
def test_the_orjson_renderer_writes_what_drfs_renderer_writes(data):
    assert JSONRenderer().render(data) == renderers.JSONRenderer().render(data)


def test_the_renderer_pretty_prints_like_drf():
    data = {"a": [1, {"b": "c"}]}
    ours = JSONRenderer().render(data, "application/json; indent=4", {})
    assert ours == renderers.JSONRenderer().render(data, "application/json; indent=4", {})
    assert b"\n    " in ours


def test_the_renderer_renders_nothing_for_none():
    assert JSONRenderer().render(None) == b""


# --- Content negotiation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "query"),
    [
        (None, ""),
        ("*/*", ""),
        ("application/json", ""),
        ("text/html", ""),
        ("application/json; indent=4", ""),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", ""),
        ("application/*", ""),
        ("*/*", "format=api"),
        ("application/json", "format=json"),
    ],
)
def test_negotiation_chooses_what_drf_chooses(accept, query):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    renderer_list = [JSONRenderer(), renderers.BrowsableAPIRenderer()]

    def choose(negotiation):
        request = Request(RequestFactory().get(f"/api/v1/products?{query}", **headers))
        renderer, media_type = negotiation().select_renderer(request, renderer_list)
        return type(renderer), media_type

    assert choose(ContentNegotiation) == choose(DefaultContentNegotiation)


def test_negotiation_refuses_what_drf_refuses():
    request = Request(RequestFactory().get("/api/v1/products", HTTP_ACCEPT="image/png"))
    with pytest.raises(Exception) as ours:
        ContentNegotiation().select_renderer(request, [JSONRenderer()])
    with pytest.raises(Exception) as theirs:
        DefaultContentNegotiation().select_renderer(request, [JSONRenderer()])
    assert type(ours.value) is type(theirs.value)


@pytest.mark.django_db
def test_the_api_answers_json_to_clients_and_html_to_browsers():
    assert Client().get("/api/v1/categories").headers["Content-Type"] == "application/json"
    assert Client().get("/api/v1/categories", HTTP_ACCEPT="*/*").headers["Content-Type"] == "application/json"
    browser = Client().get("/api/v1/categories", HTTP_ACCEPT="text/html")
    assert browser.headers["Content-Type"].startswith("text/html")


# --- Redaction's shortcut ------------------------------------------------------------------------------


def _redact_every_time(text: str) -> str:
    for pattern, replacement in shop_logging._PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def test_redaction_shortcut_changes_no_answer():
    rng = random.Random(13)
    words = [
        "password",
        "PassWord",
        "passwd",
        "secret",
        "client_secret",
        "token",
        "Access",
        "refresh",
        "api_key",
        "api-key",
        "APIKEY",
        "authorization",
        "Bearer",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.sig",
        "GET /api/v1/products 200",
        "ſecret",
        "é",
        '"',
        "=",
        ":",
        " ",
        "{",
        "}",
    ]
    for _ in range(3000):
        text = "".join(rng.choice(words + list(string.ascii_letters)) for _ in range(rng.randint(0, 12)))
        assert shop_logging.redact(text) == _redact_every_time(text), text


def test_an_access_log_line_is_unchanged_by_redaction():
    line = '{"message":"GET /api/v1/products 200","method":"GET","status":200,"user_id":null}'
    assert shop_logging.redact(line) is line


# --- Lazy sessions and messages ------------------------------------------------------------------------


def _through(middleware_class, request, view):
    return middleware_class(view)(request)


def test_an_unused_session_is_never_made_and_the_response_is_left_alone():
    request = RequestFactory().get("/api/v1/products")
    response = _through(SessionMiddleware, request, lambda r: HttpResponse("ok"))

    assert request.__dict__["session"]._wrapped is empty
    assert not response.has_header("Vary")
    assert not response.cookies


@pytest.mark.django_db
def test_a_used_session_is_saved_with_its_cookie_and_vary_as_django_does():
    request = RequestFactory().get("/admin/")

    def view(r):
        r.session["seen"] = True
        return HttpResponse("ok")

    response = _through(SessionMiddleware, request, view)

    assert "sessionid" in response.cookies
    assert "Cookie" in response["Vary"]


@pytest.mark.django_db
def test_messages_still_reach_the_next_page():
    request = RequestFactory().get("/admin/")

    def view(r):
        messages.info(r, "Saved.")
        return HttpResponse("ok")

    response = _through(MessageMiddleware, _with_session(request), view)

    assert "messages" in response.cookies
    following = RequestFactory().get("/admin/")
    following.COOKIES["messages"] = response.cookies["messages"].value
    seen = []

    def next_view(r):
        seen.extend(str(message) for message in messages.get_messages(r))
        return HttpResponse("ok")

    after = _through(MessageMiddleware, _with_session(following), next_view)
    assert seen == ["Saved."]
    assert after.cookies["messages"].value == ""  # read once, then cleared


def _with_session(request):
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    return request


@pytest.mark.django_db
def test_admin_sign_in_and_its_message_work_through_the_lazy_middleware(staff_user):
    client = Client()
    client.force_login(staff_user)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert b"Log out" in response.content or b"logout" in response.content


# --- Session authentication ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_session_authentication_still_authenticates_the_browsable_api_and_checks_csrf(staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)

    # Signed in by the session: staff see the product list including inactive ones (a staff filter).
    assert client.get("/api/v1/customers").status_code == 200
    # A session-authenticated write without the CSRF token is refused, as DRF does.
    refused = client.post("/api/v1/categories", {"name": "Shoes"}, content_type="application/json")
    assert refused.status_code == 403


@pytest.mark.django_db
def test_a_request_without_a_cookie_is_anonymous():
    assert Client().get("/api/v1/customers").status_code == 401


# --- Throttle classes ------------------------------------------------------------------------------------


def test_throttle_classes_are_listed_only_when_their_rate_is_set():
    expression = "settings.REST_FRAMEWORK['DEFAULT_THROTTLE_CLASSES']"
    assert settings_value(expression, DJANGO_DEBUG="true") == "[]"
    listed = settings_value(expression, DJANGO_DEBUG="true", API_THROTTLE_ANON="5/min", API_THROTTLE_USER="9/min")
    assert listed == "['rest_framework.throttling.AnonRateThrottle', 'rest_framework.throttling.UserRateThrottle']"


# --- django-prometheus' query metrics ---------------------------------------------------------------------


def _sample(name: str) -> float:
    labels = {"alias": "default", "vendor": connection.vendor}
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.django_db
def test_queries_are_counted_and_timed_per_statement():
    executed, timed = _sample("django_db_execute_total"), _sample("django_db_query_duration_seconds_count")
    with connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute("SELECT 1")
        table = connection.ops.quote_name(Product._meta.db_table)
        cursor.executemany(f"UPDATE {table} SET stock = stock WHERE id = %s", [(1,), (2,)])

    assert _sample("django_db_execute_total") - executed == 5
    assert _sample("django_db_query_duration_seconds_count") - timed == 4


@pytest.mark.django_db
def test_query_errors_are_counted_by_type():
    labels = {"alias": "default", "vendor": connection.vendor}
    with pytest.raises(Exception) as raised, connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table_here")
    name = type(raised.value).__name__
    assert (REGISTRY.get_sample_value("django_db_errors_total", {**labels, "type": name}) or 0) >= 1


@pytest.mark.django_db
def test_request_metrics_keep_djangos_prometheus_names(client):
    client.get("/health")
    client.get("/health")
    body = client.get("/metrics").content.decode()
    for name in (
        "django_http_requests_total_by_method_total",
        "django_http_responses_total_by_status_view_method_total",
        "django_http_requests_latency_seconds_by_view_method_bucket",
        "django_http_requests_before_middlewares_total",
        "django_db_execute_total",
    ):
        assert name in body, name


def test_log_records_still_carry_the_request_context():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", (), None)
    shop_logging.RequestContextFilter().filter(record)
    line = json.loads(shop_logging.JsonFormatter().format(record))
    assert line["request_id"] == "-" and line["level"] == "INFO" and line["message"] == "m"


# --- Buffered metrics (multiprocess mode under gunicorn) ------------------------------------------------


def test_buffered_events_add_up_to_what_prometheus_client_counts_directly():
    from prometheus_client import CollectorRegistry, Counter, Histogram

    from ecommerce import metrics

    registry = CollectorRegistry()
    buckets = (0.005, 0.01, 0.1, 1.0)
    direct_h = Histogram("direct_seconds", "d", ["view"], buckets=buckets, registry=registry)
    buffered_h = Histogram("buffered_seconds", "b", ["view"], buckets=buckets, registry=registry)
    direct_c = Counter("direct", "d", ["view"], registry=registry)
    buffered_c = Counter("buffered", "b", ["view"], registry=registry)
    values = [0.0, 0.005, 0.0051, 0.01, 0.5, 1.0, 7.0, 0.2]

    histogram, counter = metrics.Buffered(buffered_h.labels("x")), metrics.Buffered(buffered_c.labels("x"))
    for value in values:
        direct_h.labels("x").observe(value)
        histogram.observe(value)
        direct_c.labels("x").inc(2)
        counter.inc(2)
    assert registry.get_sample_value("buffered_total", {"view": "x"}) == 0  # pending until flushed
    metrics.flush()

    def samples(name):
        return sorted(
            (sample.name.replace(name, ""), tuple(sorted(sample.labels.items())), sample.value)
            for family in registry.collect()
            if family.name == name
            for sample in family.samples
            if not sample.name.endswith("_created")
        )

    assert samples("buffered_seconds") == samples("direct_seconds")
    assert (
        registry.get_sample_value("buffered_total", {"view": "x"})
        == 16
        == registry.get_sample_value("direct_total", {"view": "x"})
    )


def test_buffered_events_from_many_threads_are_all_counted():
    import threading

    from prometheus_client import CollectorRegistry, Counter

    from ecommerce import metrics

    registry = CollectorRegistry()
    counter = metrics.Buffered(Counter("threaded", "t", registry=registry))

    def work():
        for _ in range(2000):
            counter.inc()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for _ in range(20):
        metrics.flush()  # flushing while the threads count
    for thread in threads:
        thread.join()
    metrics.flush()
    assert registry.get_sample_value("threaded_total") == 8000


@pytest.mark.django_db
def test_each_request_counts_once_in_every_request_metric(client):
    def value(name, **labels):
        return REGISTRY.get_sample_value(name, labels) or 0.0

    names = {
        ("django_http_requests_before_middlewares_total", ()): 3,
        ("django_http_responses_before_middlewares_total", ()): 3,
        ("django_http_requests_latency_including_middlewares_seconds_count", ()): 3,
        ("django_http_requests_total_by_method_total", (("method", "GET"),)): 3,
        ("django_http_requests_total_by_transport_total", (("transport", "http"),)): 3,
        ("django_http_requests_body_total_bytes_count", ()): 3,
        (
            "django_http_requests_total_by_view_transport_method_total",
            (("view", "health"), ("transport", "http"), ("method", "GET")),
        ): 3,
        ("django_http_responses_total_by_status_total", (("status", "200"),)): 3,
        (
            "django_http_responses_total_by_status_view_method_total",
            (("status", "200"), ("view", "health"), ("method", "GET")),
        ): 3,
        ("django_http_responses_total_by_charset_total", (("charset", "utf-8"),)): 3,
        ("django_http_responses_body_total_bytes_count", ()): 3,
        ("django_http_requests_latency_seconds_by_view_method_count", (("view", "health"), ("method", "GET"))): 3,
    }
    before = {key: value(key[0], **dict(key[1])) for key in names}
    for _ in range(3):
        assert client.get("/health").status_code == 200
    for key, expected in names.items():
        assert value(key[0], **dict(key[1])) - before[key] == expected, key
