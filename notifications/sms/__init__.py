"""The SMS backends' former home, kept so configured dotted paths (`notifications.sms.africastalking.SmsBackend`)
and `notifications.sms.outbox` keep working. They live in `notifications.transports.sms`."""

from notifications.transports.sms import ALIASES, BaseSmsBackend, SmsSent, get_sms_backend, outbox

__all__ = ["ALIASES", "BaseSmsBackend", "SmsSent", "get_sms_backend", "outbox"]
