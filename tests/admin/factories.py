"""Factories for the admin tests' fixtures: orders with lines and their notifications, written straight to the
database (the admin under test only reads them; placing orders is the orders service's job, tested there)."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from notifications.models import Channel, Notification, NotificationStatus
from orders.models import Order, OrderLine, OrderStatus
from tests.factories import CustomerFactory, ProductFactory


class OrderFactory(DjangoModelFactory):
    class Meta:
        model = Order

    customer = factory.SubFactory(CustomerFactory)
    status = OrderStatus.PENDING
    total = Decimal("0.00")
    currency = "KES"


class OrderLineFactory(DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    product_name = factory.SelfAttribute("product.name")
    sku = factory.SelfAttribute("product.sku")
    unit_price = factory.SelfAttribute("product.price")
    quantity = 1
    line_total = factory.LazyAttribute(lambda line: line.unit_price * line.quantity)


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    order = factory.SubFactory(OrderFactory)
    channel = Channel.SMS
    recipient = "+254712345678"
    message = "Your order was received."
    status = NotificationStatus.SENT
