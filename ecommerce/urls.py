from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from ecommerce import views
from ecommerce.api_root import api_root

# ReDoc's bundle (drf-spectacular-sidecar, pinned) injects two <style> elements before it can take the nonce:
# perfect-scrollbar's CSS when it loads, and styled-components' empty sheet (filled through the CSSOM). Those
# exact texts are allowed by their hashes, on the ReDoc page only. A sidecar release that changes them shows up
# as a CSP violation in tests/admin/test_csp_browser.py.
REDOC_STYLE_HASHES = [
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
]
REDOC_CSP = {**settings.SECURE_CSP, "style-src": [*settings.SECURE_CSP["style-src"], *REDOC_STYLE_HASHES]}

api_v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script from ?script, so the page needs no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", csp_override(REDOC_CSP)(SpectacularRedocView.as_view(url_name="schema")), name="redoc"),
    # Each app owns its routes; paths have no trailing slash and accept an optional one.
    path("", include("customers.api.urls")),
    path("", include("catalog.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("notifications.api.urls")),
]
if settings.BENCH_BASELINE_ENABLED:
    # `make bench` only: the baseline the endpoints are compared with (bench/baseline.py).
    from bench.baseline import BaselineView

    api_v1.append(re_path(r"^bench/baseline/?$", BaselineView.as_view(), name="bench-baseline"))

urlpatterns = [
    re_path(r"^health/?$", views.health, name="health"),
    re_path(r"^ready/?$", views.ready, name="ready"),
    re_path(r"^metrics/?$", views.metrics, name="metrics"),
    re_path(r"^api/v1/?$", api_root, name="api-root"),
    path("api/v1/", include(api_v1)),
    # Unknown API paths are problem 404s even in debug (Django's technical 404 page is HTML).
    re_path(r"^api/", views.api_not_found),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "ecommerce.views.handler400"
handler403 = "ecommerce.views.handler403"
handler404 = "ecommerce.views.handler404"
handler500 = "ecommerce.views.handler500"
