"""Django's admin app with the shop's site as its default (`admin.site`).

Kept apart from `ecommerce.admin_site`, which imports models and DRF: an AppConfig module is imported
before the app registry is ready.
"""

from django.contrib.admin.apps import AdminConfig


class ShopAdminConfig(AdminConfig):
    default_site = "ecommerce.admin_site.ShopAdminSite"
