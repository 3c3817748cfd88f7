"""Moved to `notifications.transports.sms.africastalking`; this path keeps configured `SMS_BACKEND` values working."""

from notifications.transports.sms.africastalking import SmsBackend

__all__ = ["SmsBackend"]
