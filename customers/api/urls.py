from django.urls import re_path

from customers.api.views import CustomerViewSet, LoginView, LogoutView, RefreshView
from ecommerce.ids import ApiRouter

router = ApiRouter()
router.register("customers", CustomerViewSet, basename="customer")

urlpatterns = [
    re_path(r"^auth/login/?$", LoginView.as_view(), name="auth-login"),
    re_path(r"^auth/refresh/?$", RefreshView.as_view(), name="auth-refresh"),
    re_path(r"^auth/logout/?$", LogoutView.as_view(), name="auth-logout"),
    *router.urls,
]
