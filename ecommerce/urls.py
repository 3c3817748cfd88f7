"""The root URLconf. The apps' routes are included by module name, so this module imports no app; `/admin/` is
the back office's site (`admin.site`, `backoffice.sites.ShopAdminSite` by the admin app's `default_site`)."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from ecommerce import views
from ecommerce.api_root import api_root

# Django tries the patterns in order, so the busiest come first: the catalog's reads, then orders.
api_v1: list[URLPattern | URLResolver] = [
    # Each app owns its routes; paths have no trailing slash and accept an optional one.
    path("", include("catalog.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("customers.api.urls")),
    path("", include("notifications.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
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
