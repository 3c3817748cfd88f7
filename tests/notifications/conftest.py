import pytest

from notifications import sms
from tests.notifications.fakes import API_KEY, FakeAfricasTalking, free_port, start_smtp


@pytest.fixture
def fake_at():
    server = FakeAfricasTalking()
    yield server
    server.stop()


@pytest.fixture
def at_settings(settings, fake_at):
    """SMS through the real africastalking SDK, pointed at the local stand-in."""
    settings.SMS_BACKEND = "africastalking"
    settings.AFRICASTALKING_USERNAME = "shop"
    settings.AFRICASTALKING_API_KEY = API_KEY
    settings.AFRICASTALKING_SENDER_ID = ""
    settings.AFRICASTALKING_API_URL = fake_at.url
    settings.NOTIFICATION_TIMEOUT_S = 2.0
    settings.ORDER_NOTIFICATION_EMAILS = ["Shop Ops <ops@example.com>", "sales@example.com"]
    return settings


@pytest.fixture
def locmem_sms(settings):
    settings.SMS_BACKEND = "locmem"
    settings.ORDER_NOTIFICATION_EMAILS = ["ops@example.com"]
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def closed_port() -> int:
    return free_port()


@pytest.fixture
def smtp_server(settings):
    controller, handler = start_smtp()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 10},
        }
    }
    yield handler
    controller.stop()
