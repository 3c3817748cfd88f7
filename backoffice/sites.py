"""The shop's admin site: Django's own, plus the back office's pages and the OpenID Connect login link.

`backoffice.apps.ShopAdminConfig` replaces `django.contrib.admin` in INSTALLED_APPS, so `admin.site` and every
`@admin.register` use `ShopAdminSite`. A page that is not a model's changelist is added in `get_urls` (and linked
from `templates/admin/index.html`).
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme

from backoffice.views import price_analytics_view
from customers.throttling import admin_login_throttle_wait
from ecommerce.admin_helpers import BoundedSearchAdmin


def oidc_enabled() -> bool:
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", ""))


class ShopAdminSite(admin.AdminSite):
    site_header = "Shop back-office"
    site_title = "Shop back-office"
    index_title = "Catalog, customers, orders and notifications"

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every changelist's search is bounded, whichever app registers it.
        base = admin_class or admin.ModelAdmin
        bounded = type(base.__name__, (BoundedSearchAdmin, base), {"__module__": base.__module__})
        super().register(model_or_iterable, bounded, **options)

    def get_urls(self) -> list[URLPattern | URLResolver]:
        return [
            path("price-analytics/", self.admin_view(price_analytics_view), name="price_analytics"),
            *super().get_urls(),
        ]

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        context["shop_currency"] = settings.SHOP_CURRENCY
        return context

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if request.method == "POST":
            # Password guesses share the API login's throttles (per IP, per account); OIDC never comes here.
            wait = admin_login_throttle_wait(request)
            if wait is not None:
                response = TemplateResponse(
                    request,
                    "admin/login_throttled.html",
                    {**self.each_context(request), "title": "Too many login attempts", "retry_after": int(wait)},
                    status=429,
                )
                response["Retry-After"] = str(max(1, int(wait)))
                add_never_cache_headers(response)
                return response
        extra_context = dict(extra_context or {})
        if oidc_enabled():
            next_url = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                next_url = reverse("admin:index", current_app=self.name)
            extra_context["oidc_login_url"] = f"{reverse('oidc_authentication_init')}?{urlencode({'next': next_url})}"
        return super().login(request, extra_context)
