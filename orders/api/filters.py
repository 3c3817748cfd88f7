import django_filters
from django import forms

from orders.models import Order, OrderStatus


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField  # type: ignore[assignment]  # whole ids, not NumberFilter's decimals


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    customer = IdFilter(field_name="customer_id", min_value=1, max_value=2**63 - 1)

    class Meta:
        model = Order
        fields = ["status", "customer"]
