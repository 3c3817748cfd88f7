"""Registration per IP and the admin login per IP and per account are throttled (SPEC §6).

The admin login form shares the API login's counters: one budget of password guesses per client IP
and per account, whichever door. Other accounts, other addresses and OpenID Connect logins are not
locked out.
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from customers.models import User
from tests.customers.test_oidc import browser_login
from tests.factories import UserFactory

REGISTER = "/api/v1/customers"
ADMIN_LOGIN = "/admin/login/"
API_LOGIN = "/api/v1/auth/login"
PASSWORD = "staff-passphrase-of-some-length"


@pytest.fixture
def rates(settings):
    def set_rates(**scopes: str) -> None:
        rest = dict(settings.REST_FRAMEWORK)
        rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], **scopes}
        settings.REST_FRAMEWORK = rest

    return set_rates


@pytest.fixture
def staff(db):
    user = UserFactory(email="boss@example.com", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def register(n: int, ip: str = "198.51.100.7", **overrides):
    body = {"email": f"shopper{n}@example.com", "password": "plum-kettle-ostrich-42", "phone": "+254712345678"}
    body.update(overrides)
    return APIClient(REMOTE_ADDR=ip).post(REGISTER, body, format="json")


def admin_login(email: str, password: str = "wrong-password", ip: str = "198.51.100.20") -> tuple[Client, object]:
    client = Client(REMOTE_ADDR=ip)
    return client, client.post(ADMIN_LOGIN, {"username": email, "password": password, "next": "/admin/"})


def assert_admin_throttled(response) -> None:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "Too many login attempts" in response.content.decode()
    assert "no-cache" in response["Cache-Control"]


# --- Registration -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_registration_is_throttled_per_ip_with_retry_after(rates):
    rates(register_ip="3/hour")
    answers = [register(n).status_code for n in range(3)]

    blocked = register(99)

    assert answers == [201, 201, 201]
    assert blocked.status_code == 429
    assert blocked["Content-Type"] == "application/problem+json"
    assert 0 < int(blocked["Retry-After"]) <= 3600
    assert not User.objects.filter(email="shopper99@example.com").exists()


@pytest.mark.django_db
def test_registration_throttle_counts_refused_registrations_so_emails_cannot_be_probed(rates, customer):
    rates(register_ip="2/hour")
    taken = customer.user.email
    assert register(0, email=taken).status_code == 400
    assert register(1, email=taken).status_code == 400

    probe = register(2, email=taken)

    assert probe.status_code == 429
    assert "already exists" not in probe.content.decode()


@pytest.mark.django_db
def test_registration_throttle_leaves_other_addresses_alone(rates):
    rates(register_ip="1/hour")
    register(0, ip="198.51.100.1")
    assert register(1, ip="198.51.100.1").status_code == 429

    assert register(2, ip="198.51.100.2").status_code == 201


def test_registration_throttle_is_on_by_default(monkeypatch):
    from tests.ecommerce.test_settings import settings_value

    monkeypatch.delenv("REGISTRATION_THROTTLE_IP")  # the suite's own (tests/testenv.py)

    value = settings_value("settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['register_ip']", DJANGO_DEBUG="true")
    configured = settings_value(
        "settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['register_ip']",
        DJANGO_DEBUG="true",
        REGISTRATION_THROTTLE_IP="4/min",
    )

    assert value == "10/hour"
    assert configured == "4/min"


# --- Admin login ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_login_is_throttled_per_account_even_with_the_right_password(rates, staff):
    rates(login_email="3/min")
    for n in range(3):
        _, response = admin_login(staff.email, ip=f"198.51.100.{n}")
        assert response.status_code == 200  # the form again, with its error

    client, blocked = admin_login(staff.email, password=PASSWORD, ip="198.51.100.50")

    assert_admin_throttled(blocked)
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_admin_login_is_throttled_per_ip_for_every_account(rates, staff):
    rates(login_ip="3/min")
    for n in range(3):
        admin_login(f"guess{n}@example.com", ip="203.0.113.9")

    _, blocked = admin_login(staff.email, password=PASSWORD, ip="203.0.113.9")
    client, other_ip = admin_login(staff.email, password=PASSWORD, ip="203.0.113.10")

    assert_admin_throttled(blocked)
    assert other_ip.status_code == 302 and other_ip["Location"] == "/admin/"
    assert client.session["_auth_user_id"] == str(staff.pk)


@pytest.mark.django_db
def test_admin_login_throttle_locks_no_other_account_out(rates, staff):
    rates(login_email="2/min")
    other = UserFactory(email="second@example.com", is_staff=True)
    other.set_password(PASSWORD)
    other.save()
    admin_login(staff.email)
    admin_login(staff.email)
    assert admin_login(staff.email, password=PASSWORD)[1].status_code == 429

    client, response = admin_login(other.email, password=PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


@pytest.mark.django_db
def test_admin_and_api_logins_share_one_budget_per_account(rates, staff):
    rates(login_email="4/min")
    for n in range(2):
        APIClient(REMOTE_ADDR=f"192.0.2.{n}").post(API_LOGIN, {"email": staff.email, "password": "x"}, format="json")
        admin_login(staff.email, ip=f"192.0.2.{n + 10}")

    api = APIClient(REMOTE_ADDR="192.0.2.99").post(API_LOGIN, {"email": staff.email, "password": PASSWORD})
    _, admin = admin_login(staff.email, password=PASSWORD, ip="192.0.2.98")

    assert api.status_code == 429
    assert_admin_throttled(admin)


@pytest.mark.django_db
def test_admin_login_page_itself_is_never_throttled(rates, staff):
    rates(login_ip="1/min")
    admin_login(staff.email, ip="203.0.113.77")

    page = Client(REMOTE_ADDR="203.0.113.77").get(ADMIN_LOGIN)

    assert page.status_code == 200


@pytest.mark.django_db
def test_oidc_login_into_the_admin_works_while_password_logins_are_throttled(
    rates, oidc_settings, oidc_provider, settings
):
    staff = UserFactory(email="staff.member@example.com", is_staff=True, is_superuser=True)
    rates(login_ip="1/min", login_email="1/min")
    admin_login(staff.email, ip="127.0.0.1")
    assert admin_login(staff.email, ip="127.0.0.1")[1].status_code == 429

    browser, callback = browser_login(oidc_provider.issuer, "staffer", next_url="/admin/")

    assert callback["Location"] == "/admin/"
    assert browser.get("/admin/").wsgi_request.user.pk == staff.pk
