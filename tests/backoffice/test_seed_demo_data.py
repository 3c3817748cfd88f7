"""`seed_demo_data`: a small realistic shop, idempotent."""

import io

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Category, Product
from catalog.selectors import category_tree_problems
from customers.models import Customer, User

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo_data", stdout=out)
    return out.getvalue()


def test_seed_builds_a_shop_and_is_idempotent(settings):
    settings.DEMO_STAFF_PASSWORD = "staff-pass-123"
    settings.DEMO_CUSTOMER_PASSWORD = "customer-pass-123"

    first = seed()
    counts = (Category.objects.count(), Product.objects.count(), User.objects.count(), Customer.objects.count())
    second = seed()

    assert (Category.objects.count(), Product.objects.count(), User.objects.count(), Customer.objects.count()) == counts
    assert 25 <= counts[0] <= 40 and 200 <= counts[1] <= 500 and counts[2:] == (2, 1)
    assert Category.objects.filter(level=2).exists() and category_tree_problems() == []
    staff = User.objects.get(email="admin@example.com")
    assert staff.is_staff and staff.check_password("staff-pass-123")
    customer = Customer.objects.get(user__email="customer@example.com")
    assert str(customer.phone) == "+254712345678" and customer.user.check_password("customer-pass-123")
    assert "admin@example.com / staff-pass-123" in first and "customer@example.com / customer-pass-123" in first
    assert "0 products created" in second


def test_seed_refuses_without_passwords(settings):
    settings.DEMO_STAFF_PASSWORD = ""

    with pytest.raises(CommandError, match="DEMO_STAFF_PASSWORD"):
        seed()
    assert not Product.objects.exists()


def test_the_banner_names_the_urls_and_the_demo_logins(settings):
    settings.DEMO_STAFF_PASSWORD = "staff-pass-123"
    settings.DEMO_CUSTOMER_PASSWORD = "customer-pass-123"
    out = io.StringIO()

    call_command("seed_demo_data", "--banner", "http://127.0.0.1:8123", stdout=out)

    text = out.getvalue()
    assert "ecommerce-service is starting: http://127.0.0.1:8123" in text
    for url in ("/api/v1/", "/api/v1/docs/", "/admin/"):
        assert f"http://127.0.0.1:8123{url}" in text
    assert "admin@example.com / staff-pass-123" in text and "customer@example.com / customer-pass-123" in text
    assert "curl -X POST http://127.0.0.1:8123/api/v1/auth/login" in text


def test_no_banner_unless_asked(settings):
    settings.DEMO_STAFF_PASSWORD = "staff-pass-123"
    settings.DEMO_CUSTOMER_PASSWORD = "customer-pass-123"

    assert "ecommerce-service is starting" not in seed()
