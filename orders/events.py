"""The order timeline: who changed an order, how, and through what (Saleor's OrderEvent, Oscar's status changes).

The services that change an order, or one of its notifications, record the change here in the transaction
that makes it (`order_event_record`); nothing else writes `OrderEvent` rows. Who acted is an `Actor` (a
customer, a member of staff, or the system), what they acted through an `EventSource` (the API, the admin, a
management command, a background task); callers pass both down explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from orders.models import ActorType, EventSource, OrderEvent, OrderEventKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from customers.models import User

__all__ = [
    "SYSTEM",
    "Actor",
    "ActorType",
    "EventSource",
    "OrderEventKind",
    "order_event_build",
    "order_event_record",
    "order_event_record_many",
    "order_events_batched",
]

# Text in an event's data (an error message) is kept short: the timeline says what happened, the
# notification's own row keeps the whole story.
MAX_TEXT = 300


@dataclass(frozen=True)
class Actor:
    """Who made a change: a customer or a member of staff (with their user id), or the system."""

    type: ActorType
    user_id: int | None = None

    @classmethod
    def of(cls, user: User | AnonymousUser | None) -> Actor:
        """The actor a signed-in user is (staff, else customer); the system for nobody."""
        if user is None or not user.is_authenticated:
            return SYSTEM
        return cls(ActorType.STAFF if user.is_staff else ActorType.CUSTOMER, user.pk)


SYSTEM = Actor(ActorType.SYSTEM)


def _clean(data: Mapping[str, Any] | None) -> dict[str, Any]:
    return {key: value[:MAX_TEXT] if isinstance(value, str) else value for key, value in (data or {}).items()}


def order_event_build(
    *, order_id: int, kind: OrderEventKind, actor: Actor, source: EventSource, data: Mapping[str, Any] | None = None
) -> OrderEvent:
    """An unsaved event (for `order_event_record_many`)."""
    return OrderEvent(
        order_id=order_id,
        kind=kind,
        actor_type=actor.type,
        user_id=actor.user_id,
        source=source,
        data=_clean(data),
    )


def order_event_record(
    *, order_id: int, kind: OrderEventKind, actor: Actor, source: EventSource, data: Mapping[str, Any] | None = None
) -> OrderEvent:
    """Append one event to an order's timeline (one INSERT, in the caller's transaction; locks nothing).

    Inside `order_events_batched` it is written with the block's other events, as the block ends."""
    event = order_event_build(order_id=order_id, kind=kind, actor=actor, source=source, data=data)
    batch = _batch.get()
    if batch is not None:
        batch.append(event)
    else:
        event.save(force_insert=True)
    return event


def order_event_record_many(events: Iterable[OrderEvent]) -> list[OrderEvent]:
    """Append several events built with `order_event_build` in one INSERT (inside `order_events_batched`: with
    the block's other events, as the block ends)."""
    events = list(events)
    batch = _batch.get()
    if batch is not None:
        batch.extend(events)
        return events
    return OrderEvent.objects.bulk_create(events) if events else []


# The events recorded inside the current `order_events_batched` block (None: outside one).
_batch: ContextVar[list[OrderEvent] | None] = ContextVar("order_event_batch", default=None)


@contextmanager
def order_events_batched() -> Iterator[None]:
    """Every event recorded inside the block (by this code and by what it calls: signal receivers) is written
    in one INSERT, in the order recorded, when the block ends without an error; none if it raises.

    For a use-case that records several events in one transaction (placing an order: `placed`, then its
    notifications' `queued`): use it inside that transaction's `atomic()`. The events have no id until then.
    """
    pending: list[OrderEvent] = []
    token = _batch.set(pending)
    try:
        yield
    finally:
        _batch.reset(token)
    if pending:
        OrderEvent.objects.bulk_create(pending)
