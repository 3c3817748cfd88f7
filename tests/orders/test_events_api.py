"""GET /api/v1/orders/{id}/events: the order's timeline for its owner and staff (SPEC §4.5, issue 16)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from orders.events import Actor, ActorType, EventSource, order_event_record
from orders.models import OrderEvent, OrderEventKind, OrderStatus
from orders.services import order_create, order_set_status
from tests.conftest import assert_problem
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def events_url(order_id: int) -> str:
    return f"/api/v1/orders/{order_id}/events"


@pytest.fixture
def order(customer, locmem_outbox):
    product = ProductFactory(stock=10, price="99.50")
    return order_create(customer=customer, items=[{"product": product.pk, "quantity": 2}]).order


@pytest.fixture
def locmem_outbox(settings):
    settings.SMS_BACKEND = "locmem"
    settings.ORDER_NOTIFICATION_EMAILS = ["ops@example.com"]


def test_the_owner_reads_the_timeline_oldest_first(customer_client, customer, order, staff_user):
    order_set_status(order_id=order.pk, status=OrderStatus.CONFIRMED, by=staff_user, source=EventSource.ADMIN)

    response = customer_client.get(events_url(order.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4 and body["next"] is None and body["previous"] is None
    placed, *queued, confirmed = body["results"]
    assert {key: placed[key] for key in ("kind", "actor_type", "user", "source", "data")} == {
        "kind": "placed",
        "actor_type": "customer",
        "user": customer.pk,
        "source": "api",
        "data": {"total": "199.00", "currency": "KES", "lines": 1},
    }
    assert placed["time"].endswith("Z")
    assert sorted(event["data"]["channel"] for event in queued) == ["email", "sms"]
    assert all(event["kind"] == "notification_queued" and event["actor_type"] == "system" for event in queued)
    # a customer sees that staff acted, not which member of staff
    assert {key: confirmed[key] for key in ("kind", "actor_type", "user", "source", "data")} == {
        "kind": "status_changed",
        "actor_type": "staff",
        "user": None,
        "source": "admin",
        "data": {"from": "pending", "to": "confirmed"},
    }


def test_staff_see_who_acted_and_the_error_text(staff_client, staff_user, order):
    order_set_status(order_id=order.pk, status=OrderStatus.CONFIRMED, by=staff_user, source=EventSource.ADMIN)
    order_event_record(
        order_id=order.pk,
        kind=OrderEventKind.NOTIFICATION_FAILED,
        actor=Actor(ActorType.SYSTEM),
        source=EventSource.TASK,
        data={"notification": 1, "channel": "email", "outcome": "failed", "detail": "SMTP said no"},
    )

    results = staff_client.get(events_url(order.pk)).json()["results"]

    assert results[-2]["user"] == staff_user.pk
    assert results[-1]["data"]["detail"] == "SMTP said no"


def test_the_owner_does_not_see_delivery_error_text(customer_client, order):
    order_event_record(
        order_id=order.pk,
        kind=OrderEventKind.NOTIFICATION_FAILED,
        actor=Actor(ActorType.SYSTEM),
        source=EventSource.TASK,
        data={"notification": 1, "channel": "email", "outcome": "failed", "detail": "No staff address: set ..."},
    )

    last = customer_client.get(events_url(order.pk)).json()["results"][-1]

    assert last["data"] == {"notification": 1, "channel": "email", "outcome": "failed"}


def test_another_customer_gets_404_like_for_the_order_itself(other_customer, order):
    client = APIClient()
    client.force_authenticate(other_customer.user)

    assert_problem(client.get(events_url(order.pk)), 404)
    assert_problem(client.get(f"/api/v1/orders/{order.pk}"), 404)


def test_anonymous_is_401_and_a_missing_order_404(api_client, customer_client, order):
    assert_problem(api_client.get(events_url(order.pk)), 401)
    assert_problem(customer_client.get(events_url(order.pk + 1000)), 404)
    assert_problem(customer_client.get("/api/v1/orders/99999999999999999999/events"), 404)


def test_the_timeline_is_paginated_like_other_lists(customer_client, order):
    for index in range(5):
        order_event_record(
            order_id=order.pk,
            kind=OrderEventKind.DELIVERY_REPORT,
            actor=Actor(ActorType.SYSTEM),
            source=EventSource.API,
            data={"index": index},
        )

    first = customer_client.get(events_url(order.pk), {"page_size": 3}).json()
    second = customer_client.get(first["next"]).json()

    assert first["count"] == 8 and len(first["results"]) == 3
    assert "page=2" in first["next"]
    assert len(second["results"]) == 3 and second["previous"] is not None
    ids = [event["id"] for event in first["results"] + second["results"]]
    assert ids == sorted(ids)


def test_the_trailing_slash_answers_the_same(customer_client, order):
    assert customer_client.get(events_url(order.pk) + "/").json() == customer_client.get(events_url(order.pk)).json()


@pytest.mark.parametrize("who", ["customer", "staff"])
def test_one_event_or_fifty_cost_the_same_queries(request, who, order, django_assert_num_queries):
    client = request.getfixturevalue(f"{who}_client")
    OrderEvent.objects.filter(order=order).exclude(kind=OrderEventKind.PLACED).delete()
    one = _queries_of(lambda: client.get(events_url(order.pk)))
    system = Actor(ActorType.SYSTEM)
    for _ in range(49):
        order_event_record(order_id=order.pk, kind=OrderEventKind.DELIVERY_REPORT, actor=system, source=EventSource.API)

    with django_assert_num_queries(one):
        response = client.get(events_url(order.pk), {"page_size": 100})

    assert len(response.json()["results"]) == 50


def _queries_of(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def test_the_endpoint_is_in_the_openapi_schema(api_client):
    schema = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operation = schema["paths"]["/api/v1/orders/{id}/events"]["get"]
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"count", "next", "previous", "results"} <= set(schema["components"]["schemas"][page]["properties"])
    event = schema["components"]["schemas"]["OrderEvent"]["properties"]
    assert set(event) == {"id", "time", "kind", "actor_type", "user", "source", "data"}
    assert {p["name"] for p in operation.get("parameters", [])} >= {"id", "page", "page_size"}
    assert not {"status", "customer"} & {p["name"] for p in operation["parameters"]}
