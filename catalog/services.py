"""Write use-cases of the catalog. The API, the admin and the commands all call these.

Every write of the category tree (create, move, rename, delete, import, repair) first takes the
tree lock (`category_tree_lock`) in its own transaction: django-mptt rewrites lft/rght of many rows
per change and is not safe under concurrent writers.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.text import slugify

from catalog.cache import catalog_changed, stock_changed
from catalog.exceptions import (
    CatalogValidationError,
    CategoryHasProducts,
    CategoryMoveInvalid,
    CategoryTreeCorrupt,
    ProductInUse,
)
from catalog.models import Category, CategoryTreeLock, Product
from catalog.tree import children_by_parent, nested_set_numbers

logger = logging.getLogger(__name__)

TREE_LOCK_ID = 1
SLUG_MAX_LENGTH = Category._meta.get_field("slug").max_length


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


# --- The tree lock ----------------------------------------------------------------


def category_tree_lock() -> None:
    """Take the category tree's write lock until the current transaction ends.

    A `SELECT ... FOR UPDATE` of the one `CategoryTreeLock` row, which post_migrate creates
    (`catalog.apps`); created here only if someone deleted it. On SQLite the IMMEDIATE transaction
    already holds the database's write lock. Must run inside `transaction.atomic()`.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("category_tree_lock() must be called inside transaction.atomic()")
    CategoryTreeLock.objects.select_for_update().get_or_create(pk=TREE_LOCK_ID)
    # Every tree write takes this lock: cached catalog reads are recomputed once it commits.
    catalog_changed()


# --- Categories ------------------------------------------------------------------


def _siblings(parent_id: int | None):
    if parent_id is None:
        return Category.objects.filter(parent__isnull=True)
    return Category.objects.filter(parent_id=parent_id)


def category_name_taken(*, name: str, parent_id: int | None, exclude_pk: int | None = None) -> bool:
    """Whether a sibling (under `parent_id`, None for the roots) already has this name, in any case.

    The services check it under the tree lock; the admin form asks it early for a friendlier message.
    """
    taken = _siblings(parent_id).exclude(pk=exclude_pk).values_list("name", flat=True)
    return any(other.casefold() == name.casefold() for other in taken)


def _check_name_free(*, name: str, parent_id: int | None, exclude_pk: int | None = None) -> None:
    if category_name_taken(name=name, parent_id=parent_id, exclude_pk=exclude_pk):
        where = "at the top level" if parent_id is None else "in this parent category"
        raise CatalogValidationError(
            "A category with this name already exists here.",
            errors={"name": [f"A category named {name!r} already exists {where}."]},
        )


def category_slug_base(name: str) -> str:
    return slugify(name)[: SLUG_MAX_LENGTH - 8].strip("-") or "category"


def _unique_slug(*, base: str, parent_id: int | None, exclude_pk: int | None = None) -> str:
    taken = set(_siblings(parent_id).exclude(pk=exclude_pk).values_list("slug", flat=True))
    return unique_slug(base, taken)


