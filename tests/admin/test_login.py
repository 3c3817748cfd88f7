"""The admin login page offers OpenID Connect when it is configured, and only then (SPEC §4.9)."""

from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.django_db

OIDC_SETTINGS = {
    "OIDC_RP_CLIENT_ID": "shop-admin",
    "OIDC_RP_CLIENT_SECRET": "not-a-real-secret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://id.example.com/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://id.example.com/token",
    "OIDC_OP_USER_ENDPOINT": "https://id.example.com/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://id.example.com/jwks",
    "OIDC_RP_SIGN_ALGO": "RS256",
}


def test_no_oidc_link_without_a_client_id(client, settings):
    settings.OIDC_RP_CLIENT_ID = ""

    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 200
    assert "Sign in with OpenID Connect" not in response.content.decode()


def test_oidc_link_starts_the_authorization_code_flow_back_to_the_admin(client, settings):
    for name, value in OIDC_SETTINGS.items():
        setattr(settings, name, value)

    page = client.get("/admin/login/?next=/admin/")
    link = page.context["oidc_login_url"]
    redirect = client.get(link)

    assert "Sign in with OpenID Connect" in page.content.decode()
    assert link == "/oidc/authenticate/?next=%2Fadmin%2F"
    assert redirect.status_code == 302
    target = urlparse(redirect["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == OIDC_SETTINGS["OIDC_OP_AUTHORIZATION_ENDPOINT"]
    assert parse_qs(target.query)["client_id"] == ["shop-admin"]
    assert client.session["oidc_login_next"] == "/admin/"


def test_oidc_link_never_carries_an_offsite_next(client, settings):
    settings.OIDC_RP_CLIENT_ID = "shop-admin"

    page = client.get("/admin/login/?next=https://evil.example.com/")

    assert page.context["oidc_login_url"] == "/oidc/authenticate/?next=%2Fadmin%2F"


def test_password_login_still_works_and_customers_are_kept_out(client, superuser, customer):
    customer.user.set_password("customer-passphrase-1")
    customer.user.save()

    refused = client.post("/admin/login/", {"username": customer.user.email, "password": "customer-passphrase-1"})
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session

    accepted = client.post(
        "/admin/login/?next=/admin/", {"username": superuser.email, "password": "correct-horse-battery-staple"}
    )
    assert accepted.status_code == 302
    assert accepted["Location"] == "/admin/"
    assert client.session["_auth_user_id"] == str(superuser.pk)
