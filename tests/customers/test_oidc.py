"""OpenID Connect against a real provider (node-oidc-provider on loopback, see conftest.py).

The browser is played by two real clients: Django's test client for our side (it keeps the
session cookie) and a `requests` session for the provider's side (its login and consent forms
are submitted as a browser would). mozilla-django-oidc's code runs unmocked and talks to the
provider over HTTP for the token, the JWKS and the userinfo.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from html import unescape
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from customers.models import Customer, User
from tests.customers.conftest import STOREFRONT_CLIENT, STOREFRONT_REDIRECT
from tests.factories import CustomerFactory, UserFactory

ME = "/api/v1/customers/me"


def submit_form(session: requests.Session, page: requests.Response, **fields) -> requests.Response:
    """Submit the page's (only) form like a browser: its hidden inputs plus the given fields."""
    form = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', page.text, re.S)
    assert form, page.text
    data = {
        name: unescape(value)
        for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(2))
    }
    data.update(fields)
    return session.post(urljoin(page.url, unescape(form.group(1))), data=data, allow_redirects=False)


def through_provider(session: requests.Session, url: str, issuer: str, account: str) -> str:
    """Follow the provider's redirects, sign in as `account`, consent; return the URL it sends us back to."""
    response = session.get(url, allow_redirects=False)
    for _ in range(20):
        if response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            if not target.startswith(issuer):
                return target
            response = session.get(target, allow_redirects=False)
        elif response.status_code == 200 and 'name="prompt" value="login"' in response.text:
            response = submit_form(session, response, login=account, password="any")
        elif response.status_code == 200 and 'name="prompt" value="consent"' in response.text:
            response = submit_form(session, response)
        else:
            raise AssertionError(f"unexpected provider answer {response.status_code}: {response.text[:500]}")
    raise AssertionError("too many redirects at the provider")


def browser_login(issuer: str, account: str, next_url: str | None = None) -> tuple[Client, object]:
    """The Authorization Code flow as a browser runs it; returns our client and the callback's answer."""
    browser = Client()
    start = browser.get("/oidc/authenticate/", {"next": next_url} if next_url else {})
    assert start.status_code == 302, start.content
    assert start["Location"].startswith(issuer)
    callback = through_provider(requests.Session(), start["Location"], issuer, account)
    parts = urlsplit(callback)
    assert parts.netloc == "testserver" and parts.path == "/oidc/callback/", callback
    return browser, browser.get(parts.path, parse_qs(parts.query))


