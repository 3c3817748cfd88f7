"""`manage.py seed_demo_data`: a small realistic shop for `make run` (idempotent).

In the back office because it fills every app: the catalog (through its import) and the customers' demo users.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from catalog.imports import ImportRow, catalog_import
from customers.models import Customer, User
from ecommerce.money import money

# Roots > groups > leaves: 4 + 9 + 20 = 33 categories, three levels.
TREE: dict[str, dict[str, list[str]]] = {
    "Electronics": {
        "Phones": ["Android", "iPhone", "Feature phones"],
        "Computers": ["Laptops", "Desktops", "Tablets"],
        "Audio": ["Headphones", "Speakers"],
    },
    "Home & Kitchen": {
        "Kitchen": ["Cookware", "Small appliances"],
        "Furniture": ["Sofas", "Tables"],
    },
    "Fashion": {
        "Men": ["Shirts", "Shoes"],
        "Women": ["Dresses", "Handbags"],
    },
    "Groceries": {
        "Beverages": ["Coffee", "Tea"],
        "Staples": ["Rice", "Flour"],
    },
}
PRICE_RANGES = {"Electronics": (1500, 250000), "Home & Kitchen": (500, 120000), "Fashion": (300, 15000)}
DEFAULT_PRICE_RANGE = (50, 3000)
ADJECTIVES = ["Classic", "Premium", "Everyday", "Compact", "Deluxe", "Eco", "Pro", "Lite", "Smart", "Family"]
PRODUCTS_PER_LEAF = 17  # 20 leaves: 340 products
STAFF_EMAIL = "admin@example.com"
CUSTOMER_EMAIL = "customer@example.com"
CUSTOMER_PHONE = "+254712345678"


def demo_rows() -> list[ImportRow]:
    """The demo products, the same on every run (a fixed random seed)."""
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    rows: list[ImportRow] = []
    n = 0
    for root, groups in TREE.items():
        low, high = PRICE_RANGES.get(root, DEFAULT_PRICE_RANGE)
        for group, leaves in groups.items():
            for leaf in leaves:
                for _ in range(PRODUCTS_PER_LEAF):
                    n += 1
                    adjective = rng.choice(ADJECTIVES)
                    price = Decimal(rng.randint(low * 100, high * 100)) / 100
                    price = price.quantize(Decimal("1")) - Decimal("0.01") if price > 10 else price
                    stock = 0 if rng.random() < 0.05 else rng.randint(1, 200)
                    rows.append(
                        ImportRow(
                            line=n,
                            sku=f"DEMO-{n:05d}",
                            name=f"{adjective} {leaf.rstrip('s')} {n}",
                            description=f"A {adjective.lower()} pick from our {leaf.lower()} range.",
                            price=money(price),
                            stock=stock,
                            path=(root, group, leaf),
                        )
                    )
    return rows


class Command(BaseCommand):
    help = (
        "Create a demo shop: ~30 categories in three levels, ~300 products, the staff user admin@example.com and "
        "the customer customer@example.com (passwords from DEMO_STAFF_PASSWORD / DEMO_CUSTOMER_PASSWORD). "
        "Idempotent: existing products are left as they are; the two users get their configured passwords."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--banner",
            metavar="URL",
            default="",
            help="After seeding, print where the shop is served (this base URL) and how to sign in (`make run`).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        staff_password = settings.DEMO_STAFF_PASSWORD
        customer_password = settings.DEMO_CUSTOMER_PASSWORD
        if not staff_password or not customer_password:
            raise CommandError(
                "Set DEMO_STAFF_PASSWORD and DEMO_CUSTOMER_PASSWORD (they have development defaults only when "
                "DJANGO_DEBUG is on)."
            )
        with transaction.atomic():
            result = catalog_import(rows=demo_rows(), update_existing=False)
            staff, staff_created = User.objects.get_or_create(
                email=STAFF_EMAIL, defaults={"is_staff": True, "is_superuser": True}
            )
            staff.is_staff = staff.is_superuser = staff.is_active = True
            staff.set_password(staff_password)
            staff.save()
            # Written directly: the customers app's registration service validates passwords for the
            # public API, which a configurable demo password need not pass.
            user, customer_created = User.objects.get_or_create(email=CUSTOMER_EMAIL)
            user.is_active = True
            user.set_password(customer_password)
            user.save()
            Customer.objects.update_or_create(
                user=user, defaults={"first_name": "Demo", "last_name": "Customer", "phone": CUSTOMER_PHONE}
            )

        self.stdout.write(
            f"Catalog: {result.categories_created} categories and {result.products_created} products created "
            f"({result.products_unchanged} products already there)."
        )
        self.stdout.write(
            f"Staff user:    {STAFF_EMAIL} / {staff_password} ({'created' if staff_created else 'exists'})"
        )
        self.stdout.write(
            f"Demo customer: {CUSTOMER_EMAIL} / {customer_password} ({'created' if customer_created else 'exists'})"
        )
        if options["banner"]:
            self.stdout.write(banner(options["banner"], staff_password, customer_password))


BANNER_FIRST_LINE = "ecommerce-service is starting:"


def banner(base_url: str, staff_password: str, customer_password: str) -> str:
    """What `make run` prints before it serves: the URLs, the demo logins and a first request to try."""
    base = base_url.rstrip("/")
    email_backend = settings.MAILERS["default"]["BACKEND"].removeprefix("django.core.mail.backends.")
    rule = "=" * 78
    return "\n".join(
        [
            "",
            rule,
            f"  {BANNER_FIRST_LINE} {base}",
            "",
            f"  API root      {base}/api/v1/          (links to every collection)",
            f"  API docs      {base}/api/v1/docs/     (Swagger UI; ReDoc at {base}/api/v1/redoc/)",
            f"  Admin         {base}/admin/",
            "",
            "  Demo logins (seed_demo_data; DEMO_STAFF_PASSWORD / DEMO_CUSTOMER_PASSWORD change them)",
            f"    staff       {STAFF_EMAIL} / {staff_password}        (the admin, and the API as staff)",
            f"    customer    {CUSTOMER_EMAIL} / {customer_password}  (the API: POST /api/v1/auth/login)",
            "",
            "  Try:",
            f"    curl '{base}/api/v1/products?ordering=price&page_size=3'",
            f"    curl -X POST {base}/api/v1/auth/login -H 'Content-Type: application/json' \\",
            f'         -d \'{{"email": "{CUSTOMER_EMAIL}", "password": "{customer_password}"}}\'',
            "",
            f"  Order notifications: SMS through {settings.SMS_BACKEND}, email through {email_backend}",
            "  (console: printed below). Ctrl-C stops the server.",
            rule,
            "",
        ]
    )
