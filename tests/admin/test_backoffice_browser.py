"""The order page, its timeline, the dashboard and the price chart in a real browser (issue 16, SPEC §4.9).

Chromium (Playwright) against the live server, as a member of staff works: the dashboard says what waits,
its figure leads to the pending orders, an order placed through the API is confirmed with the one button its
status allows, a failed SMS is resent from the order's page, and the timeline tells all of it. Every page is
checked for Content-Security-Policy violations (no inline script or style the policy blocks) and JavaScript
errors; screenshots go to test-artifacts/admin/.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from notifications import sms
from notifications.models import Channel, Notification, NotificationStatus
from orders.models import Order, OrderEvent, OrderEventKind, OrderStatus
from tests.admin.browser import csp_violations, place_order_through_the_api, screenshot, watch_csp
from tests.factories import CategoryFactory, CustomerFactory, ProductFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF_EMAIL = "backoffice-staff@example.com"
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def shop(settings):
    settings.SMS_BACKEND = "locmem"
    settings.ORDER_NOTIFICATION_EMAILS = ["ops@example.com"]
    settings.LOW_STOCK_THRESHOLD = 3
    sms.outbox.clear()
    UserFactory(email=STAFF_EMAIL, password=PASSWORD, is_staff=True, is_superuser=True)
    shopper = CustomerFactory(
        first_name="Amina", last_name="Otieno", user__email="amina@example.com", phone="+254711222333"
    )
    phone = ProductFactory(name="Pixel 9", sku="PIXEL-9", price=Decimal("79999.00"), stock=10)
    ProductFactory(name="USB-C cable", sku="CABLE-1", price=Decimal("450.00"), stock=2)
    yield {"shopper": shopper, "phone": phone}
    sms.outbox.clear()


def log_in(page) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", STAFF_EMAIL)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_have_text("Shop back-office")


def place_order(base_url: str, email: str, product, quantity: int) -> int:
    return place_order_through_the_api(base_url, email, PASSWORD, product, quantity)


def assert_clean(page) -> None:
    assert csp_violations(page) == [], page.url
    assert page.js_errors == [], page.url


def test_dashboard_order_page_resend_and_timeline(page, live_server, shop):
    watch_csp(page)
    order_id = place_order(live_server.url, "amina@example.com", shop["phone"], 2)
    # The SMS failed at the provider (it was delivered; make it a failure staff must deal with).
    sms_row = Notification.objects.get(order_id=order_id, channel=Channel.SMS)
    Notification.objects.filter(pk=sms_row.pk).update(
        status=NotificationStatus.FAILED, attempts=5, last_error="provider unavailable", next_attempt_at=None
    )

    # The dashboard: what waits for staff, shop sections first, the technical ones under "System", no "View site".
    log_in(page)
    dashboard = page.locator("#shop-dashboard")
    expect(dashboard.locator("#figure-orders-today .figure-value")).to_have_text("1")
    expect(dashboard.locator("#figure-revenue-today .figure-value")).to_have_text("KES 159,998.00")
    expect(dashboard.locator("#figure-orders-pending .figure-value")).to_have_text("1")
    expect(dashboard.locator("#figure-notifications-failed .figure-value")).to_have_text("1")
    expect(dashboard.locator("#figure-products-low-stock .figure-value")).to_have_text("1")
    expect(dashboard.locator("#low-stock-products")).to_contain_text("USB-C cable")
    sections = page.locator("#content-main > div.module caption").all_text_contents()
    assert [s.strip() for s in sections] == ["Reports", "Orders", "Catalog", "Customers", "Notifications", "System"]
    expect(page.locator("#user-tools")).not_to_contain_text("View site")
    screenshot(page, "20-dashboard")
    assert_clean(page)

    # Its "waiting for confirmation" figure is the list of pending orders.
    page.click("#figure-orders-pending a")
    expect(page).to_have_url(re.compile(r"/admin/orders/order/\?status__exact=pending"))
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.click(f"#result_list a:text-is('Order #{order_id}')")

    # The order's page: titled after it, the customer's details, only Confirm and Cancel on a pending order.
    expect(page.locator("#content h1")).to_have_text(f"Order #{order_id}")
    expect(page).to_have_title(re.compile(rf"^Order #{order_id} \|"))
    expect(page.locator(".field-customer_name")).to_contain_text("Amina Otieno")
    expect(page.locator(".field-customer_email")).to_contain_text("amina@example.com")
    expect(page.locator(".field-customer_phone")).to_contain_text("+254 711 222333")
    buttons = page.locator("#order-transitions button")
    assert buttons.all_inner_texts() == ["Confirm", "Cancel order (stock comes back)"]
    expect(page.locator("#lines-group tbody tr")).to_have_count(1)
    expect(page.locator("#lines-group")).to_contain_text("KES 159,998.00")
    assert page.locator("#lines-group").inner_text().count("Pixel 9") == 1  # no heading repeating the line
    expect(page.locator("#notifications-group .notification-status-failed")).to_have_text("Failed")
    expect(page.locator("#notifications-group .resend-notification")).to_have_count(1)
    expect(page.locator("#order-timeline .timeline-event")).to_have_count(5)
    screenshot(page, "21-order-pending")
    assert_clean(page)

    # Confirm: the service moves it; now Ship and Cancel are offered.
    page.click("#order-transitions button:text-is('Confirm')")
    expect(page.locator(".messagelist .success")).to_have_text(f"Confirmed: Order #{order_id}.")
    expect(page.locator(".field-status .readonly")).to_have_text("Confirmed")
    assert page.locator("#order-transitions button").all_inner_texts() == [
        "Mark shipped",
        "Cancel order (stock comes back)",
    ]
    expect(page.locator("#order-timeline .timeline-event").last).to_contain_text("Status: pending → confirmed")
    expect(page.locator("#order-timeline .timeline-event").last).to_contain_text(f"Staff {STAFF_EMAIL} · Admin")
    assert_clean(page)

    # Resend the failed SMS from the order's page: sent once, and on the timeline.
    sent_before = len(sms.outbox)
    page.click("#notifications-group .resend-notification")
    expect(page.locator(".messagelist .success")).to_have_text(f"Resend scheduled for SMS #{sms_row.pk}.")
    expect(page).to_have_url(re.compile(rf"/admin/orders/order/{order_id}/change/$"))
    expect(page.locator("#notifications-group .notification-status-failed")).to_have_count(0)
    expect(page.locator("#notifications-group .resend-notification")).to_have_count(0)
    assert len(sms.outbox) == sent_before + 1 and sms.outbox[-1].to == "+254711222333"
    events = page.locator("#order-timeline .timeline-event")
    expect(events.nth(-2)).to_contain_text(f"SMS #{sms_row.pk} resent")
    expect(events.nth(-2)).to_contain_text(f"Staff {STAFF_EMAIL} · Admin")
    expect(events.last).to_contain_text(f"SMS #{sms_row.pk} sent")
    expect(events.last).to_contain_text("System · Task")
    screenshot(page, "22-order-confirmed-sms-resent")
    assert_clean(page)
    assert list(OrderEvent.objects.filter(order_id=order_id).order_by("id").values_list("kind", flat=True)[5:]) == [
        OrderEventKind.STATUS_CHANGED,
        OrderEventKind.NOTIFICATION_RESENT,
        OrderEventKind.NOTIFICATION_SENT,
    ]

    # Ship and deliver: a delivered order offers nothing more.
    page.click("#order-transitions button:text-is('Mark shipped')")
    expect(page.locator(".field-status .readonly")).to_have_text("Shipped")
    assert page.locator("#order-transitions button").all_inner_texts() == ["Mark delivered"]
    page.click("#order-transitions button:text-is('Mark delivered')")
    expect(page.locator(".field-status .readonly")).to_have_text("Delivered")
    expect(page.locator("#order-transitions button")).to_have_count(0)
    expect(page.locator("#order-transitions")).to_contain_text("its status cannot change any more")
    screenshot(page, "23-order-delivered")
    assert_clean(page)

    # The dashboard again: nothing pending or failed any more; then the System section's own page.
    page.goto("/admin/")
    expect(page.locator("#figure-orders-pending .figure-value")).to_have_text("0")
    expect(page.locator("#figure-notifications-failed .figure-value")).to_have_text("0")
    page.click("#content-main .app-system caption a")
    expect(page.locator("#content h1")).to_have_text("System")
    expect(page.locator("#content-main")).to_contain_text("Groups")
    screenshot(page, "26-system")
    assert_clean(page)
    assert Order.objects.get(pk=order_id).status == OrderStatus.DELIVERED


def test_the_price_chart_shows_long_paths_whole_and_small_averages(page, live_server, settings):
    watch_csp(page)
    UserFactory(email=STAFF_EMAIL, password=PASSWORD, is_staff=True, is_superuser=True)
    garden = CategoryFactory(name="Home & Garden")
    outdoor = CategoryFactory(name="Outdoor Living", parent=garden)
    furniture = CategoryFactory(name="Garden Furniture", parent=outdoor)
    lounge = CategoryFactory(name="Weatherproof Lounge Sets", parent=furniture)
    ProductFactory(category=lounge, price=Decimal("2500000.00"))
    cables = CategoryFactory(name="Cables")
    ProductFactory(category=cables, price=Decimal("250.00"))
    long_path = "Home & Garden > Outdoor Living > Garden Furniture > Weatherproof Lounge Sets"

    log_in(page)
    page.goto("/admin/price-analytics/")

    chart = page.locator("#price-chart")
    expect(chart).to_have_attribute("data-scale", "sqrt")
    row = chart.locator(f"g.bar[data-category='{long_path}']")
    lines = row.locator("text.label tspan").all_text_contents()
    assert len(lines) > 1 and " ".join(lines) == long_path
    assert row.locator("title").text_content() == f"{long_path}: KES 2,500,000.00"
    # Every label line is drawn inside the chart (nothing cut off at its left edge).
    chart_box = chart.bounding_box()
    for index in range(len(lines)):
        box = row.locator("text.label tspan").nth(index).bounding_box()
        assert box["x"] >= chart_box["x"] and box["width"] > 0
    # The smallest average is a bar one can see, and the axis says what the lengths mean.
    cable_bar = chart.locator("g.bar[data-category='Cables'] rect").bounding_box()
    assert cable_bar["width"] >= 3
    expect(chart.locator("g.axis .axis-caption")).to_contain_text("square root")
    screenshot(page, "24-price-chart")
    assert_clean(page)

    page.select_option("#id_scale", "linear")
    page.click("#price-analytics-filter input[type=submit]")
    expect(page.locator("#price-chart")).to_have_attribute("data-scale", "linear")
    assert page.locator("#price-chart g.bar[data-category='Cables'] rect").bounding_box()["width"] >= 3
    screenshot(page, "25-price-chart-linear")
    assert_clean(page)
