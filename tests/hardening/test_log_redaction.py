"""The log-redaction check itself (tests/log_redaction.py) and the project's redaction of log lines."""

import io
import logging

import pytest

from tests import log_redaction

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjo0Mn0.c2lnbmF0dXJlLXBhcnQtaGVyZQ"


def test_a_recorded_secret_is_found_raw_and_json_escaped_and_masked_in_the_report():
    secrets = {'s3cr"et-passphrase'}
    text = 'plain s3cr"et-passphrase here\n{"message": "escaped s3cr\\"et-passphrase"}\nharmless line'

    leaks = log_redaction.find_leaks(text, secrets)

    assert [kind for kind, _ in leaks] == ["secret", "secret"]
    assert all("passphrase" not in line for _, line in leaks)


def test_anything_shaped_like_a_jwt_is_a_leak():
    leaks = log_redaction.find_leaks(f'{{"message": "token {JWT}"}}', set())

    assert leaks == [("jwt", '{"message": "token eyJ***"}')]


def test_short_values_are_never_recorded_so_harmless_text_cannot_match():
    before = set(log_redaction._secrets)
    log_redaction.record_secret("abc")
    log_redaction.record_secret("   ")
    log_redaction.record_secret(None)

    assert log_redaction._secrets == before
    assert log_redaction.find_leaks("GET /api/v1/products 200 abc", {"password-of-a-test"}) == []


def test_the_services_own_string_literals_are_not_secrets_a_test_used():
    # Hypothesis draws inputs from the code's literals, so a generated password can be a log message.
    literals = log_redaction.code_literals()

    assert {"product deleted", "category created"} <= literals
    assert "correct-horse-battery-staple" not in literals  # the factories' password, a test's secret


@pytest.fixture
def project_log():
    """A logger whose records go through the handler the project configures for stdout."""
    stream = io.StringIO()
    handler = log_redaction._project_handler()
    handler.setStream(stream)
    logger = logging.getLogger("tests.hardening.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield logger, stream
    logger.removeHandler(handler)


@pytest.mark.parametrize(
    ("message", "args"),
    [
        ("Authorization: Bearer %s", (JWT,)),
        ("refresh token %s", (JWT,)),
        ("login attempt password=%s", ("hunter2-correct-horse",)),
        ('payload {"password": "%s", "email": "a@example.com"}', ("hunter2-correct-horse",)),
        ("calling provider with api_key=%s", ("atsk_0123456789abcdef",)),
        ("client_secret: %s", ("oidc-client-secret-value",)),
    ],
)
def test_secrets_in_messages_are_redacted(project_log, message, args):
    logger, stream = project_log

    logger.info(message, *args)

    assert args[0] not in stream.getvalue()
    assert "[REDACTED]" in stream.getvalue()


def test_secrets_in_extra_fields_and_tracebacks_are_redacted(project_log):
    logger, stream = project_log

    logger.info("request", extra={"authorization": f"Bearer {JWT}"})
    try:
        raise ValueError("bad credentials password=hunter2-correct-horse")
    except ValueError:
        logger.exception("failed")

    assert JWT not in stream.getvalue()
    assert "hunter2-correct-horse" not in stream.getvalue()
