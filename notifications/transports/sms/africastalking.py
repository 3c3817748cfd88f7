"""Africa's Talking through its official SDK (`africastalking`).

The SDK builds its base URL from the username (`sandbox` selects api.sandbox.africastalking.com)
and keeps it in `SMSService._baseUrl`; `AFRICASTALKING_API_URL` replaces that base (a proxy, or the
local stand-in the tests start), the SDK adding `/version1/messaging` as usual.
"""

import json
import logging
from typing import Any

import requests
import urllib3.exceptions
from africastalking.Service import AfricasTalkingException
from africastalking.SMS import SMSService
from django.conf import settings

from notifications.exceptions import PermanentDeliveryError, TransientDeliveryError, UncertainDeliveryError
from notifications.transports.sms.base import BaseSmsBackend, SmsSent

logger = logging.getLogger(__name__)

# Per-recipient status codes of the SMS API's answer.
SENT_CODES = {100: "Processed", 101: "Sent", 102: "Queued"}
PERMANENT_CODES = {
    401: "RiskHold",
    402: "InvalidSenderId",
    403: "InvalidPhoneNumber",
    404: "UnsupportedNumberType",
    406: "UserInBlacklist",
    407: "CouldNotRoute",
    # Nigeria's do-not-disturb window for promotional sender ids lasts 12 hours, longer than the whole
    # retry schedule, and a subscriber's DND choice is a refusal, not an outage.
    409: "DoNotDisturbRejection",
}
TRANSIENT_CODES = {
    405: "InsufficientBalance",
    500: "InternalServerError",
    501: "GatewayError",
    502: "RejectedByGateway",
}
MAX_ERROR_CHARS = 500


def _short(text: Any) -> str:
    return str(text)[:MAX_ERROR_CHARS]


class SmsBackend(BaseSmsBackend):
    def __init__(
        self,
        *,
        timeout: float | None = None,
        username: str | None = None,
        api_key: str | None = None,
        sender_id: str | None = None,
        api_url: str | None = None,
    ) -> None:
        super().__init__(timeout=timeout)
        self.username = username if username is not None else settings.AFRICASTALKING_USERNAME
        self.api_key = api_key if api_key is not None else settings.AFRICASTALKING_API_KEY
        self.sender_id = (sender_id if sender_id is not None else settings.AFRICASTALKING_SENDER_ID) or None
        self.api_url = api_url if api_url is not None else settings.AFRICASTALKING_API_URL

    def _service(self) -> SMSService:
        service = SMSService(self.username, self.api_key)
        if self.api_url:
            # Accept the bare base URL, or one already ending in /version1 (or /version1/messaging).
            base = self.api_url.rstrip("/").removesuffix("/messaging").removesuffix("/version1")
            service._baseUrl = base + "/version1"
        return service

    def send(self, *, to: str, message: str) -> SmsSent:
        if not self.username or not self.api_key:
            raise PermanentDeliveryError("Africa's Talking is not configured (AFRICASTALKING_USERNAME/_API_KEY).")
        try:
            answer = self._service().send(message, [to], sender_id=self.sender_id, timeout=self.timeout)
        except ValueError as error:  # the SDK's own E.164 check, before any request
            raise PermanentDeliveryError(_short(error), provider_status="InvalidPhoneNumber") from error
        except AfricasTalkingException as error:
            # A non-2xx answer: the SDK keeps only the body. Africa's Talking sometimes explains a
            # refusal per recipient there (e.g. HTTP 409 DoNotDisturbRejection); otherwise nothing
            # was accepted and trying again later is safe.
            body = _parse(str(error))
            if body is not None and _recipients(body):
                return self._classify(body, to)
            raise TransientDeliveryError(f"Africa's Talking refused the request: {_short(error)}") from error
        except requests.exceptions.RequestException as error:
            if _never_reached_provider(error):
                raise TransientDeliveryError(f"Africa's Talking unreachable: {_short(error)}") from error
            raise UncertainDeliveryError(
                f"No answer from Africa's Talking after sending ({type(error).__name__}): {_short(error)}"
            ) from error
        body = answer if isinstance(answer, dict) else _parse(answer)
        if body is None:
            raise UncertainDeliveryError(f"Unreadable answer from Africa's Talking: {_short(answer)!r}")
        return self._classify(body, to)

    def _classify(self, body: dict, to: str) -> SmsSent:
        recipients = _recipients(body)
        if not recipients:
            summary = body.get("SMSMessageData", {}).get("Message", "") if isinstance(body, dict) else ""
            raise TransientDeliveryError(f"Africa's Talking accepted no recipient: {_short(summary or body)}")
        recipient = next((r for r in recipients if r.get("number") == to), recipients[0])
        status = str(recipient.get("status", ""))
        message_id = str(recipient.get("messageId") or "")
        if message_id == "None":
            message_id = ""
        try:
            code = int(recipient.get("statusCode"))
        except (TypeError, ValueError) as error:
            raise UncertainDeliveryError(
                f"Africa's Talking answered without a status code: {_short(recipient)}"
            ) from error
        if code in SENT_CODES:
            return SmsSent(provider_message_id=message_id, provider_status=status or SENT_CODES[code])
        error = f"Africa's Talking status {code} {status or PERMANENT_CODES.get(code) or TRANSIENT_CODES.get(code)}"
        if code in PERMANENT_CODES:
            raise PermanentDeliveryError(error, provider_status=status, provider_message_id=message_id)
        if code not in TRANSIENT_CODES:
            logger.warning("Unknown Africa's Talking status code %s (%s), treated as transient", code, status)
        raise TransientDeliveryError(error, provider_status=status, provider_message_id=message_id)


def _parse(text: str) -> dict | None:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _recipients(body: dict) -> list[dict]:
    data = body.get("SMSMessageData")
    recipients = data.get("Recipients") if isinstance(data, dict) else None
    if not isinstance(recipients, list):
        return []
    return [r for r in recipients if isinstance(r, dict)]


def _never_reached_provider(error: requests.exceptions.RequestException) -> bool:
    """True when the request provably never got to the provider (refused, unresolvable, TLS failed)."""
    if isinstance(error, requests.exceptions.ConnectTimeout | requests.exceptions.SSLError):
        return True
    if isinstance(error, requests.exceptions.ReadTimeout):
        return False
    if isinstance(error, requests.exceptions.ConnectionError):
        reason = error.args[0] if error.args else None
        reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
        return isinstance(reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError)
    return isinstance(error, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema)
