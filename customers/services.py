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


def customer_register_problems(
    *, email: str | None, password: str | None, first_name: str = "", last_name: str = ""
) -> dict[str, list[str]]:
    """Every rule a registration breaks, by field: Django's password validators, a taken email.

    None skips that field's rule (the API passes None for a field that is already malformed), so an
    answer can name every problem at once. One query when an email is given.
    """
    problems: dict[str, list[str]] = {}
    normalized = User.objects.normalize_email(email) if email is not None else None
    if password is not None:
        # The similarity validator compares the password with these attributes too.
        candidate = User(email=normalized or "")
        candidate.first_name = first_name  # type: ignore[attr-defined]  # the profile's, for the validator only
        candidate.last_name = last_name  # type: ignore[attr-defined]
        try:
            password_validation.validate_password(password, user=candidate)
        except DjangoValidationError as error:
            problems["password"] = list(error.messages)
    if normalized and User.objects.filter(email=normalized).exists():
        problems["email"] = [EMAIL_TAKEN]
    return problems


def customer_register(
    *, email: str, password: str, first_name: str = "", last_name: str = "", phone: str = ""
) -> Customer:
    """Create a user (email login, hashed password) and its customer profile in one transaction.

    Raises CustomerInvalid naming every broken rule (`customer_register_problems`): a taken email
    (case-insensitively: emails are stored lower-cased under a unique index, which also settles
    concurrent registrations), a password Django's validators reject. Locks nothing.
    """
    email = User.objects.normalize_email(email)
    problems = customer_register_problems(email=email, password=password, first_name=first_name, last_name=last_name)
    if problems:
        raise CustomerInvalid(
            EMAIL_TAKEN if list(problems) == ["email"] else "The request body or parameters are invalid.",
            errors=problems,
        )
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
