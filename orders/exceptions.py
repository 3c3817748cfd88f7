"""Domain errors of the orders app; the API renders them as problems, the admin as messages."""

from rest_framework import status

from ecommerce.api import DomainError


class InvalidOrder(DomainError):
    """The request breaks an order rule (line count, quantity, duplicate or unknown product)."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "validation_error"
    title = "Invalid input"


class InvalidIdempotencyKey(DomainError):
    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid_idempotency_key"
    title = "Invalid Idempotency-Key"


class InsufficientStock(DomainError):
    """Some lines ask for more than is in stock; `errors` has one entry per short line."""

    status_code = status.HTTP_409_CONFLICT
    code = "insufficient_stock"
    title = "Insufficient stock"


class IdempotencyKeyReused(DomainError):
    """The key was already used by this customer, within its lifetime, with a different body."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "idempotency_key_reused"
    title = "Idempotency-Key reused"


class ConcurrentUpdate(DomainError):
    """The transaction kept losing to concurrent ones (deadlock / lock wait timeout) after its retries."""

    status_code = status.HTTP_409_CONFLICT
    code = "concurrent_update"
    title = "Concurrent update"


class IllegalTransition(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "illegal_transition"
    title = "Illegal status change"


class OrderNotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
    title = "Not Found"


class OrderPermissionDenied(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"
    title = "Forbidden"
