"""The root URLconf. The apps' routes are included by module name, so this module imports no app; `/admin/` is
the back office's site (`admin.site`, `backoffice.sites.ShopAdminSite` by the admin app's `default_site`)."""

from typing import cast

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
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
_SITE_CSP = cast(dict[str, list[str]], settings.SECURE_CSP)
REDOC_CSP = {**_SITE_CSP, "style-src": [*_SITE_CSP["style-src"], *REDOC_STYLE_HASHES]}

# Django tries the patterns in order, so the busiest come first: the catalog's reads, then orders.
api_v1: list[URLPattern | URLResolver] = [
    # Each app owns its routes; paths have no trailing slash and accept an optional one.
    path("", include("catalog.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("customers.api.urls")),
    path("", include("notifications.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script from ?script, so the page needs no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", csp_override(REDOC_CSP)(SpectacularRedocView.as_view(url_name="schema")), name="redoc"),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    re_path(r"^health/?$", views.health, name="health"),
    re_path(r"^ready/?$", views.ready, name="ready"),
    re_path(r"^metrics/?$", views.metrics, name="metrics"),
    re_path(r"^api/v1/?$", api_root, name="api-root"),
    # Unknown API paths are problem 404s even in debug (Django's technical 404 page is HTML).
    re_path(r"^api/", views.api_not_found),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "ecommerce.views.handler400"
handler403 = "ecommerce.views.handler403"
handler404 = "ecommerce.views.handler404"
handler500 = "ecommerce.views.handler500"
