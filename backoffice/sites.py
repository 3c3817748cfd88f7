"""The shop's admin site: Django's own, plus the back office's pages and the OpenID Connect login link.

`backoffice.apps.ShopAdminConfig` replaces `django.contrib.admin` in INSTALLED_APPS, so `admin.site` and every
`@admin.register` use `ShopAdminSite`. A page that is not a model's changelist is added in `get_urls` (and linked
from `templates/admin/index.html`).

The index is the shop's dashboard (`backoffice.dashboard`); the apps are listed shop first (orders, catalog,
customers, notifications), and every other registered model (groups, tokens, task results...) under one
"System" heading, whose own page is `system/`.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme

from backoffice.dashboard import shop_dashboard
from backoffice.views import price_analytics_view
from customers.throttling import admin_login_throttle_wait
from ecommerce.admin_helpers import BoundedSearchAdmin

# The shop's own sections, in this order, before everything else.
SHOP_APPS = ("orders", "catalog", "customers", "notifications")
SYSTEM_LABEL = "system"


def oidc_enabled() -> bool:
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", ""))


class ShopAdminSite(admin.AdminSite):
    site_header = "Shop back-office"
    site_title = "Shop back-office"
    index_title = "Dashboard"
    # There is no shop front on this service to "View site" on (the storefront is another application).
    site_url = None

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every changelist's search is bounded, whichever app registers it.
        base = admin_class or admin.ModelAdmin
        bounded = type(base.__name__, (BoundedSearchAdmin, base), {"__module__": base.__module__})
        super().register(model_or_iterable, bounded, **options)

    def get_urls(self) -> list[URLPattern | URLResolver]:
        return [
            path("price-analytics/", self.admin_view(price_analytics_view), name="price_analytics"),
            path(f"{SYSTEM_LABEL}/", self.admin_view(self.system_index), name="system_index"),
            *super().get_urls(),
        ]

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        """The shop's apps first, in SHOP_APPS order; the others' models together as one "System" app."""
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        shop = sorted(
            (app for app in apps if app["app_label"] in SHOP_APPS), key=lambda a: SHOP_APPS.index(a["app_label"])
        )
        others = [app for app in apps if app["app_label"] not in SHOP_APPS]
        if not others:
            return shop
        system = {
            "name": "System",
            "app_label": SYSTEM_LABEL,
            "app_url": reverse("admin:system_index", current_app=self.name),
            "has_module_perms": True,
            "models": sorted((model for app in others for model in app["models"]), key=lambda m: str(m["name"])),
        }
        return [*shop, system]

    def system_index(self, request: HttpRequest) -> HttpResponse:
        """The "System" section's page: every technical model (users' groups, tokens, task results...)."""
        system = [app for app in self.get_app_list(request) if app["app_label"] == SYSTEM_LABEL]
        context = {
            **self.each_context(request),
            "title": "System",
            "subtitle": None,
            "app_list": system,
            "app_label": SYSTEM_LABEL,
        }
        return TemplateResponse(request, "admin/app_index.html", context)

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> TemplateResponse:
        extra_context = {**(extra_context or {}), "dashboard": shop_dashboard(request)}
        return super().index(request, extra_context)

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
