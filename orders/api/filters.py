import django_filters

from ecommerce.ids import IdFilter
from orders.models import Order, OrderStatus


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    customer = IdFilter(field_name="customer_id")

    class Meta:
        model = Order
        fields = ["status", "customer"]
