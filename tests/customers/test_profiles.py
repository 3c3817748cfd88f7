"""/customers/me, /customers/{id} and the staff list (SPEC §4.2, §3 ownership)."""

import pytest
from rest_framework.test import APIClient

from customers.models import Customer
from tests.factories import CustomerFactory, UserFactory

URL = "/api/v1/customers"


def profile_of(customer):
    return {
        "id": customer.pk,
        "email": customer.user.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "phone": str(customer.phone),
    }


@pytest.mark.django_db
def test_me_returns_the_callers_profile(customer_client, customer):
    response = customer_client.get(f"{URL}/me")

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in profile_of(customer)} == profile_of(customer)
    assert body["date_joined"].endswith("Z")  # UTC


@pytest.mark.django_db
def test_me_needs_authentication(api_client):
    response = api_client.get(f"{URL}/me")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_me_for_a_user_without_a_profile_is_404(staff_client):
    assert staff_client.get(f"{URL}/me").status_code == 404


@pytest.mark.django_db
def test_customer_reads_own_profile(customer_client, customer):
    response = customer_client.get(f"{URL}/{customer.pk}/")

    assert response.status_code == 200
    assert response.json()["email"] == customer.user.email


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "patch"])
def test_another_customers_profile_is_404_for_every_method(customer_client, other_customer, method):
    before = profile_of(other_customer)

    response = getattr(customer_client, method)(f"{URL}/{other_customer.pk}", {"first_name": "Mallory"}, format="json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    other_customer.refresh_from_db()
    assert profile_of(other_customer) == before


@pytest.mark.django_db
def test_unknown_and_non_numeric_ids_are_404(customer_client):
    assert customer_client.get(f"{URL}/999999").status_code == 404
    assert customer_client.get(f"{URL}/abc").status_code == 404


@pytest.mark.django_db
def test_anonymous_cannot_read_a_profile(api_client, customer):
    assert api_client.get(f"{URL}/{customer.pk}").status_code == 401
    assert api_client.patch(f"{URL}/{customer.pk}", {"first_name": "X"}, format="json").status_code == 401


@pytest.mark.django_db
def test_customer_updates_own_profile(customer_client, customer):
    response = customer_client.patch(
        f"{URL}/{customer.pk}", {"first_name": "Achieng", "phone": "+254798765432"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["first_name"] == "Achieng"
    customer.refresh_from_db()
    assert customer.first_name == "Achieng"
    assert str(customer.phone) == "+254798765432"


@pytest.mark.django_db
def test_patch_ignores_email_and_id(customer_client, customer):
    email = customer.user.email

    response = customer_client.patch(f"{URL}/{customer.pk}", {"email": "new@example.com", "id": 5}, format="json")

    assert response.status_code == 200
    customer.user.refresh_from_db()
    assert customer.user.email == email


@pytest.mark.django_db
def test_patch_with_a_bad_phone_changes_nothing(customer_client, customer):
    before = profile_of(customer)

    response = customer_client.patch(f"{URL}/{customer.pk}", {"phone": "0712", "first_name": "Z"}, format="json")

    assert response.status_code == 400
    assert "phone" in response.json()["errors"]
    customer.refresh_from_db()
    assert profile_of(customer) == before


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "delete"])
def test_put_and_delete_are_405_for_own_and_others_alike(customer_client, customer, other_customer, method):
    # No method reveals whether a profile exists: unsupported ones answer 405 for every id.
    for target in (customer, other_customer):
        response = getattr(customer_client, method)(f"{URL}/{target.pk}", {"first_name": "X"}, format="json")
        assert response.status_code == 405
    assert Customer.objects.count() == 2


@pytest.mark.django_db
def test_staff_reads_and_updates_any_profile(staff_client, customer):
    assert staff_client.get(f"{URL}/{customer.pk}").json()["id"] == customer.pk

    response = staff_client.patch(f"{URL}/{customer.pk}", {"last_name": "Otieno"}, format="json")

    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.last_name == "Otieno"


@pytest.mark.django_db
def test_list_is_for_staff_only(customer_client, api_client):
    assert customer_client.get(URL).status_code == 403
    assert api_client.get(URL).status_code == 401


@pytest.mark.django_db
def test_staff_list_is_paginated(staff_client):
    CustomerFactory.create_batch(3)

    response = staff_client.get(URL, {"page_size": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("term", "expected"),
    [("amina@", ["amina"]), ("AMINA", ["amina"]), ("Odhiambo", ["brian"]), ("+25471111", ["amina"]), ("zzz", [])],
)
def test_staff_list_search_on_email_name_and_phone(staff_client, term, expected):
    people = {
        "amina": CustomerFactory(
            user=UserFactory(email="amina@example.com"), first_name="Amina", last_name="Hassan", phone="+254711112222"
        ),
        "brian": CustomerFactory(
            user=UserFactory(email="brian@example.com"), first_name="Brian", last_name="Odhiambo", phone="+254722223333"
        ),
    }

    response = staff_client.get(URL, {"search": term})

    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [people[name].pk for name in expected]


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_rows(staff_user, django_assert_num_queries):
    client = APIClient()
    client.force_authenticate(staff_user)
    CustomerFactory.create_batch(2)
    with django_assert_num_queries(2) as few:  # count + page (select_related user)
        assert client.get(URL).status_code == 200
    CustomerFactory.create_batch(20)

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(URL, {"page_size": 50})

    assert len(response.json()["results"]) == 22


@pytest.mark.django_db
def test_detail_query_count(customer_client, customer, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert customer_client.get(f"{URL}/{customer.pk}").status_code == 200
    assert Customer.objects.count() == 1
