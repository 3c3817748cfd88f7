"""The services' domain errors: the base class each app's `exceptions.py` builds on.

Services raise them; `ecommerce.api.problem_exception_handler` renders them as problems with their
status, the admin shows `str(error)` as a message (`ecommerce.admin_helpers`). Nothing here knows DRF.
"""

from __future__ import annotations

from http import HTTPStatus


class DomainError(Exception):
    """A service refused a request because it breaks a rule of the domain.

    A subclass names its answer in the class statement, e.g.
    `class InsufficientStock(DomainError, status=409, code="insufficient_stock", title="Insufficient stock")`;
    `code` becomes the problem's `type` (`urn:ecommerce:problem:insufficient-stock`). `errors` maps dotted
    field paths to messages, as for 400s.
    """

    status_code: int = HTTPStatus.CONFLICT
    code: str = "conflict"
    title: str = "Conflict"

    def __init_subclass__(cls, *, status: int | None = None, code: str | None = None, title: str | None = None):
        super().__init_subclass__()
        if status is not None:
            cls.status_code = status
        if code is not None:
            cls.code = code
        if title is not None:
            cls.title = title

    def __init__(self, detail: str | None = None, *, errors: dict[str, list[str]] | None = None):
        self.detail = detail or self.title
        self.errors = errors
        super().__init__(self.detail)
