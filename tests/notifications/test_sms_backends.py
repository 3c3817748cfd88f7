"""SMS backends: Africa's Talking through its real SDK against a local stand-in of its API."""

import io
import json

import pytest

from notifications import sms
from notifications.exceptions import PermanentDeliveryError, TransientDeliveryError, UncertainDeliveryError
from notifications.sms import get_sms_backend
from notifications.sms.africastalking import SmsBackend as AfricasTalkingBackend
from tests.notifications.fakes import API_KEY, Reply, refused_recipient

PHONE = "+254712345678"


def backend(fake_at, **kwargs) -> AfricasTalkingBackend:
    options = {"username": "shop", "api_key": API_KEY, "sender_id": "", "api_url": fake_at.url, "timeout": 1.0}
    return AfricasTalkingBackend(**{**options, **kwargs})


def test_accepted_message_returns_the_provider_message_id(fake_at):
    sent = backend(fake_at, sender_id="SHOP").send(to=PHONE, message="Your order #1")

    assert sent.provider_message_id == "ATXid_1"
    assert sent.provider_status == "Success"
    [request] = fake_at.requests
    assert request["path"] == "/version1/messaging"
    assert request["api_key"] == API_KEY
    assert request["form"] == {
        "username": "shop",
        "to": PHONE,
        "message": "Your order #1",
        "bulkSMSMode": "1",
        "from": "SHOP",
    }


@pytest.mark.parametrize(
    ("code", "status"),
    [(100, "Processed"), (101, "Success"), (102, "Queued")],
)
def test_processed_sent_and_queued_count_as_sent(fake_at, code, status):
    fake_at.script.append(lambda r: Reply(201, json.dumps(_one(r, code, status, "ATXid_9")).encode()))

    sent = backend(fake_at).send(to=PHONE, message="hi")

    assert (sent.provider_message_id, sent.provider_status) == ("ATXid_9", status)


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (401, "RiskHold"),
        (402, "InvalidSenderId"),
        (403, "InvalidPhoneNumber"),
        (404, "UnsupportedNumberType"),
        (406, "UserInBlacklist"),
        (407, "CouldNotRoute"),
        (409, "DoNotDisturbRejection"),
    ],
)
def test_permanent_recipient_statuses(fake_at, code, status):
    fake_at.script.append(lambda r: refused_recipient(r["form"]["to"], code, status))

    with pytest.raises(PermanentDeliveryError) as raised:
        backend(fake_at).send(to=PHONE, message="hi")

    assert raised.value.provider_status == status
    assert str(code) in str(raised.value)


@pytest.mark.parametrize(
    ("code", "status"),
    [(405, "InsufficientBalance"), (500, "InternalServerError"), (501, "GatewayError"), (502, "RejectedByGateway")],
)
def test_transient_recipient_statuses(fake_at, code, status):
    fake_at.script.append(lambda r: refused_recipient(r["form"]["to"], code, status))

    with pytest.raises(TransientDeliveryError) as raised:
        backend(fake_at).send(to=PHONE, message="hi")

    assert raised.value.provider_status == status


def test_do_not_disturb_answered_with_http_409_is_classified_from_the_body(fake_at):
    fake_at.script.append(lambda r: refused_recipient(r["form"]["to"], 409, "DoNotDisturbRejection", http_status=409))

    with pytest.raises(PermanentDeliveryError):
        backend(fake_at).send(to=PHONE, message="hi")


def test_http_500_is_transient(fake_at):
    fake_at.script.append(lambda r: Reply(500, b"Internal Server Error", "text/plain"))

    with pytest.raises(TransientDeliveryError, match="Internal Server Error"):
        backend(fake_at).send(to=PHONE, message="hi")


def test_wrong_api_key_is_refused_by_the_provider_and_transient(fake_at):
    with pytest.raises(TransientDeliveryError, match="authentication is invalid"):
        backend(fake_at, api_key="wrong").send(to=PHONE, message="hi")


def test_garbage_2xx_body_is_uncertain(fake_at):
    fake_at.script.append(lambda r: Reply(200, b"<html>Welcome to the hotel wifi</html>", "text/html"))

    with pytest.raises(UncertainDeliveryError, match="Unreadable answer"):
        backend(fake_at).send(to=PHONE, message="hi")


