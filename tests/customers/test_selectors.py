"""customers.selectors.user_with_customer: what the ORM's select_related("customer") lookup returns, from one SELECT."""

from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import User
from customers.selectors import user_with_customer
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def fields_of(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_a_customer_comes_with_the_same_values_and_types_as_the_orm_reads_them(django_assert_num_queries):
    customer = CustomerFactory(phone="+254712345678", first_name="Wanjikũ")
    User.objects.filter(pk=customer.pk).update(last_login=timezone.now() - timedelta(days=1), is_superuser=True)
    expected = User.objects.select_related("customer").get(pk=customer.pk)

    with django_assert_num_queries(1):
        user = user_with_customer(user_id=customer.pk)
        assert user.customer.user is user  # both ways, no query
        profile = user.customer

    assert fields_of(user) == fields_of(expected)
    assert fields_of(profile) == fields_of(expected.customer)
    assert {name: type(value) for name, value in fields_of(user).items()} == {
        name: type(value) for name, value in fields_of(expected).items()
    }
    assert type(profile.phone) is type(expected.customer.phone) and profile.phone.as_e164 == "+254712345678"
    assert user.last_login.tzinfo is not None and user.is_superuser is True and user.is_staff is False
    assert not user._state.adding and user._state.db == "default"


def test_a_user_without_a_profile_has_none_and_asking_costs_no_query(django_assert_num_queries):
    staff = UserFactory(is_staff=True)

    with django_assert_num_queries(1):
        user = user_with_customer(user_id=staff.pk)
        assert getattr(user, "customer", None) is None

    assert fields_of(user) == fields_of(User.objects.get(pk=staff.pk))


def test_no_such_user_is_none():
    assert user_with_customer(user_id=UserFactory().pk + 1000) is None
