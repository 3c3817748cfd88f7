"""The bench's URLconf: the baseline the endpoints are compared with, then the project's own URLs."""

from django.urls import include, path, re_path

from bench.baseline import BaselineView
from ecommerce.urls import handler400, handler403, handler404, handler500  # noqa: F401 - the same error pages

urlpatterns = [
    re_path(r"^api/v1/bench/baseline/?$", BaselineView.as_view(), name="bench-baseline"),
    path("", include("ecommerce.urls")),
]
