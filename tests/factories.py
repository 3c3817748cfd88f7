"""factory-boy factories for every app's models. Apps may add their own beside their tests."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from catalog.models import Category, Product
from customers.models import Customer, User


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
