"""The shop's admin site: Django's own, plus the price analytics page and the OpenID Connect login link.

`ecommerce.admin_apps.ShopAdminConfig` replaces `django.contrib.admin` in INSTALLED_APPS (see the admin section
of settings), so `admin.site` and every `@admin.register` use `ShopAdminSite`.
"""

from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme

from ecommerce.api import DomainError
from ecommerce.search import search_validate


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


def domain_error_message(error: DomainError) -> str:
    """A service's error as one line for an admin message: its detail, then each field's messages."""
    parts = [str(error)]
    for field, field_messages in (error.errors or {}).items():
        extra = [message for message in field_messages if message != str(error)]
        if extra:
            parts.append(f"{field}: {' '.join(extra)}")
    return " — ".join(parts)


class ServiceErrorsAsMessages:
    """ModelAdmin mixin: a DomainError a service raises while saving or deleting becomes an error message
    on the page it came from (the view's transaction is rolled back), never a 500."""

    def _domain_error_response(self, request: HttpRequest, error: DomainError, redirect_to: str) -> HttpResponse:
        self.message_user(request, domain_error_message(error), messages.ERROR)
        return HttpResponseRedirect(redirect_to)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            return self._domain_error_response(request, error, request.get_full_path())

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except DomainError as error:
            return self._domain_error_response(request, error, request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:
            opts = self.model._meta
            return self._domain_error_response(
                request, error, reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            )


def adopt(target: Model, saved: Model) -> None:
    """Give the admin's unsaved form instance the state of the row a service saved (pk, timestamps)."""
    target.__dict__.update(saved.__dict__)


class BoundedSearchAdmin:
    """ModelAdmin mixin: a changelist search beyond SEARCH_MAX_TERMS words or SEARCH_MAX_CHARS characters finds
    nothing and says why, instead of building a query too large for the database (SPEC §6)."""

    def get_search_results(self, request, queryset, search_term):
        try:
            search_validate(search_term)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)


class ShopAdminSite(admin.AdminSite):
    site_header = "Shop back-office"
    site_title = "Shop back-office"
    index_title = "Catalog, customers, orders and notifications"

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every changelist's search is bounded, whichever app registers it.
        base = admin_class or admin.ModelAdmin
        bounded = type(base.__name__, (BoundedSearchAdmin, base), {"__module__": base.__module__})
        super().register(model_or_iterable, bounded, **options)

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
        if request.method == "POST":
            # Password guesses share the API login's throttles (per IP, per account); OIDC never comes here.
            from customers.throttling import admin_login_throttle_wait

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
