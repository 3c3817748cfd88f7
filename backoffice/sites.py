"""The shop's admin site: Django's own, plus the back office's pages and the OpenID Connect login link.

`backoffice.apps.ShopAdminConfig` replaces `django.contrib.admin` in INSTALLED_APPS, so `admin.site` and every
`@admin.register` use `ShopAdminSite`. A page that is not a model's changelist is added in `get_urls` (and linked
from `templates/admin/index.html`).
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from backoffice.views import price_analytics_view


def oidc_enabled() -> bool:
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", ""))


class ShopAdminSite(admin.AdminSite):
    site_header = "Shop back-office"
    site_title = "Shop back-office"
    index_title = "Catalog, customers, orders and notifications"

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
        extra_context = dict(extra_context or {})
        if oidc_enabled():
            next_url = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                next_url = reverse("admin:index", current_app=self.name)
            extra_context["oidc_login_url"] = f"{reverse('oidc_authentication_init')}?{urlencode({'next': next_url})}"
        return super().login(request, extra_context)