def provider_access_token(provider, account: str) -> str:
    """A storefront app's code flow at the provider, ending in the provider's own access token."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {
        "client_id": STOREFRONT_CLIENT["client_id"],
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "response_type": "code",
        "scope": "openid email profile",
        "redirect_uri": STOREFRONT_REDIRECT,
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
    }
    url = provider.endpoint("authorization_endpoint") + "?" + urlencode(query)
    back = through_provider(requests.Session(), url, provider.issuer, account)
    assert back.startswith(STOREFRONT_REDIRECT), back
    assert "code=" in back, back
    code = parse_qs(urlsplit(back).query)["code"][0]
    tokens = requests.post(
        provider.endpoint("token_endpoint"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": STOREFRONT_REDIRECT,
            "code_verifier": verifier,
        },
        auth=(STOREFRONT_CLIENT["client_id"], STOREFRONT_CLIENT["client_secret"]),
        timeout=10,
    )
    assert tokens.status_code == 200, tokens.text
    return tokens.json()["access_token"]


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


# --- Browser: Authorization Code flow -------------------------------------------------------


@pytest.mark.django_db
def test_code_flow_creates_a_customer_and_logs_the_browser_in(oidc_settings, oidc_provider):
    browser, callback = browser_login(oidc_provider.issuer, "alice", next_url=ME)

    assert callback.status_code == 302
    assert callback["Location"] == ME
    user = User.objects.get()
    assert user.email == "alice.wanjiku@example.com"
    assert not user.has_usable_password()
    assert (user.customer.first_name, user.customer.last_name) == ("Alice", "Wanjiku")
    # The session works with the API (JSON and the browsable HTML renderer alike).
    me = browser.get(ME, HTTP_ACCEPT="application/json")
    assert me.status_code == 200
    assert me.json()["id"] == user.pk == user.customer.pk
    html = browser.get(ME, HTTP_ACCEPT="text/html")
    assert html.status_code == 200 and "alice.wanjiku@example.com" in html.content.decode()


@pytest.mark.django_db
def test_code_flow_lands_on_the_default_redirect_without_next(oidc_settings, oidc_provider, settings):
    _, callback = browser_login(oidc_provider.issuer, "alice")

    assert callback.status_code == 302
    assert callback["Location"] == settings.LOGIN_REDIRECT_URL


@pytest.mark.django_db
def test_code_flow_matches_an_existing_user_by_email_case_insensitively(oidc_settings, oidc_provider):
    existing = CustomerFactory(user=UserFactory(email="alice.wanjiku@example.com"), first_name="Existing")

    browser, callback = browser_login(oidc_provider.issuer, "alice", next_url=ME)

    assert callback.status_code == 302
    assert User.objects.count() == 1 and Customer.objects.count() == 1
    me = browser.get(ME).json()
    assert (me["id"], me["first_name"]) == (existing.pk, "Existing")


@pytest.mark.django_db
def test_code_flow_signs_staff_into_the_admin(oidc_settings, oidc_provider):
    staff = UserFactory(email="staff.member@example.com", is_staff=True, is_superuser=True)

    browser, callback = browser_login(oidc_provider.issuer, "staffer", next_url="/admin/")

    assert callback["Location"] == "/admin/"
    admin = browser.get("/admin/")
    assert admin.status_code == 200
    assert admin.wsgi_request.user.pk == staff.pk
    assert not Customer.objects.filter(user=staff).exists()


@pytest.mark.django_db
def test_code_flow_new_users_are_not_staff(oidc_settings, oidc_provider):
    browser, _ = browser_login(oidc_provider.issuer, "alice")

    admin = browser.get("/admin/")

    assert admin.status_code == 302 and "/admin/login/" in admin["Location"]
    assert not User.objects.get().is_staff


@pytest.mark.django_db
@pytest.mark.parametrize("account", ["mallory", "noemail"], ids=["unverified-email", "no-email"])
def test_code_flow_refuses_an_email_the_provider_has_not_verified(oidc_settings, oidc_provider, settings, account):
    UserFactory(email="mallory@example.com")  # an existing account must not be taken over

    browser, callback = browser_login(oidc_provider.issuer, account, next_url=ME)

    assert callback.status_code == 302
    assert callback["Location"] == settings.LOGIN_REDIRECT_URL_FAILURE
    assert User.objects.count() == 1
    assert browser.get(ME).status_code == 401


@pytest.mark.django_db
def test_callback_with_a_forged_state_logs_nobody_in(oidc_settings, oidc_provider):
    browser = Client()
    start = browser.get("/oidc/authenticate/")
    callback = through_provider(requests.Session(), start["Location"], oidc_provider.issuer, "alice")
    query = parse_qs(urlsplit(callback).query)
    query["state"] = ["forged-state"]

    response = browser.get("/oidc/callback/", query)

    assert response.status_code == 400  # mozilla-django-oidc: SuspiciousOperation on a state mismatch
    assert not User.objects.exists()
    assert browser.get(ME).status_code == 401


@pytest.mark.django_db
def test_oidc_views_are_404_when_oidc_is_not_configured(api_client):
    # The test environment sets no OIDC_* variables: the service runs without a provider.
    assert Client().get("/oidc/authenticate/").status_code == 404
    assert Client().get("/oidc/callback/", {"code": "x", "state": "y"}).status_code == 404


# --- API: the provider's bearer access tokens -----------------------------------------------


@pytest.mark.django_db
def test_api_accepts_a_provider_access_token_and_creates_the_customer(oidc_settings, oidc_provider):
    token = provider_access_token(oidc_provider, "bob")

    response = bearer(token).get(ME)

    assert response.status_code == 200, response.content
    user = User.objects.get(email="bob@example.com")
    assert response.json()["id"] == user.pk
    assert Customer.objects.get(pk=user.pk).last_name == "Mwangi"


@pytest.mark.django_db
def test_api_provider_token_matches_an_existing_customer(oidc_settings, oidc_provider):
    bob = CustomerFactory(user=UserFactory(email="bob@example.com"))
    token = provider_access_token(oidc_provider, "bob")

    response = bearer(token).get(f"/api/v1/customers/{bob.pk}")

    assert response.status_code == 200
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_api_provider_token_sees_only_its_own_profile(oidc_settings, oidc_provider, other_customer):
    token = provider_access_token(oidc_provider, "bob")

    assert bearer(token).get(f"/api/v1/customers/{other_customer.pk}").status_code == 404
    assert bearer(token).get("/api/v1/customers").status_code == 403


@pytest.mark.django_db
def test_api_caches_the_providers_answer_briefly(oidc_settings, oidc_provider):
    from django.core.cache import cache

    token = provider_access_token(oidc_provider, "bob")
    assert bearer(token).get(ME).status_code == 200
    # Revoked at the provider: the cached validation still stands until it expires...
    revoked = requests.post(
        oidc_provider.endpoint("revocation_endpoint"),
        data={"token": token, "token_type_hint": "access_token"},
        auth=(STOREFRONT_CLIENT["client_id"], STOREFRONT_CLIENT["client_secret"]),
        timeout=10,
    )
    assert revoked.status_code == 200
    assert bearer(token).get(ME).status_code == 200

    cache.clear()  # ...and once it has, the provider is asked again and says no.
    response = bearer(token).get(ME)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_api_rejects_a_token_the_provider_does_not_know(oidc_settings, oidc_provider):
    response = bearer("opaque-token-the-provider-never-issued").get(ME)

    assert response.status_code == 401
    assert response.json()["detail"] == "The access token is invalid or expired."
    assert not User.objects.exists()


@pytest.mark.django_db
def test_api_rejects_a_provider_token_with_an_unverified_email(oidc_settings, oidc_provider):
    UserFactory(email="mallory@example.com")
    token = provider_access_token(oidc_provider, "mallory")

    response = bearer(token).get(ME)

    assert response.status_code == 401
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_our_own_jwts_still_work_and_are_never_sent_to_the_provider(oidc_settings, oidc_provider, customer):
    from datetime import timedelta

    from django.utils import timezone

    assert bearer(str(AccessToken.for_user(customer.user))).get(ME).status_code == 200
    expired = AccessToken.for_user(customer.user)
    expired.set_exp(from_time=timezone.now() - timedelta(hours=1))

    response = bearer(str(expired)).get(ME)

    # simplejwt's own verdict, not the provider's ("The access token is invalid or expired.").
    assert response.status_code == 401
    assert response.json()["type"].endswith("token-not-valid")


@pytest.mark.django_db
def test_provider_unreachable_is_503_not_500(oidc_settings, customer):
    oidc_settings.OIDC_OP_USER_ENDPOINT = "http://127.0.0.1:9/me"  # discard port: nothing listens

    response = bearer("some-provider-token").get(ME)

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_provider_tokens_are_ignored_without_oidc(oidc_provider):
    token = provider_access_token(oidc_provider, "bob")

    response = bearer(token).get(ME)

    assert response.status_code == 401
    assert not User.objects.exists()


@pytest.mark.django_db
def test_password_login_still_works_with_oidc_configured(oidc_settings, customer, api_client):
    # Django tries every backend: the OIDC one must step aside for email + password.
    response = api_client.post(
        "/api/v1/auth/login?code=stolen&state=x",
        {"email": customer.user.email, "password": "correct-horse-battery-staple"},
        format="json",
    )

    assert response.status_code == 200
    assert bearer(response.json()["access"]).get(ME).json()["id"] == customer.pk
