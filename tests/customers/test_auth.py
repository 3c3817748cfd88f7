"""JWT login, refresh, logout and bearer access (SPEC §4.1, §6)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from tests.conftest import assert_problem
from tests.factories import CustomerFactory, UserFactory

PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory's
LOGIN, REFRESH, LOGOUT, ME = "/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout", "/api/v1/customers/me"


def login(client, email, password=PASSWORD):
    return client.post(LOGIN, {"email": email, "password": password}, format="json")


def bearer(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.django_db
def test_register_login_read_refresh_logout(api_client):
    """The whole life of a customer's session, as the issue's 'done when' says."""
    created = api_client.post(
        "/api/v1/customers",
        {"email": "Zawadi@Example.com", "password": "plum-kettle-ostrich-42", "phone": "+254711000111"},
        format="json",
    )
    assert created.status_code == 201

    tokens = login(api_client, "ZAWADI@example.com", "plum-kettle-ostrich-42")
    assert tokens.status_code == 200
    assert set(tokens.json()) == {"access", "refresh"}

    me = bearer(tokens.json()["access"]).get(ME)
    assert me.status_code == 200 and me.json()["id"] == created.json()["id"]

    refreshed = api_client.post(REFRESH, {"refresh": tokens.json()["refresh"]}, format="json")
    assert refreshed.status_code == 200
    new = refreshed.json()
    assert set(new) == {"access", "refresh"} and new["refresh"] != tokens.json()["refresh"]

    out = bearer(new["access"]).post(LOGOUT, {"refresh": new["refresh"]}, format="json")
    assert out.status_code == 204
    assert_problem(api_client.post(REFRESH, {"refresh": new["refresh"]}, format="json"), 401)


@pytest.mark.django_db
def test_login_answers_the_same_401_for_a_wrong_password_and_an_unknown_email(customer, api_client):
    wrong_password = login(api_client, customer.user.email, "not-the-password")
    unknown_email = login(api_client, "nobody@example.com", "not-the-password")

    body = assert_problem(wrong_password, 401)
    assert assert_problem(unknown_email, 401) == body
    assert wrong_password["WWW-Authenticate"] == unknown_email["WWW-Authenticate"]


@pytest.mark.django_db
def test_inactive_user_cannot_log_in(api_client):
    user = UserFactory(is_active=False)

    assert_problem(login(api_client, user.email), 401)


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"email": "a@example.com"}, {"password": "x"}, {"email": 1, "password": []}])
def test_login_with_missing_or_malformed_fields_is_400(api_client, body):
    assert_problem(api_client.post(LOGIN, body, format="json"), 400)


@pytest.mark.django_db
def test_login_updates_last_login_and_does_not_leak_the_password(customer, api_client):
    response = login(api_client, customer.user.email)

    assert response.status_code == 200
    assert PASSWORD not in response.content.decode()
    customer.user.refresh_from_db()
    assert customer.user.last_login is not None


@pytest.mark.django_db
def test_access_token_lifetime_comes_from_settings(customer, api_client, settings):
    response = login(api_client, customer.user.email)

    access = AccessToken(response.json()["access"])
    refresh = RefreshToken(response.json()["refresh"])
    assert access["exp"] - access["iat"] == settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()
    assert refresh["exp"] - refresh["iat"] == settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"].total_seconds()
    assert int(access["user_id"]) == customer.pk


@pytest.mark.django_db
def test_expired_access_token_is_401(customer):
    token = AccessToken.for_user(customer.user)
    token.set_exp(from_time=timezone.now() - timedelta(hours=1), lifetime=timedelta(minutes=15))

    body = assert_problem(bearer(str(token)).get(ME), 401)
    assert body["type"] == "urn:ecommerce:problem:token-not-valid"


@pytest.mark.django_db
def test_tampered_access_token_is_401(customer, other_customer):
    header, payload, signature = str(AccessToken.for_user(customer.user)).split(".")
    other_payload = str(AccessToken.for_user(other_customer.user)).split(".")[1]

    for tampered in (f"{header}.{other_payload}.{signature}", f"{header}.{payload}.{signature[:-4]}AAAA"):
        response = bearer(tampered).get(ME)
        assert_problem(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_token_signed_with_another_key_is_401(customer):
    import jwt

    forged = jwt.encode(
        {"token_type": "access", "user_id": str(customer.pk), "exp": 9999999999, "jti": "x"},
        "not-our-key-but-long-enough-0123456789",
        algorithm="HS256",
    )

    assert_problem(bearer(forged).get(ME), 401)


@pytest.mark.django_db
def test_garbage_bearer_token_is_401_without_oidc(customer):
    assert_problem(bearer("this-is-not-a-token").get(ME), 401)


@pytest.mark.django_db
def test_refresh_token_is_not_an_access_token(customer):
    refresh = RefreshToken.for_user(customer.user)

    assert_problem(bearer(str(refresh)).get(ME), 401)


@pytest.mark.django_db
def test_refresh_rotates_and_blacklists_the_old_token(customer, api_client):
    old = login(api_client, customer.user.email).json()["refresh"]

    first = api_client.post(REFRESH, {"refresh": old}, format="json")
    replay = api_client.post(REFRESH, {"refresh": old}, format="json")

    assert first.status_code == 200
    assert_problem(replay, 401)
    assert list(BlacklistedToken.objects.values_list("token__jti", flat=True)) == [
        RefreshToken(old, verify=False)["jti"]
    ]
    assert api_client.post(REFRESH, {"refresh": first.json()["refresh"]}, format="json").status_code == 200


@pytest.mark.django_db
def test_refresh_with_an_expired_token_is_401(customer, api_client):
    token = RefreshToken.for_user(customer.user)
    token.set_exp(from_time=timezone.now() - timedelta(days=30), lifetime=timedelta(days=7))

    assert_problem(api_client.post(REFRESH, {"refresh": str(token)}, format="json"), 401)


@pytest.mark.django_db
def test_refresh_with_a_tampered_or_garbage_token_is_401(customer, api_client):
    header, payload, signature = str(RefreshToken.for_user(customer.user)).split(".")

    for bad in (f"{header}.{payload}.{signature[::-1]}", "garbage", str(AccessToken.for_user(customer.user))):
        assert_problem(api_client.post(REFRESH, {"refresh": bad}, format="json"), 401)


@pytest.mark.django_db
def test_refresh_without_a_token_is_400(api_client):
    assert_problem(api_client.post(REFRESH, {}, format="json"), 400)


@pytest.mark.django_db
def test_logout_blacklists_the_given_refresh_token(customer, api_client):
    tokens = login(api_client, customer.user.email).json()

    response = bearer(tokens["access"]).post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 204
    assert list(BlacklistedToken.objects.values_list("token__jti", flat=True)) == [
        RefreshToken(tokens["refresh"], verify=False)["jti"]
    ]
    assert_problem(api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json"), 401)


@pytest.mark.django_db
def test_logout_needs_authentication(customer, api_client):
    tokens = login(api_client, customer.user.email).json()

    assert_problem(api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json"), 401)
    assert BlacklistedToken.objects.count() == 0


@pytest.mark.django_db
def test_logout_cannot_blacklist_another_users_token(customer, other_customer, api_client):
    mine = login(api_client, customer.user.email).json()
    theirs = login(api_client, other_customer.user.email).json()

    response = bearer(mine["access"]).post(LOGOUT, {"refresh": theirs["refresh"]}, format="json")

    assert_problem(response, 400)
    assert BlacklistedToken.objects.count() == 0
    assert api_client.post(REFRESH, {"refresh": theirs["refresh"]}, format="json").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("refresh", ["garbage", None])
def test_logout_with_an_invalid_refresh_token_is_400(customer, api_client, refresh):
    access = login(api_client, customer.user.email).json()["access"]
    body = {} if refresh is None else {"refresh": refresh}

    problem = assert_problem(bearer(access).post(LOGOUT, body, format="json"), 400)
    assert "refresh" in problem["errors"]
    assert BlacklistedToken.objects.count() == 0


@pytest.mark.django_db
def test_logout_with_an_access_token_as_refresh_is_400(customer, api_client):
    access = login(api_client, customer.user.email).json()["access"]

    assert_problem(bearer(access).post(LOGOUT, {"refresh": access}, format="json"), 400)


@pytest.mark.django_db
def test_access_token_of_a_deleted_user_is_401():
    customer = CustomerFactory()
    access = str(AccessToken.for_user(customer.user))
    customer.user.delete()

    assert_problem(bearer(access).get(ME), 401)


@pytest.mark.django_db
def test_auth_paths_accept_a_trailing_slash(customer, api_client):
    assert (
        api_client.post(LOGIN + "/", {"email": customer.user.email, "password": PASSWORD}, format="json").status_code
        == 200
    )


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["[]", '"text"', "[1, 2]", "{bad json"])
def test_login_with_a_non_object_body_is_400(api_client, body):
    response = api_client.post(LOGIN, body, content_type="application/json")

    assert_problem(response, 400)
