"""Refresh tokens end with the account: deleted, deactivated or a new password (SPEC §4.1, §6)."""

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from tests.factories import CustomerFactory, UserFactory

LOGIN, REFRESH, ME = "/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/customers/me"
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def login(user) -> dict:
    response = APIClient().post(LOGIN, {"email": user.email, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def refresh(token: str):
    return APIClient().post(REFRESH, {"refresh": token}, format="json")


def me(access: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get(ME)


@pytest.fixture
def shopper(db):
    customer = CustomerFactory()
    customer.user.set_password(PASSWORD)
    customer.user.save()
    return customer.user


def assert_401(response) -> None:
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert "access" not in response.json()


@pytest.mark.django_db
def test_refresh_of_a_deleted_users_token_is_401(shopper):
    tokens = login(shopper)
    shopper.delete()

    assert_401(refresh(tokens["refresh"]))


@pytest.mark.django_db
def test_deactivation_ends_the_refresh_tokens_for_good(shopper):
    tokens = login(shopper)
    shopper.is_active = False
    shopper.save()

    refused = refresh(tokens["refresh"])
    shopper.is_active = True
    shopper.save()

    assert_401(refused)
    assert_401(refresh(tokens["refresh"]))
    assert BlacklistedToken.objects.filter(token__user=shopper).count() == 1


@pytest.mark.django_db
def test_a_password_change_ends_earlier_refresh_and_access_tokens(shopper):
    tokens = login(shopper)
    assert me(tokens["access"]).status_code == 200
    shopper.set_password("a-brand-new-passphrase")
    shopper.save()

    assert_401(refresh(tokens["refresh"]))
    assert_401(me(tokens["access"]))


@pytest.mark.django_db
def test_a_password_change_in_the_admin_ends_the_refresh_tokens(shopper, client):
    tokens = login(shopper)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    changed = client.post(
        f"/admin/customers/user/{shopper.pk}/password/",
        {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase", "usable_password": "true"},
    )

    assert changed.status_code == 302, changed.content.decode()[:2000]
    assert_401(refresh(tokens["refresh"]))


@pytest.mark.django_db
def test_tokens_issued_after_the_change_and_other_users_tokens_keep_working(shopper):
    other = CustomerFactory().user
    other.set_password(PASSWORD)
    other.save()
    others = login(other)
    shopper.set_password("a-brand-new-passphrase")
    shopper.save()

    fresh = APIClient().post(LOGIN, {"email": shopper.email, "password": "a-brand-new-passphrase"}, format="json")

    assert refresh(others["refresh"]).status_code == 200
    assert refresh(fresh.json()["refresh"]).status_code == 200
    assert me(fresh.json()["access"]).status_code == 200
