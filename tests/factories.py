"""factory-boy factories for every app's models, the one place for them.

Orders, their lines and notifications are written straight to the database, for tests of what reads them;
placing an order is `orders.services.order_create`'s job, tested in tests/orders.
"""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from catalog.models import Category, Product
from customers.models import Customer, User
from notifications.models import Channel, Notification, NotificationStatus
from orders.models import Order, OrderLine, OrderStatus


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery-staple")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    user = factory.SubFactory(UserFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    phone = factory.Sequence(lambda n: f"+2547{n % 100000000:08d}")


class CategoryFactory(DjangoModelFactory):
    """Creates through the model; the catalog's services add the tree lock for real writes."""

    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    parent = None


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    sku = factory.Sequence(lambda n: f"SKU-{n:06d}")
    description = "A fine product."
    price = Decimal("100.00")
    stock = 10
    category = factory.SubFactory(CategoryFactory)
    is_active = True


class OrderFactory(DjangoModelFactory):
    class Meta:
        model = Order

    customer = factory.SubFactory(CustomerFactory)
    status = OrderStatus.PENDING
    total = Decimal("0.00")
    currency = "KES"


class OrderLineFactory(DjangoModelFactory):
    """A line at the product's current price, as `order_create` copies it."""

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
