"""Moved to `notifications.transports.sms.console`; this path keeps configured `SMS_BACKEND` values working."""

from notifications.transports.sms.console import SmsBackend

__all__ = ["SmsBackend"]
