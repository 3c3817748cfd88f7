import django_filters

from ecommerce.filters import ChoiceFilter
from ecommerce.ids import IdFilter
from orders.models import Order, OrderStatus


class CustomerOrderFilter(django_filters.FilterSet):
    """`/customers/{id}/orders`: the filters of `/orders` that apply within one customer's orders."""

    status = ChoiceFilter(choices=OrderStatus.choices, help_text="Only orders with this status.")

    class Meta:
        model = Order
        fields = ["status"]


class OrderFilter(CustomerOrderFilter):
    customer = IdFilter(field_name="customer_id", help_text="Staff: only this customer's orders (their id).")

    class Meta:
        model = Order
        fields = ["status", "customer"]
