"""The orders API (SPEC §4.5): shapes, status codes, ownership, and that a 4xx changes nothing."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from orders.models import Order, OrderStatus
from orders.services import order_create
from tests.factories import UserFactory
from tests.orders.conftest import ORDERS_URL, items, snapshot, stock_of

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def place(client, body, **headers):
    return client.post(ORDERS_URL, body, format="json", headers=headers)


def test_customer_places_an_order(customer_client, customer, products):
    phone, cable, _ = products

    response = place(customer_client, {"items": items((phone, 2), (cable, 1)), "note": "Ring twice"})

    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == f"/api/v1/orders/{body['id']}"
    assert "Idempotent-Replayed" not in response
    assert body["customer"] == customer.pk
    assert body["status"] == "pending"
    assert body["total"] == "44.98"
    assert body["currency"] == "KES"
    assert body["note"] == "Ring twice"
    assert body["created_at"].endswith("Z")
    assert body["items"] == [
        {
            "product": phone.pk,
            "product_name": phone.name,
            "sku": phone.sku,
            "quantity": 2,
            "unit_price": "19.99",
            "line_total": "39.98",
        },
        {
            "product": cable.pk,
            "product_name": cable.name,
            "sku": cable.sku,
            "quantity": 1,
            "unit_price": "5.00",
            "line_total": "5.00",
        },
    ]
    assert stock_of(phone, cable) == [8, 2]


def test_client_supplied_prices_status_and_customer_are_ignored(customer_client, customer, other_customer, products):
    body = {
        "items": [{"product": products[0].pk, "quantity": 1, "unit_price": "0.01"}],
        "total": "0.01",
        "status": "delivered",
        "customer": other_customer.pk,
    }

    response = place(customer_client, body)

    assert response.status_code == 201
    assert (response.json()["total"], response.json()["status"], response.json()["customer"]) == (
        "19.99",
        "pending",
        customer.pk,
    )


def test_the_path_with_a_trailing_slash_answers_the_same(customer_client, products):
    response = customer_client.post(ORDERS_URL + "/", {"items": items((products[0], 1))}, format="json")

    assert response.status_code == 201


def test_anonymous_is_401_and_staff_without_a_profile_is_403(api_client, staff_client, products):
    before = snapshot()

    anonymous = place(api_client, {"items": items((products[0], 1))})
    staff = place(staff_client, {"items": items((products[0], 1))})

    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Bearer")
    assert staff.status_code == 403 and staff["Content-Type"] == PROBLEM
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "items"),
        ({"items": []}, "items"),
        ({"items": "x"}, "items"),
        ({"items": [{"product": 1, "quantity": 1}] * 101}, "items"),
        ({"items": [{"quantity": 1}]}, "items.0.product"),
        ({"items": [{"product": "PRODUCT", "quantity": 1}]}, "items.0.product"),
        ({"items": [{"product": True, "quantity": 1}]}, "items.0.product"),
        ({"items": [{"product": 1.0, "quantity": 1}]}, "items.0.product"),
        ({"items": [{"product": -1, "quantity": 1}]}, "items.0.product"),
        ({"items": [{"product": 10**30, "quantity": 1}]}, "items.0.product"),
        ({"items": [{"product": "PHONE", "quantity": 0}]}, "items.0.quantity"),
        ({"items": [{"product": "PHONE", "quantity": 1001}]}, "items.0.quantity"),
        ({"items": [{"product": "PHONE", "quantity": -5}]}, "items.0.quantity"),
        ({"items": [{"product": "PHONE", "quantity": 2.5}]}, "items.0.quantity"),
        ({"items": [{"product": "PHONE", "quantity": 2.0}]}, "items.0.quantity"),
        ({"items": [{"product": "PHONE", "quantity": "2"}]}, "items.0.quantity"),
        ({"items": [{"product": "PHONE", "quantity": True}]}, "items.0.quantity"),
        ({"items": [{"product": "PHONE", "quantity": None}]}, "items.0.quantity"),
        ({"items": [{"product": "PHONE", "quantity": 10**40}]}, "items.0.quantity"),
        ({"items": [{"product": "PHONE", "quantity": 1}, {"product": "PHONE", "quantity": 2}]}, "items.1.product"),
        ({"items": [{"product": "PHONE", "quantity": 1}, {"product": 987654, "quantity": 1}]}, "items.1.product"),
        ({"items": [{"product": "INACTIVE", "quantity": 1}]}, "items.0.product"),
        ({"items": [{"product": "PHONE", "quantity": 1}], "note": None}, "note"),
        ({"items": [{"product": "PHONE", "quantity": 1}], "note": "x" * 1001}, "note"),
        ({"items": [{"product": "PHONE", "quantity": 1}], "note": ["list"]}, "note"),
        ({"items": ["PHONE"]}, "items.0.non_field_errors"),
    ],
)
def test_invalid_bodies_are_400_with_the_field_and_change_nothing(customer_client, products, body, field):
    inactive = products[2]
    inactive.is_active = False
    inactive.save()
    names = {"PHONE": products[0].pk, "INACTIVE": inactive.pk}

    def resolve(value):
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return names.get(value, value) if isinstance(value, str) else value

    before = snapshot()

    response = place(customer_client, resolve(body))

    assert response.status_code == 400, response.json()
    assert response["Content-Type"] == PROBLEM
    assert field in response.json()["errors"], response.json()
    assert snapshot() == before


@pytest.mark.parametrize(
    "raw",
    [b"{", b"[1, 2]", b'"items"', b"null", b'{"items": [{"product": 1, "quantity": NaN}]}', b"\xff\xfe"],
)
def test_malformed_json_is_400(customer_client, products, raw):
    before = snapshot()

    response = customer_client.generic("POST", ORDERS_URL, raw, content_type="application/json")

    assert response.status_code == 400
    assert snapshot() == before


def test_deeply_nested_body_is_a_4xx(customer_client, products):
    nested = "[" * 5000 + "]" * 5000
    response = customer_client.generic("POST", ORDERS_URL, '{"items": ' + nested + "}", content_type="application/json")

    assert response.status_code == 400


def test_form_encoded_body_is_415(customer_client, products):
    response = customer_client.post(ORDERS_URL, {"items": "1"}, format="multipart")

    assert response.status_code == 415


def test_insufficient_stock_is_409_with_one_error_per_short_line(customer_client, products):
    phone, cable, sticker = products
    before = snapshot()

    response = place(customer_client, {"items": items((phone, 1), (cable, 4), (sticker, 101))})

    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"] == "urn:ecommerce:problem:insufficient-stock"
    assert body["errors"] == {"items.1.quantity": ["Only 3 available."], "items.2.quantity": ["Only 100 available."]}
    assert snapshot() == before


# --- Idempotency-Key ---------------------------------------------------------------


def test_a_replay_answers_201_with_the_first_order_and_the_replayed_header(customer_client, products):
    body = {"items": items((products[0], 2))}
    first = place(customer_client, body, **{"Idempotency-Key": "abc-123"})

    second = place(customer_client, body, **{"Idempotency-Key": "abc-123"})

    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert second.json() == first.json()
    assert Order.objects.count() == 1
    assert stock_of(products[0]) == [8]


def test_a_reordered_json_body_is_the_same_request(customer_client, products):
    first = place(
        customer_client, {"note": "", "items": [{"quantity": 2, "product": products[0].pk}]}, **{"Idempotency-Key": "k"}
    )

    second = place(customer_client, {"items": [{"product": products[0].pk, "quantity": 2}]}, **{"Idempotency-Key": "k"})

    assert second["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]


def test_the_same_key_with_another_body_is_422(customer_client, products):
    place(customer_client, {"items": items((products[0], 2))}, **{"Idempotency-Key": "abc"})
    before = snapshot()

    response = place(customer_client, {"items": items((products[0], 3))}, **{"Idempotency-Key": "abc"})

    assert response.status_code == 422
    assert response.json()["type"] == "urn:ecommerce:problem:idempotency-key-reused"
    assert snapshot() == before


@pytest.mark.parametrize("key", ["", "x" * 256, "é"])
def test_an_invalid_key_is_400(customer_client, products, key):
    before = snapshot()

    response = customer_client.post(
        ORDERS_URL, {"items": items((products[0], 1))}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    assert snapshot() == before


def test_another_customer_using_the_same_key_gets_their_own_order(customer_client, other_customer, products):
    body = {"items": items((products[0], 1))}
    other_client = APIClient()
    other_client.force_authenticate(other_customer.user)

    mine = place(customer_client, body, **{"Idempotency-Key": "same"})
    theirs = place(other_client, body, **{"Idempotency-Key": "same"})

    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert mine.json()["id"] != theirs.json()["id"]


# --- Reading ---------------------------------------------------------------------------


@pytest.fixture
def two_customers_orders(customer, other_customer, products):
    mine = [order_create(customer=customer, items=items((products[2], n))).order for n in (1, 2)]
    theirs = order_create(customer=other_customer, items=items((products[2], 3))).order
    return mine, theirs


def test_a_customer_lists_only_their_orders_newest_first(customer_client, two_customers_orders):
    mine, _ = two_customers_orders

    response = customer_client.get(ORDERS_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [o["id"] for o in body["results"]] == [mine[1].pk, mine[0].pk]


def test_staff_list_all_orders_and_filter_by_status_and_customer(
    staff_client, staff_user, two_customers_orders, other_customer
):
    mine, theirs = two_customers_orders
    from orders.services import order_set_status

    order_set_status(order_id=mine[0].pk, status=OrderStatus.CONFIRMED, by=staff_user)

    everything = staff_client.get(ORDERS_URL).json()
    confirmed = staff_client.get(ORDERS_URL, {"status": "confirmed"}).json()
    of_other = staff_client.get(ORDERS_URL, {"customer": other_customer.pk}).json()

    assert [o["id"] for o in everything["results"]] == [theirs.pk, mine[1].pk, mine[0].pk]
    assert [o["id"] for o in confirmed["results"]] == [mine[0].pk]
    assert [o["id"] for o in of_other["results"]] == [theirs.pk]


@pytest.mark.parametrize("query", [{"status": "lost"}, {"customer": "abc"}, {"customer": "1.5"}])
def test_bad_filter_values_are_400(staff_client, query):
    assert staff_client.get(ORDERS_URL, query).status_code == 400


def test_unknown_query_parameters_are_ignored(customer_client, two_customers_orders):
    assert customer_client.get(ORDERS_URL, {"colour": "red"}).json()["count"] == 2


def test_a_customer_filtering_by_another_customer_sees_nothing_of_theirs(
    customer_client, two_customers_orders, other_customer
):
    assert customer_client.get(ORDERS_URL, {"customer": other_customer.pk}).json()["count"] == 0


def test_the_list_is_paginated(customer_client, two_customers_orders):
    body = customer_client.get(ORDERS_URL, {"page_size": 1}).json()

    assert body["count"] == 2 and len(body["results"]) == 1 and body["next"]


def test_owner_and_staff_read_an_order(customer_client, staff_client, two_customers_orders):
    order = two_customers_orders[0][0]

    for client in (customer_client, staff_client):
        response = client.get(f"{ORDERS_URL}/{order.pk}")
        assert response.status_code == 200
        assert response.json()["id"] == order.pk


def test_reading_needs_authentication(api_client, two_customers_orders):
    order = two_customers_orders[0][0]

    assert api_client.get(ORDERS_URL).status_code == 401
    assert api_client.get(f"{ORDERS_URL}/{order.pk}").status_code == 401


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [("get", "", None), ("patch", "", {"status": "confirmed"}), ("post", "/cancel", None)],
)
def test_another_customers_order_is_404_for_every_method(customer_client, two_customers_orders, method, suffix, body):
    _, theirs = two_customers_orders
    before = snapshot()

    response = getattr(customer_client, method)(f"{ORDERS_URL}/{theirs.pk}{suffix}", body, format="json")

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert snapshot() == before


@pytest.mark.parametrize("path", ["/999999", "/abc", "/99999999999999999999999"])
def test_unknown_orders_are_404(staff_client, path):
    assert staff_client.get(ORDERS_URL + path).status_code == 404


def test_put_and_delete_are_405(staff_client, two_customers_orders):
    order = two_customers_orders[0][0]

    assert staff_client.put(f"{ORDERS_URL}/{order.pk}", {"status": "confirmed"}, format="json").status_code == 405
    assert staff_client.delete(f"{ORDERS_URL}/{order.pk}").status_code == 405
    assert Order.objects.filter(pk=order.pk, status="pending").exists()


# --- Status changes -----------------------------------------------------------------------


def test_owner_cancels_while_pending_and_stock_comes_back(customer_client, products):
    order = place(customer_client, {"items": items((products[0], 4))}).json()

    response = customer_client.post(f"{ORDERS_URL}/{order['id']}/cancel")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert stock_of(products[0]) == [10]


def test_owner_cannot_cancel_once_confirmed_staff_can(customer_client, staff_client, products):
    order = place(customer_client, {"items": items((products[0], 4))}).json()
    assert staff_client.patch(f"{ORDERS_URL}/{order['id']}", {"status": "confirmed"}, format="json").status_code == 200
    before = snapshot()

    refused = customer_client.post(f"{ORDERS_URL}/{order['id']}/cancel")

    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:ecommerce:problem:illegal-transition"
    assert snapshot() == before
    assert staff_client.post(f"{ORDERS_URL}/{order['id']}/cancel/").status_code == 200
    assert stock_of(products[0]) == [10]


def test_owner_cannot_patch_the_status(customer_client, products):
    order = place(customer_client, {"items": items((products[0], 1))}).json()
    before = snapshot()

    response = customer_client.patch(f"{ORDERS_URL}/{order['id']}", {"status": "delivered"}, format="json")

    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("body", [{"status": "nonsense"}, {}, ["delivered"]])
def test_an_owners_patch_is_403_whatever_its_body(customer_client, products, body):
    order = place(customer_client, {"items": items((products[0], 1))}).json()
    before = snapshot()

    response = customer_client.patch(f"{ORDERS_URL}/{order['id']}", body, format="json")

    assert response.status_code == 403
    assert snapshot() == before


def test_staff_move_an_order_along_and_illegal_steps_are_409(customer_client, staff_client, products):
    order_id = place(customer_client, {"items": items((products[0], 1))}).json()["id"]
    url = f"{ORDERS_URL}/{order_id}"

    skipped = staff_client.patch(url, {"status": "shipped"}, format="json")
    steps = [staff_client.patch(url, {"status": s}, format="json") for s in ("confirmed", "shipped", "delivered")]
    after_delivery = staff_client.patch(url, {"status": "cancelled"}, format="json")
    cancel_after_delivery = staff_client.post(f"{url}/cancel")

    assert skipped.status_code == 409
    assert [r.status_code for r in steps] == [200, 200, 200]
    assert steps[-1].json()["status"] == "delivered"
    assert after_delivery.status_code == 409
    assert cancel_after_delivery.status_code == 409
    assert stock_of(products[0]) == [9]


@pytest.mark.parametrize("body", [{}, {"status": "lost"}, {"status": None}, {"status": 3}])
def test_patch_with_a_bad_status_is_400(customer_client, staff_client, products, body):
    order_id = place(customer_client, {"items": items((products[0], 1))}).json()["id"]

    response = staff_client.patch(f"{ORDERS_URL}/{order_id}", body, format="json")

    assert response.status_code == 400
    assert Order.objects.get(pk=order_id).status == "pending"


# --- /customers/{id}/orders ----------------------------------------------------------------


def test_a_customer_reads_their_own_history_newest_first(customer_client, customer, two_customers_orders):
    mine, _ = two_customers_orders

    response = customer_client.get(f"/api/v1/customers/{customer.pk}/orders")

    assert response.status_code == 200
    assert [o["id"] for o in response.json()["results"]] == [mine[1].pk, mine[0].pk]
    assert customer_client.get(f"/api/v1/customers/{customer.pk}/orders/").status_code == 200


def test_staff_read_any_customers_history(staff_client, other_customer, two_customers_orders):
    _, theirs = two_customers_orders

    response = staff_client.get(f"/api/v1/customers/{other_customer.pk}/orders")

    assert [o["id"] for o in response.json()["results"]] == [theirs.pk]


def test_another_customers_history_and_unknown_customers_are_404(
    customer_client, staff_client, other_customer, two_customers_orders, api_client
):
    assert customer_client.get(f"/api/v1/customers/{other_customer.pk}/orders").status_code == 404
    assert staff_client.get("/api/v1/customers/987654/orders").status_code == 404
    staff_id = UserFactory(is_staff=True).pk
    assert staff_client.get(f"/api/v1/customers/{staff_id}/orders").status_code == 404
    assert api_client.get(f"/api/v1/customers/{other_customer.pk}/orders").status_code == 401


def test_history_is_paginated(customer_client, customer, products):
    for _ in range(3):
        order_create(customer=customer, items=items((products[2], 1)))

    body = customer_client.get(f"/api/v1/customers/{customer.pk}/orders", {"page_size": 2, "page": 2}).json()

    assert body["count"] == 3 and len(body["results"]) == 1 and body["previous"]


# --- Metrics --------------------------------------------------------------------------------


def test_order_metrics_are_on_the_metrics_endpoint(
    client, customer_client, products, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        place(customer_client, {"items": items((products[0], 1))})
    place(customer_client, {"items": items((products[0], 100))})

    text = client.get("/metrics").content.decode()

    assert 'ecommerce_orders_created_total{currency="KES"}' in text
    assert 'ecommerce_order_value_bucket{currency="KES",le="100.0"}' in text
    assert "ecommerce_stock_conflicts_total" in text


def test_money_is_a_two_place_string(customer_client, db):
    from tests.factories import ProductFactory

    product = ProductFactory(price=Decimal("7"), stock=5)

    body = place(customer_client, {"items": items((product, 3))}).json()

    assert (body["total"], body["items"][0]["unit_price"]) == ("21.00", "7.00")
