from decimal import Decimal

import pytest
from django.db import transaction

from notifications import sms
from orders.models import Order, OrderLine
from orders.signals import order_placed
from tests.factories import CustomerFactory, ProductFactory
from tests.notifications.fakes import API_KEY, FakeAfricasTalking, free_port, start_smtp


@pytest.fixture
def fake_at():
    server = FakeAfricasTalking()
    yield server
    server.stop()


@pytest.fixture
def at_settings(settings, fake_at):
    """SMS through the real africastalking SDK, pointed at the local stand-in."""
    settings.SMS_BACKEND = "africastalking"
    settings.AFRICASTALKING_USERNAME = "shop"
    settings.AFRICASTALKING_API_KEY = API_KEY
    settings.AFRICASTALKING_SENDER_ID = ""
    settings.AFRICASTALKING_API_URL = fake_at.url
    settings.NOTIFICATION_TIMEOUT_S = 2.0
    settings.ORDER_NOTIFICATION_EMAILS = ["Shop Ops <ops@example.com>", "sales@example.com"]
    return settings


@pytest.fixture
def locmem_sms(settings):
    settings.SMS_BACKEND = "locmem"
    settings.ORDER_NOTIFICATION_EMAILS = ["ops@example.com"]
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def closed_port() -> int:
    return free_port()


@pytest.fixture
def smtp_server(settings):
    controller, handler = start_smtp()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 10},
        }
    }
    yield handler
    controller.stop()


def place_order(customer=None, *, lines: int = 2, fail_after_signal: bool = False) -> Order:
    """An order placed the way `order_create` does it: rows, then `order_placed` inside the transaction."""
    customer = customer or CustomerFactory()
    with transaction.atomic():
        products = [ProductFactory(price=Decimal("1499.50") + i) for i in range(lines)]
        total = sum((p.price * (i + 1) for i, p in enumerate(products)), Decimal("0"))
        order = Order.objects.create(customer=customer, total=total, currency="KES", note="Leave at the gate")
        for i, product in enumerate(products):
            OrderLine.objects.create(
                order=order,
                product=product,
                product_name=product.name,
                sku=product.sku,
                unit_price=product.price,
                quantity=i + 1,
                line_total=product.price * (i + 1),
            )
        order_placed.send(sender=Order, order=order)
        if fail_after_signal:
            raise RuntimeError("the order failed after the signal")
    return order
