"""Domain errors of the customers app; the API renders them as problems."""

from rest_framework import status

from ecommerce.exceptions import DomainError


class CustomerInvalid(DomainError):
    """Registration or profile data that breaks a rule (taken email, weak password)."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "validation_error"
    title = "Invalid input"
