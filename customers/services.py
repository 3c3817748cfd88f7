"""Write use-cases of the customers app: registration and profile updates."""

from __future__ import annotations

import logging

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from customers.exceptions import CustomerInvalid
from customers.models import Customer, User

logger = logging.getLogger(__name__)

EMAIL_TAKEN = "A customer with this email address already exists."


def customer_register(
    *, email: str, password: str, first_name: str = "", last_name: str = "", phone: str = ""
) -> Customer:
    """Create a user (email login, hashed password) and its customer profile in one transaction.

    Raises CustomerInvalid when the email is taken (case-insensitively: emails are stored
    lower-cased under a unique index, which also settles concurrent registrations) or when
    Django's password validators reject the password. Locks nothing.
    """
    email = User.objects.normalize_email(email)
    candidate = User(email=email)
    # The similarity validator compares the password with these attributes too.
    candidate.first_name = first_name  # type: ignore[attr-defined]  # the profile's, for the validator only
    candidate.last_name = last_name  # type: ignore[attr-defined]
    try:
        password_validation.validate_password(password, user=candidate)
    except DjangoValidationError as error:
        raise CustomerInvalid("The password is too weak.", errors={"password": list(error.messages)}) from None
    if User.objects.filter(email=email).exists():
        raise CustomerInvalid(EMAIL_TAKEN, errors={"email": [EMAIL_TAKEN]})
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password)
            customer = Customer.objects.create(user=user, first_name=first_name, last_name=last_name, phone=phone)
    except IntegrityError:
        # A concurrent registration with the same email won the unique index.
        raise CustomerInvalid(EMAIL_TAKEN, errors={"email": [EMAIL_TAKEN]}) from None
    logger.info("customer registered", extra={"customer_id": customer.pk})
    return customer


def customer_update(
    *,
    customer: Customer,
    first_name: str | None = None,
    last_name: str | None = None,
    phone: str | None = None,
) -> Customer:
    """Change the given profile fields (None: unchanged); the email is the login and stays. Locks nothing."""
    changed = []
    for field, value in (("first_name", first_name), ("last_name", last_name), ("phone", phone)):
        if value is not None:
            setattr(customer, field, value)
            changed.append(field)
    if changed:
        with transaction.atomic():
            customer.save(update_fields=changed)
    return customer


def customer_get_or_create_for_oidc(*, email: str, first_name: str = "", last_name: str = "") -> User:
    """The user with this (verified) email, or a new one with an unusable password and a customer profile.

    Used by the OpenID Connect backend; the email match is case-insensitive because emails are
    stored lower-cased. A concurrent first login with the same email ends with the one user.
    """
    email = User.objects.normalize_email(email)
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=None)
            Customer.objects.create(user=user, first_name=first_name[:150], last_name=last_name[:150])
    except IntegrityError:
        return User.objects.get(email=email)
    logger.info("customer created from OpenID Connect", extra={"customer_id": user.pk})
    return user
