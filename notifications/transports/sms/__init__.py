"""SMS backends behind `SMS_BACKEND`: a dotted path to a backend class, or an alias below."""

from django.conf import settings
from django.utils.module_loading import import_string

from notifications.transports.sms.base import BaseSmsBackend, SmsSent

ALIASES = {
    "africastalking": "notifications.transports.sms.africastalking.SmsBackend",
    "console": "notifications.transports.sms.console.SmsBackend",
    "locmem": "notifications.transports.sms.locmem.SmsBackend",
}

# Messages the locmem backend "sent" (tests empty it).
outbox: list = []


def get_sms_backend(backend: str | None = None, **kwargs) -> BaseSmsBackend:
    path = backend or settings.SMS_BACKEND
    backend_class = import_string(ALIASES.get(path, path))
    kwargs.setdefault("timeout", settings.NOTIFICATION_TIMEOUT_S)
    return backend_class(**kwargs)


__all__ = ["ALIASES", "BaseSmsBackend", "SmsSent", "get_sms_backend", "outbox"]