def unique_slug(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`, ... : the first one not in `taken`."""
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise CatalogValidationError("A category needs a name.", errors={"name": ["This field may not be blank."]})
    return name


def _fresh_parent(parent: Category | int | None) -> Category | None:
    if parent is None:
        return None
    pk = parent if isinstance(parent, int) else parent.pk
    try:
        return Category.objects.get(pk=pk)
    except Category.DoesNotExist:
        raise CatalogValidationError(
            "The parent category does not exist.", errors={"parent": [f'Invalid pk "{pk}" - object does not exist.']}
        ) from None


@transaction.atomic
def category_create(*, name: str, parent: Category | int | None = None) -> Category:
    """Create a category under `parent` (a root when None) with a slug unique among its siblings.

    Locks: the category tree. Raises: CatalogValidationError (blank name, a sibling of the same
    name, a parent that no longer exists).
    """
    name = _clean_name(name)
    category_tree_lock()
    parent_obj = _fresh_parent(parent)
    parent_id = parent_obj.pk if parent_obj else None
    _check_name_free(name=name, parent_id=parent_id)
    slug = _unique_slug(base=category_slug_base(name), parent_id=parent_id)
    category = Category(name=name, slug=slug, parent=parent_obj)
    category.save()
    logger.info("category created", extra={"category_id": category.pk, "parent_id": parent_id})
    return category


@transaction.atomic
def category_update(*, category: Category, name: str = UNSET, parent: Category | int | None = UNSET) -> Category:
    """Rename and/or move a category; a move takes its whole subtree along.

    The slug stays unless the new parent already has it (then it gets a `-2` style suffix).
    Locks: the category tree. Raises: CategoryMoveInvalid (a move under itself or a descendant),
    CatalogValidationError (blank name, a sibling of the same name, a missing parent).
    """
    category_tree_lock()
    node = Category.objects.get(pk=category.pk)
    new_name = node.name if name is UNSET else _clean_name(name)
    new_parent = node.parent if parent is UNSET else _fresh_parent(parent)
    new_parent_id = new_parent.pk if new_parent else None

    if new_parent is not None and new_parent.is_descendant_of(node, include_self=True):
        raise CategoryMoveInvalid(
            "A category cannot be moved under itself or one of its descendants.",
            errors={"parent": ["A category cannot be moved under itself or one of its descendants."]},
        )
    if new_name != node.name or new_parent_id != node.parent_id:
        _check_name_free(name=new_name, parent_id=new_parent_id, exclude_pk=node.pk)
    if new_parent_id != node.parent_id:
        node.slug = _unique_slug(base=node.slug, parent_id=new_parent_id, exclude_pk=node.pk)
    node.name = new_name
    node.parent = new_parent
    node.save()
    node.refresh_from_db()
    logger.info("category updated", extra={"category_id": node.pk, "parent_id": new_parent_id})
    return node


@transaction.atomic
def category_delete(*, category: Category) -> None:
    """Delete a category and its (product-free) subtree.

    Locks: the category tree. Raises: CategoryHasProducts (409) when any product, active or not,
    is in the subtree.
    """
    category_tree_lock()
    node = Category.objects.get(pk=category.pk)
    if Product.objects.in_subtree(node).exists():
        raise CategoryHasProducts(
            "This category or one of its descendants still has products; move or delete them first."
        )
    try:
        with transaction.atomic():
            node.delete()
    except (ProtectedError, RestrictedError, IntegrityError):
        # A product was added to the subtree after the check above (products do not take the tree lock).
        raise CategoryHasProducts(
            "This category or one of its descendants still has products; move or delete them first."
        ) from None
    logger.info("category deleted", extra={"category_id": category.pk})


@transaction.atomic
def category_tree_repair() -> list[str]:
    """Rebuild lft/rght/level/tree_id of every category from the parent links.

    Locks: the category tree. Returns the problems found before the repair. Raises
    CategoryTreeCorrupt when the parent links themselves are broken (a cycle), which a rebuild
    cannot fix.
    """
    from catalog.selectors import category_tree_problems

    category_tree_lock()
    problems = category_tree_problems()
    if problems:
        category_tree_renumber()
        remaining = category_tree_problems()
        if remaining:
            raise CategoryTreeCorrupt("; ".join(remaining[:10]))
        logger.warning("category tree repaired", extra={"problems": len(problems)})
    return problems


def category_tree_renumber() -> int:
    """Recompute lft/rght/level/tree_id of every category from the parent links (roots and siblings
    by name, as django-mptt's `rebuild()`), in memory, and write the changed rows in batches of one
    upsert each: `rebuild()`'s per-row UPDATEs take seconds on MariaDB for a few thousand categories.

    Call under the tree lock (imports and repairs hold it). Returns the number of rows rewritten.
    """
    rows = list(Category.objects.values_list("id", "parent_id", "name", "slug", "lft", "rght", "level", "tree_id"))
    by_id = {row[0]: row for row in rows}
    roots, children = children_by_parent(
        ((row[0], row[1]) for row in rows), sort_key=lambda pk: (by_id[pk][2].casefold(), pk)
    )
    changed = [
        Category(id=pk, parent_id=by_id[pk][1], name=by_id[pk][2], slug=by_id[pk][3],
                 lft=lft, rght=rght, level=level, tree_id=tree_id)
        for pk, (lft, rght, level, tree_id) in nested_set_numbers(roots, children).items()
        if (lft, rght, level, tree_id) != by_id[pk][4:]
    ]  # fmt: skip
    target = {"unique_fields": ["id"]} if connection.features.supports_update_conflicts_with_target else {}
    Category.objects.bulk_create(
        changed, batch_size=5000, update_conflicts=True, update_fields=["lft", "rght", "level", "tree_id"], **target
    )
    return len(changed)


# --- Products ----------------------------------------------------------------------


def _sku_taken() -> CatalogValidationError:
    return CatalogValidationError(
        "A product with this SKU already exists.", errors={"sku": ["A product with this SKU already exists."]}
    )


@transaction.atomic
def product_create(
    *,
    name: str,
    sku: str,
    price: Decimal,
    stock: int,
    category: Category,
    description: str = "",
    is_active: bool = True,
) -> Product:
    """Create a product. Raises: CatalogValidationError when the SKU is taken (checked by the unique index)."""
    product = Product(
        name=name,
        sku=sku,
        description=description,
        price=price,
        stock=stock,
        category=category,
        is_active=is_active,
    )
    try:
        with transaction.atomic():
            product.save(force_insert=True)
    except IntegrityError as error:
        if Product.objects.filter(sku=sku).exists():
            raise _sku_taken() from error
        raise
    catalog_changed()
    logger.info("product created", extra={"product_id": product.pk})
    return product


PRODUCT_UPDATABLE_FIELDS = ("name", "sku", "description", "price", "stock", "category", "is_active")


@transaction.atomic
def product_update(*, product: Product, **changes: Any) -> Product:
    """Change some of a product's fields (`PRODUCT_UPDATABLE_FIELDS`).

    Locks: the product's row (`SELECT ... FOR UPDATE`), then writes only the changed columns, so a
    concurrent order taking stock is never overwritten. Raises: CatalogValidationError (SKU taken).
    """
    unknown = set(changes) - set(PRODUCT_UPDATABLE_FIELDS)
    if unknown:
        raise TypeError(f"product_update() got unexpected fields: {sorted(unknown)}")
    locked = Product.objects.select_for_update().get(pk=product.pk)

    def current(field: str) -> Any:
        # The category by id: comparing instances would load the old category first.
        return locked.category_id if field == "category" else getattr(locked, field)

    def given(field: str) -> Any:
        value = changes[field]
        return value.pk if field == "category" and isinstance(value, Category) else value

    changed = [field for field in changes if current(field) != given(field)]
    for field in changed:
        setattr(locked, field, changes[field])
    if changed:
        try:
            with transaction.atomic():
                locked.save(update_fields=[*changed, "updated_at"])
        except IntegrityError as error:
            if "sku" in changed and Product.objects.filter(sku=locked.sku).exclude(pk=locked.pk).exists():
                raise _sku_taken() from error
            raise
        if set(changed) - {"stock"}:
            catalog_changed()
        else:  # only what shows stock depends on it (catalog.cache)
            stock_changed([locked.pk])
        logger.info("product updated", extra={"product_id": locked.pk, "fields": changed})
    return locked


@transaction.atomic
def product_delete(*, product: Product) -> None:
    """Delete a product. Raises: ProductInUse (409) when any order line references it.

    The orders app protects its lines with `on_delete=PROTECT`; the catalog learns of it from the
    ProtectedError without importing orders.
    """
    try:
        with transaction.atomic():
            product.delete()
    except (ProtectedError, RestrictedError, IntegrityError):
        raise ProductInUse("This product appears in orders and cannot be deleted; deactivate it instead.") from None
    catalog_changed()
    logger.info("product deleted", extra={"product_id": product.pk})
