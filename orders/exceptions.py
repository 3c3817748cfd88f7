"""Domain errors of the orders app; the API renders them as problems, the admin as messages.

InsufficientStock is the catalog's (`catalog.stock.stock_take` raises it); it is named here too, beside
the other answers an order request can get.
"""

from http import HTTPStatus

from catalog.exceptions import InsufficientStock
from ecommerce.exceptions import DomainError

__all__ = [
    "ConcurrentUpdate",
    "IdempotencyKeyReused",
    "IllegalTransition",
    "InsufficientStock",
    "InvalidIdempotencyKey",
    "InvalidOrder",
    "OrderNotFound",
    "OrderPermissionDenied",
]


class InvalidOrder(DomainError, status=HTTPStatus.BAD_REQUEST, code="validation_error", title="Invalid input"):
    """The request breaks an order rule (its shape, or a product that cannot be ordered)."""


class InvalidIdempotencyKey(
    DomainError, status=HTTPStatus.BAD_REQUEST, code="invalid_idempotency_key", title="Invalid Idempotency-Key"
):
    """The Idempotency-Key header is not 1 to 255 printable ASCII characters (bare or an RFC 8941 string)."""


class IdempotencyKeyReused(
    DomainError,
    status=HTTPStatus.UNPROCESSABLE_ENTITY,
    code="idempotency_key_reused",
    title="Idempotency-Key reused",
):
    """The key was already used by this customer, within its lifetime, with a different body."""


class ConcurrentUpdate(DomainError, status=HTTPStatus.CONFLICT, code="concurrent_update", title="Concurrent update"):
    """The transaction kept losing to concurrent ones (deadlock / lock wait timeout) after its retries."""


class IllegalTransition(
    DomainError, status=HTTPStatus.CONFLICT, code="illegal_transition", title="Illegal status change"
):
    """The order's status cannot become the one asked for, or not by this user."""


class OrderNotFound(DomainError, status=HTTPStatus.NOT_FOUND, code="not_found", title="Not Found"):
    """No such order, or not the caller's (the same answer, so ids reveal nothing)."""


class OrderPermissionDenied(DomainError, status=HTTPStatus.FORBIDDEN, code="permission_denied", title="Forbidden"):
    """The caller may see the order but not do this to it (an owner changing its status)."""