def test_answer_without_status_code_is_uncertain(fake_at):
    body = {"SMSMessageData": {"Message": "?", "Recipients": [{"number": PHONE, "status": "Success"}]}}
    fake_at.script.append(lambda r: Reply(201, json.dumps(body).encode()))

    with pytest.raises(UncertainDeliveryError):
        backend(fake_at).send(to=PHONE, message="hi")


def test_no_recipient_accepted_is_transient(fake_at):
    body = {"SMSMessageData": {"Message": "InvalidSenderId", "Recipients": []}}
    fake_at.script.append(lambda r: Reply(201, json.dumps(body).encode()))

    with pytest.raises(TransientDeliveryError, match="InvalidSenderId"):
        backend(fake_at).send(to=PHONE, message="hi")


def test_timeout_after_the_request_was_sent_is_uncertain(fake_at):
    fake_at.script.append(lambda r: Reply(201, b"{}", delay=1.5))

    with pytest.raises(UncertainDeliveryError, match="ReadTimeout"):
        backend(fake_at, timeout=0.3).send(to=PHONE, message="hi")

    assert len(fake_at.requests) == 1


def test_connection_refused_is_transient(closed_port):
    refused = AfricasTalkingBackend(
        username="shop", api_key=API_KEY, sender_id="", api_url=f"http://127.0.0.1:{closed_port}", timeout=1.0
    )

    with pytest.raises(TransientDeliveryError, match="unreachable"):
        refused.send(to=PHONE, message="hi")


def test_invalid_number_is_refused_by_the_sdk_before_any_request(fake_at):
    with pytest.raises(PermanentDeliveryError):
        backend(fake_at).send(to="0712345678", message="hi")

    assert fake_at.requests == []


def test_missing_api_key_fails_permanently_without_a_request(fake_at):
    with pytest.raises(PermanentDeliveryError, match="not configured"):
        backend(fake_at, api_key="").send(to=PHONE, message="hi")

    assert fake_at.requests == []


def test_sandbox_username_selects_the_sdk_sandbox_url_and_api_url_overrides_it():
    sandbox = AfricasTalkingBackend(username="sandbox", api_key="k", sender_id="", api_url="")
    production = AfricasTalkingBackend(username="shop", api_key="k", sender_id="", api_url="")
    proxied = AfricasTalkingBackend(username="shop", api_key="k", sender_id="", api_url="http://proxy:8080/")

    assert sandbox._service()._make_url("/messaging") == "https://api.sandbox.africastalking.com/version1/messaging"
    assert production._service()._make_url("/messaging") == "https://api.africastalking.com/version1/messaging"
    assert proxied._service()._make_url("/messaging") == "http://proxy:8080/version1/messaging"
    for url in ("http://proxy:8080/version1", "http://proxy:8080/version1/messaging/"):
        full = AfricasTalkingBackend(username="shop", api_key="k", sender_id="", api_url=url)
        assert full._service()._make_url("/messaging") == "http://proxy:8080/version1/messaging"


def test_aliases_and_dotted_paths_select_backends(settings):
    settings.SMS_BACKEND = "notifications.sms.locmem.SmsBackend"
    sms.outbox.clear()

    get_sms_backend().send(to=PHONE, message="one")
    get_sms_backend("locmem").send(to=PHONE, message="two")

    assert [m.message for m in sms.outbox] == ["one", "two"]
    assert isinstance(get_sms_backend("africastalking"), AfricasTalkingBackend)
    sms.outbox.clear()


def test_console_backend_prints_the_message():
    stream = io.StringIO()

    sent = get_sms_backend("console", stream=stream).send(to=PHONE, message="Order #5 received")

    assert "SMS to +254712345678" in stream.getvalue() and "Order #5 received" in stream.getvalue()
    assert sent.provider_message_id.startswith("console-")


def _one(request, code, status, message_id):
    number = request["form"]["to"]
    recipient = {"statusCode": code, "number": number, "status": status, "cost": "KES 0.8", "messageId": message_id}
    return {"SMSMessageData": {"Message": "Sent to 1/1", "Recipients": [recipient]}}
