from django.urls import re_path
from rest_framework.routers import SimpleRouter

from orders.api.views import CustomerOrderListView, OrderViewSet

router = SimpleRouter()
# DRF turns any truthy `trailing_slash=` argument into "/", so set the optional slash after construction.
router.trailing_slash = "/?"
router.register("orders", OrderViewSet, basename="order")

urlpatterns = [
    re_path(
        r"^customers/(?P<customer_id>[0-9]{1,18})/orders/?$", CustomerOrderListView.as_view(), name="customer-orders"
    ),
    *router.urls,
]
