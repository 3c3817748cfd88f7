"""Login throttling per client IP and per email: 429 problem with Retry-After (SPEC §4.1, §6)."""

import pytest
from rest_framework.test import APIClient

LOGIN = "/api/v1/auth/login"
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def rates(settings):
    def set_rates(*, ip="1000/min", email="1000/min"):
        rest = dict(settings.REST_FRAMEWORK)
        rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], "login_ip": ip, "login_email": email}
        settings.REST_FRAMEWORK = rest

    return set_rates


def attempt(email, password="wrong-password", ip="10.0.0.1"):
    return APIClient(REMOTE_ADDR=ip).post(LOGIN, {"email": email, "password": password}, format="json")


def assert_throttled(response):
    assert response.status_code == 429, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 429
    assert 0 < int(response["Retry-After"]) <= 60


@pytest.mark.django_db
def test_per_email_limit_blocks_that_email_from_any_ip(rates, customer):
    rates(email="3/min")
    for n in range(3):
        assert attempt(customer.user.email, ip=f"10.0.0.{n}").status_code == 401

    blocked = attempt(customer.user.email, password=PASSWORD, ip="10.0.0.99")

    assert_throttled(blocked)
    assert "access" not in blocked.content.decode()


@pytest.mark.django_db
def test_per_email_limit_ignores_the_emails_case(rates, customer):
    rates(email="2/min")
    attempt(customer.user.email.upper())
    attempt(f"  {customer.user.email.title()} ")

    assert_throttled(attempt(customer.user.email))


@pytest.mark.django_db
def test_per_email_limit_leaves_other_emails_alone(rates, customer, other_customer):
    rates(email="2/min")
    attempt(customer.user.email)
    attempt(customer.user.email)

    assert attempt(other_customer.user.email, password=PASSWORD).status_code == 200


@pytest.mark.django_db
def test_per_ip_limit_blocks_that_ip_for_every_email(rates, customer):
    rates(ip="3/min")
    for n in range(3):
        assert attempt(f"guess{n}@example.com", ip="192.0.2.7").status_code == 401

    assert_throttled(attempt(customer.user.email, password=PASSWORD, ip="192.0.2.7"))
    assert attempt(customer.user.email, password=PASSWORD, ip="192.0.2.8").status_code == 200


@pytest.mark.django_db
def test_unknown_emails_are_throttled_like_known_ones(rates):
    rates(email="1/min")
    assert attempt("ghost@example.com").status_code == 401

    assert_throttled(attempt("ghost@example.com"))
