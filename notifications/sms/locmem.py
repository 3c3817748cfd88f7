"""Moved to `notifications.transports.sms.locmem`; this path keeps configured `SMS_BACKEND` values working."""

from notifications.transports.sms.locmem import SmsBackend

__all__ = ["SmsBackend"]
