from django.urls import re_path

from ecommerce.ids import ID_PATTERN, ApiRouter
from orders.api.views import CustomerOrderListView, OrderViewSet

router = ApiRouter()
router.register("orders", OrderViewSet, basename="order")

urlpatterns = [
    re_path(
        rf"^customers/(?P<customer_id>{ID_PATTERN})/orders/?$", CustomerOrderListView.as_view(), name="customer-orders"
    ),
    *router.urls,
]
