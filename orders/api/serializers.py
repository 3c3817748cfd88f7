from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.models import ActorType, Order, OrderEvent, OrderLine, OrderStatus
from orders.services import MAX_LINES, MAX_NOTE_LENGTH, MAX_QUANTITY


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: no booleans, floats or numeric strings."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class OrderItemInputSerializer(serializers.Serializer):
    product = StrictIntegerField(min_value=1, max_value=2**63 - 1)
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY)


class OrderCreateSerializer(serializers.Serializer):
    items = serializers.ListField(child=OrderItemInputSerializer(), min_length=1, max_length=MAX_LINES)
    note = serializers.CharField(required=False, allow_blank=True, max_length=MAX_NOTE_LENGTH, default="")


class OrderStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices)


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = ["product", "product_name", "sku", "quantity", "unit_price", "line_total"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    items = OrderLineSerializer(source="lines", many=True, read_only=True)

    class Meta:
        model = Order
        fields = ["id", "customer", "status", "items", "total", "currency", "note", "created_at", "updated_at"]
        read_only_fields = fields


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
