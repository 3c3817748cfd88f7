"""Phones are strict E.164 with the expected form in the error; a registration names every problem at once."""

import pytest

from customers.models import Customer, User

URL = "/api/v1/customers"
EXAMPLE = "+254712345678"


def payload(**overrides):
    body = {"email": "wanjiru@example.com", "password": "plum-kettle-ostrich-42", "phone": EXAMPLE}
    body.update(overrides)
    return body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "phone",
    [
        "+254 712 345 678x",
        "++254712345678",
        "+254712345678x",
        "254712345678",
        "+254_712_345_678",
        "+254 (712) 345678",
        "+254.712.345.678",
        "+٢٥٤٧١٢٣٤٥٦٧٨",
        "＋254712345678",
        "+254  712345678",
        "+ 254712345678",
        "+254712345678-",
        "+0254712345678",
        "+2547123",
        "+2547123456789012",
        "0712345678",
    ],
)
def test_anything_but_strict_e164_is_a_400_that_shows_the_expected_form(api_client, phone):
    response = api_client.post(URL, payload(phone=phone), format="json")

    assert response.status_code == 400, response.content
    messages = response.json()["errors"]["phone"]
    assert any(EXAMPLE in message for message in messages), messages
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["+254712345678", "+254 712 345 678", "+254-712-345-678", " +254712345678 "])
def test_e164_with_spaces_or_dashes_between_digits_is_stored_compact(api_client, phone):
    response = api_client.post(URL, payload(phone=phone), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["phone"] == EXAMPLE
    assert str(Customer.objects.get().phone) == EXAMPLE


@pytest.mark.django_db
def test_profile_updates_take_strict_e164_too(customer_client, customer):
    before = str(customer.phone)

    response = customer_client.patch(f"{URL}/{customer.pk}", {"phone": "++254712345678"}, format="json")

    customer.refresh_from_db()
    assert response.status_code == 400
    assert EXAMPLE in response.json()["errors"]["phone"][0]
    assert str(customer.phone) == before


@pytest.mark.django_db
def test_a_registration_names_every_problem_in_one_answer(api_client, customer):
    response = api_client.post(
        URL, {"email": customer.user.email, "password": "123", "phone": "0712345678"}, format="json"
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"email", "password", "phone"}
    assert "already exists" in errors["email"][0]
    assert any("too short" in message for message in errors["password"])
    assert any("too common" in message or "entirely numeric" in message for message in errors["password"])
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_a_malformed_email_and_a_weak_password_come_back_together(api_client):
    response = api_client.post(URL, payload(email="not-an-email", password="password"), format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email", "password"}
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_taken_email_and_a_weak_password_come_back_together_when_the_shape_is_fine(api_client, customer):
    response = api_client.post(URL, payload(email=customer.user.email.upper(), password="password"), format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == {"email", "password"}
