"""orders.api.serializers: the one home of an order request's shape rules, yielding typed OrderLineRequests."""

import dataclasses

import pytest
from rest_framework.exceptions import ValidationError

from ecommerce.api import StrictIntegerField
from ecommerce.ids import MAX_ID
from orders.api.idempotency import idempotency_key_parse
from orders.api.serializers import OrderCreateSerializer, order_request_parse
from orders.exceptions import InvalidIdempotencyKey, InvalidOrder
from orders.services import OrderLineRequest


def test_a_valid_request_yields_typed_lines_in_request_order():
    serializer = OrderCreateSerializer(
        data={"items": [{"product": 7, "quantity": 2}, {"product": MAX_ID, "quantity": 1000}], "note": "Ring"}
    )

    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {
        "items": [OrderLineRequest(product_id=7, quantity=2), OrderLineRequest(product_id=MAX_ID, quantity=1000)],
        "note": "Ring",
    }


def test_order_line_requests_are_frozen():
    line = OrderLineRequest(product_id=1, quantity=1)

    with pytest.raises(dataclasses.FrozenInstanceError):
        line.quantity = 5  # type: ignore[misc]


def test_the_same_product_twice_is_refused_on_the_repeated_line():
    serializer = OrderCreateSerializer(data={"items": [{"product": 3, "quantity": 1}] * 3})

    assert not serializer.is_valid()
    assert {index: errors["product"][0] for index, errors in serializer.errors["items"].items()} == {
        "1": "Product 3 is already in line 0; one line per product.",
        "2": "Product 3 is already in line 0; one line per product.",
    }


@pytest.mark.parametrize("value", [True, 2.0, "2", None, [2], {"n": 2}])
def test_strict_integers_take_json_integers_only(value):
    field = StrictIntegerField(min_value=1, max_value=10)

    with pytest.raises(ValidationError):
        field.run_validation(value)

    assert field.run_validation(2) == 2


def test_order_request_parse_names_the_offending_value_and_defaults_a_missing_note():
    with pytest.raises(InvalidOrder) as raised:
        order_request_parse(items=[{"product": 1, "quantity": 1}, "x", {"product": 2, "quantity": 0}])

    assert sorted(raised.value.errors) == ["items.1", "items.2.quantity"]
    assert order_request_parse(items=[{"product": 1, "quantity": 1}], note=None) == (
        [OrderLineRequest(product_id=1, quantity=1)],
        "",
    )


@pytest.mark.parametrize(("header", "key"), [(None, None), ("abc", "abc"), ('"a\\"b"', 'a"b')])
def test_the_idempotency_key_header_grammar_lives_in_the_api_layer(header, key):
    assert idempotency_key_parse(header) == key


def test_an_unprintable_idempotency_key_is_refused_with_the_header_named():
    with pytest.raises(InvalidIdempotencyKey) as raised:
        idempotency_key_parse("caf\u00e9")

    assert list(raised.value.errors) == ["Idempotency-Key"]
