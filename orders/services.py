"""Write use-cases of orders: placing one (takes stock), cancelling (gives it back), staff status changes.

Every function here owns its transaction and is what the API, the admin and commands call.
Lock order, everywhere: an order row first (when there is one), then product rows by ascending pk,
so two transactions never wait for each other in a cycle.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeGuard

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from catalog.models import Product
from ecommerce.money import money
from orders import metrics
from orders.events import Actor, ActorType, EventSource, OrderEventKind, order_event_record
from orders.exceptions import (
    ConcurrentUpdate,
    IdempotencyKeyReused,
    IllegalTransition,
    InsufficientStock,
    InvalidIdempotencyKey,
    InvalidOrder,
    OrderNotFound,
    OrderPermissionDenied,
)
from orders.models import OWNER_CANCELLABLE_STATUSES, Order, OrderLine, OrderStatus
from orders.signals import order_placed

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from customers.models import Customer, User

logger = logging.getLogger(__name__)

MAX_LINES = 100
MAX_QUANTITY = 1000
MAX_NOTE_LENGTH = 1000
MAX_IDEMPOTENCY_KEY_LENGTH = 255
_MAX_ID = 2**63 - 1
# MySQL/MariaDB errors worth running the whole transaction again for.
_RETRYABLE_MYSQL_ERRORS = {1213: "deadlock", 1205: "lock_wait_timeout"}
# An RFC 8941 sf-string: the draft's form of the header, `Idempotency-Key: "8e03978e-..."`.
_SF_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')


@dataclass(frozen=True)
class OrderLineRequest:
    product_id: int
    quantity: int


@dataclass(frozen=True)
class OrderCreateResult:
    order: Order
    # True when an earlier request with the same Idempotency-Key and body created the order.
    replayed: bool


# --- Placing an order -----------------------------------------------------------


def order_create(
    *,
    customer: Customer,
    items: Sequence[Mapping[str, Any]],
    note: str = "",
    idempotency_key: str | None = None,
    actor: Actor | None = None,
    source: EventSource = EventSource.API,
) -> OrderCreateResult:
    """Place an order of `items` (`{"product": id, "quantity": n}`) for `customer`, priced now.

    One transaction: inserts the order, locks the products (SELECT ... FOR UPDATE by ascending pk),
    checks every line before taking anything, writes the lines, decrements stock, and sends
    `order_placed` (its receivers write in the same transaction). Deadlocks and lock wait timeouts
    are retried `ORDER_RETRY_ATTEMPTS` times with jittered backoff.
    With `idempotency_key`, the same key and body within `ORDER_IDEMPOTENCY_KEY_TTL_HOURS` returns
    the first order (`replayed=True`) and takes no stock; concurrent twins collide on the unique
    (customer, idempotency_key) constraint, and the loser replays the winner's order.
    Raises InvalidOrder / InvalidIdempotencyKey (400), InsufficientStock (409, one `errors` entry
    per short line), IdempotencyKeyReused (422), ConcurrentUpdate (409, retries exhausted).
    After commit: counts the order in the metrics. The timeline gets a `placed` event by `actor` (default:
    the customer) through `source`.
    """
    lines = _validated_lines(items)
    note = _validated_note(note)
    key = idempotency_key_parse(idempotency_key)
    fingerprint = request_fingerprint(lines=lines, note=note) if key is not None else ""
    placed_by = (actor or Actor(ActorType.CUSTOMER, customer.pk), source)
    try:
        return _with_retries(
            "create",
            lambda: _order_create_once(
                customer=customer, lines=lines, note=note, key=key, fingerprint=fingerprint, placed_by=placed_by
            ),
        )
    except IntegrityError:
        # The unique (customer, idempotency_key) constraint: a twin committed first. Replay it.
        twin = _order_for_key(customer=customer, key=key) if key is not None else None
        if twin is None or not _is_live(twin):
            raise
        return _replay(twin, fingerprint=fingerprint)


def _order_create_once(
    *,
    customer: Customer,
    lines: list[OrderLineRequest],
    note: str,
    key: str | None,
    fingerprint: str,
    placed_by: tuple[Actor, EventSource],
) -> OrderCreateResult:
    with transaction.atomic():
        if key is not None:
            earlier = _order_for_key(customer=customer, key=key)
            if earlier is not None:
                if _is_live(earlier):
                    return _replay(earlier, fingerprint=fingerprint)
                # An expired key may be reused: release it from the old order (row lock, conditional
                # on its value, so of two concurrent reusers one clears it and both then meet on the
                # unique constraint below).
                Order.objects.filter(pk=earlier.pk, idempotency_key=key).update(idempotency_key=None)

        quantities = {line.product_id: line.quantity for line in lines}
        # Evaluated here, so the row locks are taken now, in pk order.
        products = {
            product.pk: product
            for product in Product.objects.select_for_update().filter(pk__in=list(quantities)).order_by("pk")
        }
        unknown = {
            f"items.{index}.product": [f"Product {line.product_id} does not exist or is not for sale."]
            for index, line in enumerate(lines)
            if line.product_id not in products or not products[line.product_id].is_active
        }
        if unknown:
            raise InvalidOrder("Some lines name a product that cannot be ordered.", errors=unknown)

        order_lines = []
        for line in lines:
            product = products[line.product_id]
            order_lines.append(
                OrderLine(
                    product_id=product.pk,
                    product_name=product.name,
                    sku=product.sku,
                    unit_price=product.price,
                    quantity=line.quantity,
                    line_total=money(product.price * line.quantity),
                )
            )
        total = money(sum((line.line_total for line in order_lines), Decimal("0")))
        # Inserted before the stock check: a twin request with the same key waits here on the unique
        # index until this one ends, then replays it instead of reporting the stock this one took.
        order = Order.objects.create(
            customer=customer,
            total=total,
            currency=settings.SHOP_CURRENCY,
            note=note,
            idempotency_key=key,
            request_fingerprint=fingerprint,
        )

        short = {
            f"items.{index}.quantity": [f"Only {products[line.product_id].stock} available."]
            for index, line in enumerate(lines)
            if products[line.product_id].stock < line.quantity
        }
        if short:
            metrics.STOCK_CONFLICTS.inc()
            raise InsufficientStock(f"Not enough stock for {len(short)} of the order's lines.", errors=short)

        for order_line in order_lines:
            order_line.order = order
        OrderLine.objects.bulk_create(order_lines)
        _cache_lines(order, order_lines)
        remaining = {pk: product.stock - quantities[pk] for pk, product in products.items()}
        for product in products.values():
            product.stock = F("stock") - quantities[product.pk]
        Product.objects.bulk_update(products.values(), ["stock"])
        for product in products.values():
            product.stock = remaining[product.pk]

        _record_placed(order, line_count=len(order_lines), placed_by=placed_by)
        order_placed.send(sender=Order, order=order, source=placed_by[1])
        transaction.on_commit(lambda: _placed(order, line_count=len(order_lines)))
    return OrderCreateResult(order=order, replayed=False)


def _cache_lines(order: Order, lines: list[OrderLine]) -> None:
    """Make `order.lines.all()` the lines just written, as `prefetch_related` would (no query).

    The API renders the new order and the `order_placed` receivers read its lines from these objects
    instead of selecting what this transaction has just inserted; they are in insertion (= id) order.
    """
    cached = order.lines.all()
    cached._result_cache = lines
    cached._prefetch_done = True  # type: ignore[attr-defined]
    order._prefetched_objects_cache = {"lines": cached}  # type: ignore[attr-defined]


def _record_placed(order: Order, *, line_count: int, placed_by: tuple[Actor, EventSource]) -> None:
    actor, source = placed_by
    data = {"total": str(order.total), "currency": order.currency, "lines": line_count}
    order_event_record(order_id=order.pk, kind=OrderEventKind.PLACED, actor=actor, source=source, data=data)


def _placed(order: Order, *, line_count: int) -> None:
    metrics.ORDERS_CREATED.labels(currency=order.currency).inc()
    metrics.ORDER_VALUE.labels(currency=order.currency).observe(float(order.total))
    logger.info(
        "order placed",
        extra={"order_id": order.pk, "customer_id": order.customer_id, "lines": line_count, "total": str(order.total)},
    )


def _order_for_key(*, customer: Customer, key: str) -> Order | None:
    return Order.objects.filter(customer=customer, idempotency_key=key).first()


def _is_live(order: Order) -> bool:
    return order.created_at >= timezone.now() - timedelta(hours=settings.ORDER_IDEMPOTENCY_KEY_TTL_HOURS)


def _replay(order: Order, *, fingerprint: str) -> OrderCreateResult:
    if not constant_time_compare(order.request_fingerprint, fingerprint):
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used with a different request body; use a new key for a new order."
        )
    metrics.IDEMPOTENT_REPLAYS.inc()
    return OrderCreateResult(order=order, replayed=True)


def request_fingerprint(*, lines: Sequence[OrderLineRequest], note: str) -> str:
    """SHA-256 of the canonical JSON of the validated request (what the key is compared against)."""
    canonical = json.dumps(
        {"items": [{"product": line.product_id, "quantity": line.quantity} for line in lines], "note": note},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_key_parse(value: str | None) -> str | None:
    """The key of an `Idempotency-Key` header: 1 to 255 printable ASCII characters.

    The draft makes the header an RFC 8941 sf-string (`"abc"`); the bare form (`abc`) most
    clients send is accepted too, and both name the same key. Raises InvalidIdempotencyKey.
    """
    if value is None:
        return None
    quoted = _SF_STRING.fullmatch(value)
    key = re.sub(r'\\(["\\])', r"\1", quoted.group(1)) if quoted else value
    if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH or not all(" " <= char <= "~" for char in key):
        raise InvalidIdempotencyKey(
            f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters.",
            errors={"Idempotency-Key": [f"1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters."]},
        )
    return key


def _is_integer(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _validated_lines(items: Any) -> list[OrderLineRequest]:
    if not isinstance(items, Sequence) or isinstance(items, str | bytes):
        raise InvalidOrder("The order is invalid.", errors={"items": ["Expected a list of lines."]})
    if not 1 <= len(items) <= MAX_LINES:
        raise InvalidOrder("The order is invalid.", errors={"items": [f"An order has 1 to {MAX_LINES} lines."]})
    errors: dict[str, list[str]] = {}
    first_line_of: dict[int, int] = {}
    lines = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            errors[f"items.{index}"] = ["Expected an object with product and quantity."]
            continue
        product_id, quantity = item.get("product"), item.get("quantity")
        if not _is_integer(product_id) or not 1 <= product_id <= _MAX_ID:
            errors[f"items.{index}.product"] = ["A valid product id (an integer) is required."]
        elif product_id in first_line_of:
            errors[f"items.{index}.product"] = [
                f"Product {product_id} is already in line {first_line_of[product_id]}; one line per product."
            ]
        else:
            first_line_of[product_id] = index
        if not _is_integer(quantity) or not 1 <= quantity <= MAX_QUANTITY:
            errors[f"items.{index}.quantity"] = [f"Quantity must be an integer from 1 to {MAX_QUANTITY}."]
        if f"items.{index}.product" not in errors and f"items.{index}.quantity" not in errors:
            lines.append(OrderLineRequest(product_id=product_id, quantity=quantity))  # type: ignore[arg-type]
    if errors:
        raise InvalidOrder("The order is invalid.", errors=errors)
    return lines


def _validated_note(note: Any) -> str:
    if note is None:
        return ""
    if not isinstance(note, str) or len(note) > MAX_NOTE_LENGTH or "\x00" in note:
        raise InvalidOrder("The order is invalid.", errors={"note": [f"Text of at most {MAX_NOTE_LENGTH} characters."]})
    return note


# --- Status changes --------------------------------------------------------------


def order_cancel(*, order_id: int, by: User | AnonymousUser, source: EventSource = EventSource.API) -> Order:
    """Cancel an order and give its stock back, in one transaction.

    The owner may cancel while the order is pending, staff while pending or confirmed.
    Locks the order row, then its products by ascending pk. Raises OrderNotFound (404: no such
    order or not the caller's), IllegalTransition (409). Retries deadlocks like `order_create`.
    The timeline gets a `cancelled` event (with the stock returned) by `by` through `source`.
    """
    return _with_retries(
        "cancel",
        lambda: _order_transition_once(order_id=order_id, status=OrderStatus.CANCELLED, by=by, source=source),
    )


def order_set_status(
    *, order_id: int, status: str, by: User | AnonymousUser, source: EventSource = EventSource.API
) -> Order:
    """Staff move an order along pending→confirmed→shipped→delivered, or cancel it (stock comes back).

    Locks the order row (and, when cancelling, its products by ascending pk). Raises OrderNotFound
    (404), OrderPermissionDenied (403: the owner, who is not staff), IllegalTransition (409),
    InvalidOrder (400: not a status). The timeline gets the change by `by` through `source`.
    """
    if status not in OrderStatus.values:
        raise InvalidOrder("Unknown status.", errors={"status": [f"One of: {', '.join(OrderStatus.values)}."]})
    return _with_retries(
        "set_status",
        lambda: _order_transition_once(order_id=order_id, status=status, by=by, staff_only=True, source=source),
    )


def _order_transition_once(
    *, order_id: int, status: str, by: User | AnonymousUser, source: EventSource, staff_only: bool = False
) -> Order:
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        is_staff = bool(by.is_authenticated and by.is_staff)
        if order is None or not (is_staff or (by.is_authenticated and order.customer_id == by.pk)):
            raise OrderNotFound("No such order.")
        if staff_only and not is_staff:
            raise OrderPermissionDenied("Only staff change an order's status.")
        if not order.can_become(status):
            raise IllegalTransition(f"An order that is {order.status} cannot become {status}.")
        if status == OrderStatus.CANCELLED and not is_staff and order.status not in OWNER_CANCELLABLE_STATUSES:
            raise IllegalTransition(f"An order that is {order.status} can only be cancelled by the shop.")
        previous = order.status
        returned = _restock(order) if status == OrderStatus.CANCELLED else None
        order.status = status
        order.save(update_fields=["status", "updated_at"])
        _record_transition(order, previous=previous, returned=returned, by=by, source=source)
        transaction.on_commit(
            lambda: logger.info(
                "order status changed",
                extra={"order_id": order.pk, "from": previous, "to": status, "by_user_id": by.pk},
            )
        )
    return order


def _record_transition(
    order: Order, *, previous: str, returned: dict[int, int] | None, by: User | AnonymousUser, source: EventSource
) -> None:
    data: dict[str, Any] = {"from": previous, "to": order.status}
    kind = OrderEventKind.STATUS_CHANGED
    if returned is not None:
        kind = OrderEventKind.CANCELLED
        data["stock_returned"] = [{"product": pk, "quantity": quantity} for pk, quantity in sorted(returned.items())]
    order_event_record(order_id=order.pk, kind=kind, actor=Actor.of(by), source=source, data=data)


def _restock(order: Order) -> dict[int, int]:
    """Give an order's units back: lock its products by ascending pk, then one bulk update. Returns the
    quantities given back, by product id."""
    quantities = dict(order.lines.values_list("product_id", "quantity"))
    products = list(Product.objects.select_for_update().filter(pk__in=list(quantities)).order_by("pk"))
    for product in products:
        product.stock = F("stock") + quantities[product.pk]
    Product.objects.bulk_update(products, ["stock"])
    return quantities


# --- Retries ---------------------------------------------------------------------


def _retry_reason(error: OperationalError) -> str | None:
    code = error.args[0] if error.args else None
    if connection.vendor == "mysql" and isinstance(code, int):
        return _RETRYABLE_MYSQL_ERRORS.get(code)
    if connection.vendor == "sqlite" and "database is locked" in str(error):
        return "database_locked"
    return None


def _with_retries[T](operation: str, attempt_once: Callable[[], T]) -> T:
    """Run a transaction again after a deadlock or lock wait timeout, a bounded number of times.

    Inside a caller's transaction nothing can be retried (the database rolled all of it back), so
    the error is reported at once as ConcurrentUpdate.
    """
    attempts = 1 if connection.in_atomic_block else max(1, settings.ORDER_RETRY_ATTEMPTS)
    for attempt in range(1, attempts + 1):
        try:
            return attempt_once()
        except OperationalError as error:
            reason = _retry_reason(error)
            if reason is None:
                raise
            if attempt == attempts:
                logger.warning("order %s gave up after %d attempts: %s", operation, attempt, reason)
                raise ConcurrentUpdate(
                    "The order could not be updated because of concurrent requests; please retry."
                ) from error
            metrics.ORDER_TRANSACTION_RETRIES.labels(operation=operation, reason=reason).inc()
            backoff = settings.ORDER_RETRY_BACKOFF_MS / 1000 * 2 ** (attempt - 1)
            time.sleep(random.uniform(0, backoff))  # noqa: S311 (jitter, not security)
    raise AssertionError("unreachable")  # pragma: no cover
