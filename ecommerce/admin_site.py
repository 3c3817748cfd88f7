"""The shop's admin site: Django's own, plus the price analytics page and the OpenID Connect login link.

`ShopAdminConfig` replaces `django.contrib.admin` in INSTALLED_APPS (see the admin section of settings), so
`admin.site` and every `@admin.register` use `ShopAdminSite`.
"""

from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme


def format_money(amount: Decimal | None) -> str:
    """`KES 1,499.00`: two places, thousands separated, in the shop's one currency."""
    if amount is None:
        return "—"
    return f"{settings.SHOP_CURRENCY} {amount:,.2f}"


def format_datetime(value: datetime | None) -> str:
    """The admin's own date format (e.g. `Nov. 23, 2026, 8:38 p.m.`) in the current time zone."""
    if value is None:
        return "—"
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def oidc_enabled() -> bool:
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", ""))


class ShopAdminSite(admin.AdminSite):
    site_header = "Shop back-office"
    site_title = "Shop back-office"
    index_title = "Catalog, customers, orders and notifications"

    def get_urls(self):
        from ecommerce.admin_views import price_analytics_view

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


class ShopAdminConfig(AdminConfig):
    default_site = "ecommerce.admin_site.ShopAdminSite"
