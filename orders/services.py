"""Write use-cases of orders: placing one (takes stock), cancelling (gives it back), staff status changes.

Every function here owns its transaction and is what the API, the admin and commands call. The order
request's shape was checked before (`orders.api.serializers`, the one home of those rules); these keep the
rules that need the database: products that exist and are for sale, the stock (`catalog.stock`), the
Idempotency-Key's replay, the status machine and who may move it.
Lock order, everywhere: an order row first (when there is one), then product rows by ascending pk
(`Product.objects.locked`), so two transactions never wait for each other in a cycle.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from catalog.stock import stock_lock, stock_return, stock_take
from ecommerce.db.retry import RetriesExhausted, run_with_retries
from ecommerce.money import money
from orders import metrics
from orders.api.idempotency import idempotency_key_parse
from orders.events import Actor, ActorType, EventSource, OrderEventKind, order_event_record, order_events_batched
from orders.exceptions import (
    ConcurrentUpdate,
    IdempotencyKeyReused,
    IllegalTransition,
    InsufficientStock,
    InvalidOrder,
    OrderNotFound,
    OrderPermissionDenied,
)
from orders.models import OWNER_CANCELLABLE_STATUSES, Order, OrderLine, OrderStatus
from orders.signals import order_placed

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from catalog.models import Product
    from customers.models import Customer, User

__all__ = [
    "OrderCreateResult",
    "OrderLineRequest",
    "idempotency_key_parse",
    "order_cancel",
    "order_create",
    "order_place",
    "order_set_status",
    "request_fingerprint",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OrderLineRequest:
    """One line of an order request, as `orders.api.serializers.OrderCreateSerializer` validated it."""

    product_id: int
    quantity: int


@dataclass(frozen=True)
class OrderCreateResult:
    order: Order
    # True when an earlier request with the same Idempotency-Key and body created the order.
    replayed: bool
    # The lines written (in id order) for a new order; empty for a replayed one (read it back).
    lines: list[OrderLine] = field(default_factory=list)


# --- Placing an order -----------------------------------------------------------


def order_create(
    *,
    customer: Customer,
    items: Any,
    note: Any = "",
    idempotency_key: str | None = None,
    actor: Actor | None = None,
    source: EventSource = EventSource.API,
) -> OrderCreateResult:
    """Place an order from input as a client sends it: `items` (`[{"product": id, "quantity": n}]`), `note`
    and the raw `Idempotency-Key` header, for callers that hold no validated request (scripts, the shell).

    Checks the shape with the API's own rules (`orders.api.serializers.order_request_parse`: InvalidOrder,
    `orders.api.idempotency.idempotency_key_parse`: InvalidIdempotencyKey), then `order_place`.
    """
    from orders.api.serializers import order_request_parse  # the API's module imports this one

    lines, note = order_request_parse(items=items, note=note)
    return order_place(
        customer=customer,
        lines=lines,
        note=note,
        idempotency_key=idempotency_key_parse(idempotency_key),
        actor=actor,
        source=source,
    )


def order_place(
    *,
    customer: Customer,
    lines: Sequence[OrderLineRequest],
    note: str = "",
    idempotency_key: str | None = None,
    actor: Actor | None = None,
    source: EventSource = EventSource.API,
) -> OrderCreateResult:
    """Place an order of validated `lines` for `customer`, priced now.

    One transaction: locks the products (`catalog.stock.stock_lock`: SELECT ... FOR UPDATE by ascending pk),
    refuses unknown and inactive ones, inserts the order and its lines, takes the stock
    (`catalog.stock.stock_take`: every line is checked before anything is taken), and sends `order_placed`
    with the lines (its receivers write in the same transaction). Deadlocks and lock wait timeouts are
    retried `ORDER_RETRY_ATTEMPTS` times with jittered backoff.
    With `idempotency_key` (already parsed), the same key and body within `ORDER_IDEMPOTENCY_KEY_TTL_HOURS`
    returns the first order (`replayed=True`) and takes no stock; concurrent twins collide on the unique
    (customer, idempotency_key) constraint, and the loser replays the winner's order.
    Raises InvalidOrder (400: a product that cannot be ordered), InsufficientStock (409, one `errors` entry
    per short line), IdempotencyKeyReused (422), ConcurrentUpdate (409, retries exhausted).
    After commit: counts the order in the metrics. The timeline gets a `placed` event by `actor` (default:
    the customer) through `source`.
    """
    key = idempotency_key
    fingerprint = request_fingerprint(lines=lines, note=note) if key is not None else ""
    placed_by = (actor or Actor(ActorType.CUSTOMER, customer.pk), source)
    try:
        return _with_retries(
            "create",
            lambda: _order_place_once(
                customer=customer, lines=lines, note=note, key=key, fingerprint=fingerprint, placed_by=placed_by
            ),
        )
    except IntegrityError:
        # The unique (customer, idempotency_key) constraint: a twin committed first. Replay it.
        twin = _order_for_key(customer=customer, key=key) if key is not None else None
        if twin is None or not _is_live(twin):
            raise
        return _replay(twin, fingerprint=fingerprint)


def _order_place_once(
    *,
    customer: Customer,
    lines: Sequence[OrderLineRequest],
    note: str,
    key: str | None,
    fingerprint: str,
    placed_by: tuple[Actor, EventSource],
) -> OrderCreateResult:
    with transaction.atomic():
        if key is not None:
            replay = _replay_or_release_key(customer=customer, key=key, fingerprint=fingerprint)
            if replay is not None:
                return replay
        products = stock_lock(product_ids=[line.product_id for line in lines])
        order_lines = _priced_lines(lines, products)
        # Inserted before the stock is checked: a twin request with the same key waits here on the unique
        # index until this one ends, then replays it instead of reporting the stock this one took.
        order = Order.objects.create(
            customer=customer,
            total=money(sum((line.line_total for line in order_lines), Decimal("0"))),
            currency=settings.SHOP_CURRENCY,
            note=note,
            idempotency_key=key,
            request_fingerprint=fingerprint,
        )
        for order_line in order_lines:
            order_line.order = order
        OrderLine.objects.bulk_create(order_lines)
        try:
            stock_take(lines=lines, products=products)
        except InsufficientStock:
            metrics.STOCK_CONFLICTS.inc()
            raise
        # The `placed` event and the receivers' (the notifications' `queued`) in one INSERT.
        with order_events_batched():
            _record_placed(order, line_count=len(order_lines), placed_by=placed_by)
            order_placed.send(sender=Order, order=order, lines=order_lines, source=placed_by[1])
        transaction.on_commit(lambda: _placed(order, line_count=len(order_lines)))
    return OrderCreateResult(order=order, replayed=False, lines=order_lines)


def _replay_or_release_key(*, customer: Customer, key: str, fingerprint: str) -> OrderCreateResult | None:
    """The earlier order of `key` replayed while the key lives; an expired key is released for reuse."""
    earlier = _order_for_key(customer=customer, key=key)
    if earlier is None:
        return None
    if _is_live(earlier):
        return _replay(earlier, fingerprint=fingerprint)
    # Released with a row lock, conditional on its value, so of two concurrent reusers one clears it and
    # both then meet on the unique constraint when they insert their order.
    Order.objects.filter(pk=earlier.pk, idempotency_key=key).update(idempotency_key=None)
    return None


def _priced_lines(lines: Sequence[OrderLineRequest], products: Mapping[int, Product]) -> list[OrderLine]:
    """The order's lines at the locked products' current prices; InvalidOrder if one cannot be ordered."""
    unknown = {
        f"items.{index}.product": [f"Product {line.product_id} does not exist or is not for sale."]
        for index, line in enumerate(lines)
        if line.product_id not in products or not products[line.product_id].is_active
    }
    if unknown:
        raise InvalidOrder("Some lines name a product that cannot be ordered.", errors=unknown)
    return [
        OrderLine(
            product_id=line.product_id,
            product_name=products[line.product_id].name,
            sku=products[line.product_id].sku,
            unit_price=products[line.product_id].price,
            quantity=line.quantity,
            line_total=money(products[line.product_id].price * line.quantity),
        )
        for line in lines
    ]


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


# --- Status changes --------------------------------------------------------------


def order_cancel(*, order_id: int, by: User | AnonymousUser, source: EventSource = EventSource.API) -> Order:
    """Cancel an order and give its stock back, in one transaction.

    The owner may cancel while the order is pending, staff while pending or confirmed.
    Locks the order row, then its products by ascending pk (`catalog.stock.stock_return`). Raises
    OrderNotFound (404: no such order or not the caller's), IllegalTransition (409). Retries deadlocks
    like `order_place`. The timeline gets a `cancelled` event (with the stock returned) by `by` through `source`.
    """
    return _with_retries(
        "cancel",
        lambda: _order_transition_once(order_id=order_id, status=OrderStatus.CANCELLED, by=by, source=source),
    )


def order_status_change_allowed(*, by: User | AnonymousUser) -> None:
    """The rule "only staff change an order's status" (the owner may only cancel): OrderPermissionDenied (403)
    otherwise. The API asks it before reading the body, so an owner's PATCH is a 403 whatever it says."""
    if not (by.is_authenticated and by.is_staff):
        raise OrderPermissionDenied("Only staff change an order's status.")


def order_set_status(
    *, order_id: int, status: str, by: User | AnonymousUser, source: EventSource = EventSource.API
) -> Order:
    """Staff move an order along pending→confirmed→shipped→delivered, or cancel it (stock comes back).

    Only staff (`order_status_change_allowed`; the API and the admin call this).
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
        if staff_only:
            order_status_change_allowed(by=by)
        if not order.can_become(status):
            raise IllegalTransition(f"An order that is {order.status} cannot become {status}.")
        if status == OrderStatus.CANCELLED and not is_staff and order.status not in OWNER_CANCELLABLE_STATUSES:
            raise IllegalTransition(f"An order that is {order.status} can only be cancelled by the shop.")
        previous = order.status
        returned = None
        if status == OrderStatus.CANCELLED:
            returned = dict(order.lines.values_list("product_id", "quantity"))
            stock_return(
                lines=[OrderLineRequest(product_id=pk, quantity=quantity) for pk, quantity in returned.items()]
            )
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


# --- Retries ---------------------------------------------------------------------


def _with_retries[T](operation: str, attempt_once: Callable[[], T]) -> T:
    """`ecommerce.db.retry.run_with_retries` with the orders' settings and metrics; ConcurrentUpdate at the end."""

    def count(reason: str) -> None:
        metrics.ORDER_TRANSACTION_RETRIES.labels(operation=operation, reason=reason).inc()

    try:
        return run_with_retries(
            attempt_once,
            attempts=settings.ORDER_RETRY_ATTEMPTS,
            backoff_ms=settings.ORDER_RETRY_BACKOFF_MS,
            on_retry=count,
        )
    except RetriesExhausted as exhausted:
        logger.warning("order %s gave up after %d attempts: %s", operation, exhausted.attempts, exhausted.reason)
        raise ConcurrentUpdate(
            "The order could not be updated because of concurrent requests; please retry."
        ) from exhausted.__cause__
