"""The back office in a real browser (Playwright driving Debian's Chromium against a live server), SPEC §4.9.

One long scenario, as a member of staff works: log in, build a category tree, add a product, edit its stock
from the list, handle an order placed through the API, read the price analytics, resend a failed notification.
Screenshots of every page land in test-artifacts/admin/.
"""

import re

import pytest
from playwright.sync_api import expect

from catalog.models import Category, Product
from notifications import sms
from notifications.models import Notification, NotificationStatus
from orders.models import Order, OrderStatus
from tests.admin.browser import place_order_through_the_api, screenshot
from tests.factories import CustomerFactory, UserFactory

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


def tree_row(page, category: Category):
    return page.locator("#result_list tbody tr", has=page.locator(f".tree-node[data-pk='{category.pk}']"))


def drag_row_below(page, *, dragged: Category, target: Category) -> None:
    """Drag a category's handle to the lower third of another row (django-mptt's "after" drop zone)."""
    handle = tree_row(page, dragged).locator(".drag-handle").bounding_box()
    row = tree_row(page, target).bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(row["x"] + 200, row["y"] + row["height"] * 5 / 6, steps=10)
    with page.expect_navigation():  # the script posts the move, then reloads the list
        page.mouse.up()


@pytest.fixture
def sms_outbox(settings):
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def test_staff_run_the_shop_from_the_back_office(page, live_server, sms_outbox):
    UserFactory(email=STAFF_EMAIL, password=STAFF_PASSWORD, is_staff=True, is_superuser=True)
    shopper = CustomerFactory(user__email="shopper@example.com", phone="+254711222333")

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

    # Drag and drop: a new root category dropped just below Android lands beside it, under Phones.
    tablets = add_category(page, "Tablets", None)
    page.goto("/admin/catalog/category/")
    drag_row_below(page, dragged=tablets, target=android)
    expect(page.locator(".messagelist .success")).to_have_text("Tablets moved under Phones.")
    tablets.refresh_from_db()
    assert (tablets.parent_id, tablets.level) == (phones.pk, 2)
    expect(page.locator("#result_list tbody tr")).to_have_count(4)
    expect(page.locator("#result_list tbody tr").nth(3)).to_contain_text("Tablets")
    screenshot(page, "03b-category-tree-after-drag")

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

    # A customer orders 4 through the API; staff open the order and cancel it; the stock comes back.
    order_id = place_order_through_the_api(live_server.url, shopper.user.email, STAFF_PASSWORD, product, 4)
    product.refresh_from_db()
    assert product.stock == 8
    page.goto("/admin/orders/order/")
    page.click(f"#result_list a:text-is('Order #{order_id}')")
    expect(page.locator("#content h1")).to_have_text(f"Order #{order_id}")
    expect(page.locator(".field-status .readonly")).to_have_text("Pending")
    expect(page.locator("#lines-group")).to_contain_text("PIXEL-9")
    expect(page.locator("#lines-group")).to_contain_text("KES 319,996.00")
    screenshot(page, "06-order")
    page.click("#order-transitions button:text-is('Cancel order (stock comes back)')")
    expect(page.locator(".messagelist .success")).to_have_text(f"Cancelled: Order #{order_id}.")
    expect(page.locator(".field-status .readonly")).to_have_text("Cancelled")
    screenshot(page, "07-order-cancelled")
    assert Order.objects.get(pk=order_id).status == OrderStatus.CANCELLED
    product.refresh_from_db()
    assert product.stock == 12
    page.goto("/admin/catalog/product/")
    expect(page.locator("#id_form-0-stock")).to_have_value("12")
    # A cancelled order offers no status change at all.
    page.goto(f"/admin/orders/order/{order_id}/change/")
    expect(page.locator("#order-transitions button")).to_have_count(0)
    expect(page.locator("#order-transitions")).to_contain_text("its status cannot change any more")

    # Price analytics: the chart has a bar per category with active, priced products, with the right averages.
    page.goto("/admin/")
    page.click("#reports-module a:text-is('Price analytics')")
    bars = page.locator("#price-chart g.bar")
    expect(bars).to_have_count(3)
    assert [bars.nth(i).get_attribute("data-category") for i in range(3)] == [
        "Electronics",
        "Electronics > Phones",
        "Electronics > Phones > Android",
    ]
    expect(bars.nth(2)).to_contain_text("KES 79,999.00")
    # Every category is in the table; Tablets has no products, so no average and no bar.
    expect(page.locator("#price-analytics-table tbody tr")).to_have_count(4)
    expect(page.locator(f"#price-analytics-table tr[data-category-id='{tablets.pk}']")).to_contain_text("—")
    screenshot(page, "08-price-analytics")
    page.select_option("#id_parent", str(phones.pk))
    page.fill("#id_depth", "1")
    page.click("#price-analytics-filter input[type=submit]")
    expect(page.locator("#price-chart g.bar")).to_have_count(1)
    expect(page.locator("#price-analytics-table tbody tr")).to_have_count(1)
    expect(page.locator("#price-analytics-table tbody tr")).to_contain_text("Electronics > Phones")
    screenshot(page, "09-price-analytics-filtered")

    # The order's SMS failed at the provider; staff resend it from the notifications page.
    notification = Notification.objects.get(order_id=order_id, channel="sms")
    Notification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.FAILED, attempts=5, last_error="provider unavailable"
    )
    sent_before = len(sms_outbox)
    page.goto("/admin/notifications/notification/?channel__exact=sms&status__exact=failed")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list tbody tr")).to_contain_text("provider unavailable")
    screenshot(page, "10-notifications-failed")
    page.check(f"#result_list input[name=_selected_action][value='{notification.pk}']")
    page.select_option("select[name=action]", "resend")
    page.click(".actions button[type=submit] >> nth=0")
    expect(page.locator(".messagelist .success")).to_contain_text(f"#{notification.pk}")
    page.goto("/admin/notifications/notification/?channel__exact=sms")
    expect(page.locator("#result_list tbody tr").first.locator("td.field-status")).to_have_text("Sent")
    screenshot(page, "11-notification-resent")
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert len(sms_outbox) == sent_before + 1
    assert sms_outbox[-1].to == "+254711222333"

    assert page.js_errors == []
