from rest_framework import serializers

from orders.models import Order, OrderLine, OrderStatus
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
