"""Receivers of the customers app: a deactivated user's refresh tokens end (SPEC §6).

A password change needs no receiver: every token carries a hash of the password hash (simplejwt's
CHECK_REVOKE_TOKEN), so a new password invalidates all earlier access and refresh tokens at once, whatever
changed it (the admin, `changepassword`, a service). A deactivation leaves the password as it is, so the
user's outstanding refresh tokens are blacklisted: they stay dead if the account is reactivated later.
"""

from __future__ import annotations

from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from customers.models import User


def user_tokens_end_on_deactivation(sender, instance: User, update_fields=None, **kwargs) -> None:
    """pre_save of User: blacklist every unexpired refresh token when `is_active` turns off.

    One query to read the stored flag, only for saves that may change it (not `last_login` updates).
    """
    if instance.pk is None or instance.is_active or (update_fields is not None and "is_active" not in update_fields):
        return
    if not User.objects.filter(pk=instance.pk, is_active=True).exists():
        return
    outstanding = OutstandingToken.objects.filter(user_id=instance.pk, expires_at__gt=timezone.now()).exclude(
        blacklistedtoken__isnull=False
    )
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )
