"""POST /api/v1/customers: registration (SPEC §4.2)."""

import pytest

from customers.models import Customer, User

URL = "/api/v1/customers"
PASSWORD = "plum-kettle-ostrich-42"


def payload(**overrides):
    body = {
        "email": "Wanjiru@Example.com",
        "password": PASSWORD,
        "first_name": "Wanjiru",
        "last_name": "Kamau",
        "phone": "+254712345678",
    }
    body.update(overrides)
    return body


@pytest.mark.django_db
def test_register_creates_user_and_profile_and_never_returns_the_password(api_client):
    response = api_client.post(URL, payload(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "email", "first_name", "last_name", "phone", "date_joined"}
    assert body["email"] == "wanjiru@example.com"
    assert body["phone"] == "+254712345678"
    assert PASSWORD not in response.content.decode()
    user = User.objects.get(pk=body["id"])
    assert user.customer.pk == body["id"]
    assert user.check_password(PASSWORD)
    assert user.password != PASSWORD
    assert not user.is_staff


@pytest.mark.django_db
def test_registered_id_is_the_profile_id(api_client):
    created = api_client.post(URL, payload(), format="json").json()
    user = User.objects.get(pk=created["id"])
    api_client.force_authenticate(user)

    response = api_client.get(f"{URL}/{created['id']}")

    assert response.status_code == 200
    assert response.json()["id"] == created["id"]


@pytest.mark.django_db
def test_trailing_slash_answers_the_same(api_client):
    response = api_client.post(URL + "/", payload(), format="json")

    assert response.status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["wanjiru@example.com", "WANJIRU@EXAMPLE.COM", "  Wanjiru@example.COM "])
def test_duplicate_email_is_rejected_case_insensitively(api_client, email):
    assert api_client.post(URL, payload(), format="json").status_code == 201

    response = api_client.post(URL, payload(email=email, phone="+254700000001"), format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "email" in response.json()["errors"]
    assert User.objects.count() == 1 and Customer.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["0712345678", "12345", "+2547123", "not a phone", "+999123456789", ""])
def test_bad_phone_is_rejected(api_client, phone):
    response = api_client.post(URL, payload(phone=phone), format="json")

    assert response.status_code == 400
    assert "phone" in response.json()["errors"]
    assert not User.objects.exists()


@pytest.mark.django_db
def test_phone_is_required(api_client):
    body = payload()
    del body["phone"]

    response = api_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert "phone" in response.json()["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password",
    ["short1", "password123", "12345678901234", "wanjiru.kamau", "wanjiru@example.com"],
    ids=["too-short", "common", "numeric", "like-name", "like-email"],
)
def test_weak_password_is_rejected_by_djangos_validators(api_client, password):
    response = api_client.post(URL, payload(password=password), format="json")

    assert response.status_code == 400
    problem = response.json()
    assert problem["errors"]["password"]
    assert password not in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["email", "password"])
def test_missing_required_field(api_client, missing):
    body = payload()
    del body[missing]

    response = api_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert missing in response.json()["errors"]
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["not-an-email", "", 42, None])
def test_invalid_email(api_client, email):
    response = api_client.post(URL, payload(email=email), format="json")

    assert response.status_code == 400
    assert "email" in response.json()["errors"]
    assert not User.objects.exists()


@pytest.mark.django_db
def test_staff_flag_and_id_from_the_client_are_ignored(api_client):
    response = api_client.post(URL, payload(is_staff=True, is_superuser=True, id=999), format="json")

    assert response.status_code == 201
    user = User.objects.get()
    assert not user.is_staff and not user.is_superuser
    assert response.json()["id"] == user.pk


@pytest.mark.django_db
def test_non_json_body_is_415(api_client):
    response = api_client.post(URL, "email=a@example.com", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert not User.objects.exists()


@pytest.mark.django_db
def test_malformed_json_is_400(api_client):
    response = api_client.post(URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert not User.objects.exists()
