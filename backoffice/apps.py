"""The back office's app, and Django's admin app with the shop's site as its default (`admin.site`).

Both are listed in INSTALLED_APPS (see settings). The admin's lives apart from `backoffice.sites`, which
imports models: an AppConfig module is imported before the app registry is ready.
"""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "Back office"
    default = True  # of the two AppConfigs here, the one `"backoffice"` in INSTALLED_APPS means


class ShopAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "backoffice.sites.ShopAdminSite"
