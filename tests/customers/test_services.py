"""Services and the model manager of the customers app."""

import threading

import pytest
from django.db import connections

from customers.exceptions import CustomerInvalid
from customers.models import Customer, User
from customers.services import customer_get_or_create_for_oidc, customer_register, customer_update

STRONG = "plum-kettle-ostrich-42"


@pytest.mark.django_db
def test_customer_register_normalises_the_email_and_hashes_the_password():
    customer = customer_register(
        email=" Neema@Example.COM ", password=STRONG, first_name="Neema", phone="+254700111222"
    )

    assert customer.user.email == "neema@example.com"
    assert customer.pk == customer.user.pk
    assert customer.user.check_password(STRONG) and STRONG not in customer.user.password


@pytest.mark.django_db
def test_customer_register_rejects_a_taken_email_and_a_weak_password_without_writing():
    customer_register(email="neema@example.com", password=STRONG, phone="+254700111222")

    with pytest.raises(CustomerInvalid) as taken:
        customer_register(email="NEEMA@example.com", password=STRONG, phone="+254700111223")
    with pytest.raises(CustomerInvalid) as weak:
        customer_register(email="other@example.com", password="123", phone="+254700111224")

    assert taken.value.status_code == 400 and "email" in taken.value.errors
    assert "password" in weak.value.errors
    assert User.objects.count() == 1 and Customer.objects.count() == 1


@pytest.mark.django_db
def test_customer_update_changes_only_the_given_fields(customer):
    before_last = customer.last_name

    customer_update(customer=customer, first_name="Imani")

    customer.refresh_from_db()
    assert customer.first_name == "Imani" and customer.last_name == before_last


@pytest.mark.django_db
def test_oidc_get_or_create_reuses_the_user_with_the_same_email(customer):
    same = customer_get_or_create_for_oidc(email=customer.user.email.upper())
    new = customer_get_or_create_for_oidc(email="Fresh@Example.com", first_name="F" * 300, last_name="Resh")

    assert same.pk == customer.pk
    assert new.email == "fresh@example.com" and not new.has_usable_password()
    assert len(new.customer.first_name) == 150 and new.customer.last_name == "Resh"


@pytest.mark.django_db
def test_user_manager_creates_superusers_and_requires_an_email():
    admin = User.objects.create_superuser("Root@Example.com", STRONG)

    assert admin.is_staff and admin.is_superuser and admin.email == "root@example.com"
    assert User.objects.get_by_natural_key("ROOT@example.com") == admin
    with pytest.raises(ValueError):
        User.objects.create_user("", STRONG)


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_with_one_email_make_one_customer(mysql_only):
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def register(n: int) -> None:
        try:
            barrier.wait()
            customer_register(
                email=f"{'RACE' if n % 2 else 'race'}@example.com", password=STRONG, phone="+254700000009"
            )
            outcomes.append("created")
        except CustomerInvalid:
            outcomes.append("rejected")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created", "rejected", "rejected", "rejected"]
    assert User.objects.filter(email="race@example.com").count() == 1
    assert Customer.objects.count() == 1
