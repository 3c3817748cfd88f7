"""The orders API's shapes. `OrderCreateSerializer` is the one home of an order request's shape rules
(line count, ids and quantities as JSON integers in range, one line per product, the note's length); it
yields typed `OrderLineRequest`s, and `orders.services` keeps the rules that need the database."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ecommerce.api import StrictIntegerField, flatten_errors
from ecommerce.ids import MAX_ID
from orders.exceptions import InvalidOrder
from orders.models import ActorType, Order, OrderEvent, OrderLine, OrderStatus
from orders.services import OrderLineRequest

MAX_LINES = 100
MAX_QUANTITY = 1000
MAX_NOTE_LENGTH = 1000


class OrderItemInputSerializer(serializers.Serializer):
    """One line of an order request: `{"product": id, "quantity": n}`, validated into an OrderLineRequest."""

    product = StrictIntegerField(min_value=1, max_value=MAX_ID)
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY)

    def validate(self, attrs: dict[str, int]) -> OrderLineRequest:
        return OrderLineRequest(product_id=attrs["product"], quantity=attrs["quantity"])


class OrderCreateSerializer(serializers.Serializer):
    """An order request; `validated_data`: `{"items": [OrderLineRequest, ...], "note": str}`."""

    items = serializers.ListField(child=OrderItemInputSerializer(), min_length=1, max_length=MAX_LINES)
    note = serializers.CharField(required=False, allow_blank=True, max_length=MAX_NOTE_LENGTH, default="")

    def validate_items(self, lines: list[OrderLineRequest]) -> list[OrderLineRequest]:
        first_line_of: dict[int, int] = {}
        errors: dict[str, dict[str, list[str]]] = {}
        for index, line in enumerate(lines):
            if line.product_id in first_line_of:
                errors[str(index)] = {
                    "product": [
                        f"Product {line.product_id} is already in line {first_line_of[line.product_id]}; "
                        "one line per product."
                    ]
                }
            else:
                first_line_of[line.product_id] = index
        if errors:
            raise serializers.ValidationError(errors)
        return lines


def order_request_parse(*, items: Any, note: Any = "") -> tuple[list[OrderLineRequest], str]:
    """An order request's `items` and `note`, as a client sends them, validated by OrderCreateSerializer.

    For callers holding such input outside a request (`orders.services.order_create`). Raises InvalidOrder,
    whose `errors` name the offending value (`items.0` for a line that is not an object).
    """
    serializer = OrderCreateSerializer(data={"items": items, "note": "" if note is None else note})
    if not serializer.is_valid():
        errors = flatten_errors(serializer.errors)
        raise InvalidOrder(
            "The order is invalid.",
            errors={path.removesuffix(".non_field_errors"): messages for path, messages in errors.items()},
        )
    return serializer.validated_data["items"], serializer.validated_data["note"]


class OrderStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices)


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = ["product", "product_name", "sku", "quantity", "unit_price", "line_total"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    """An order with its lines. The schema comes from the declared fields; the output is `order_representation`'s.

    The lines are the ones the context hands over (`lines`: those `order_place` just wrote), else the
    order's own (`order.lines`, prefetched by the selectors).
    """

    items = OrderLineSerializer(source="lines", many=True, read_only=True)

    class Meta:
        model = Order
        fields = ["id", "customer", "status", "items", "total", "currency", "note", "created_at", "updated_at"]
        read_only_fields = fields

    def to_representation(self, instance: Order) -> dict[str, Any]:
        lines = self.context.get("lines")
        return order_representation(instance, instance.lines.all() if lines is None else lines)


def order_representation(order: Order, lines: Iterable[OrderLine]) -> dict[str, Any]:
    """An order as the API shows it: the fields and formats of OrderSerializer's declared ones, built directly.

    DRF's field-by-field walk (a ModelSerializer's fields made again for every order and every line) cost
    POST /orders about a tenth of its CPU.
    """
    return {
        "id": order.pk,
        "customer": order.customer_id,
        "status": order.status,
        "items": [
            {
                "product": line.product_id,
                "product_name": line.product_name,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": _UNIT_PRICE.to_representation(line.unit_price),
                "line_total": _LINE_TOTAL.to_representation(line.line_total),
            }
            for line in lines
        ],
        "total": _TOTAL.to_representation(order.total),
        "currency": order.currency,
        "note": order.note,
        "created_at": _DATETIME.to_representation(order.created_at),
        "updated_at": _DATETIME.to_representation(order.updated_at),
    }


def _money_field(model: type[Order] | type[OrderLine], name: str) -> serializers.DecimalField:
    column = model._meta.get_field(name)
    assert isinstance(column, models.DecimalField)  # a money column, by construction
    return serializers.DecimalField(max_digits=column.max_digits, decimal_places=column.decimal_places)


_UNIT_PRICE = _money_field(OrderLine, "unit_price")
_LINE_TOTAL = _money_field(OrderLine, "line_total")
_TOTAL = _money_field(Order, "total")
_DATETIME = serializers.DateTimeField()


# Event data only staff see: a notification's error text can name the shop's configuration or its provider.
STAFF_ONLY_EVENT_DATA = frozenset({"detail"})


class OrderEventSerializer(serializers.ModelSerializer):
    """One timeline entry. `user` is the acting customer's or staff member's id (null for the system); a customer
    sees a member of staff only as `actor_type: staff`, and no delivery error text."""

    time = serializers.DateTimeField(source="created_at", read_only=True)
    # Popped into the declared fields by the metaclass: `Serializer.data` stays the property.
    data = serializers.SerializerMethodField()  # type: ignore[assignment]
    user = serializers.SerializerMethodField()

    class Meta:
        model = OrderEvent
        fields = ["id", "time", "kind", "actor_type", "user", "source", "data"]
        read_only_fields = fields

    def _viewer_is_staff(self) -> bool:
        return bool(self.context.get("viewer_is_staff"))

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_data(self, event: OrderEvent) -> dict[str, Any]:
        if self._viewer_is_staff():
            return event.data
        return {key: value for key, value in event.data.items() if key not in STAFF_ONLY_EVENT_DATA}

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_user(self, event: OrderEvent) -> int | None:
        if event.actor_type == ActorType.STAFF and not self._viewer_is_staff():
            return None
        return event.user_id
