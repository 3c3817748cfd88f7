"""Domain errors of the catalog; the API renders them as problem details (ecommerce.api)."""

from collections.abc import Mapping
from http import HTTPStatus

from rest_framework import status

from ecommerce.exceptions import DomainError


class CatalogValidationError(DomainError):
    """Input that is well-formed but breaks a catalog rule (400, with `errors` per field)."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "validation_error"
    title = "Invalid input"


class CategoryMoveInvalid(CatalogValidationError):
    """Moving a category under itself or one of its descendants would make a cycle."""


class CategoryHasProducts(DomainError):
    code = "category_has_products"
    title = "Category still has products"


class ProductInUse(DomainError):
    code = "product_in_use"
    title = "Product is referenced"


class CategoryTreeCorrupt(DomainError):
    """`check_category_tree --repair` could not make the tree valid (e.g. a cycle in parent links)."""

    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    code = "category_tree_corrupt"
    title = "Category tree is corrupt"


class InsufficientStock(DomainError, status=HTTPStatus.CONFLICT, code="insufficient_stock", title="Insufficient stock"):
    """Some lines ask for more than is in stock (`catalog.stock.stock_take`); nothing was taken.

    `available` maps each short line's position in the request to the units there are; `errors` has one
    entry per short line, `items.N.quantity` (the request's lines are its `items`).
    """

    def __init__(self, *, available: Mapping[int, int]):
        self.available = dict(available)
        super().__init__(
            f"Not enough stock for {len(self.available)} of the order's lines.",
            errors={f"items.{index}.quantity": [f"Only {units} available."] for index, units in self.available.items()},
        )
