"""The order timeline: who changed an order, how, and through what (Saleor's OrderEvent, Oscar's status changes).

The services that change an order, or one of its notifications, record the change here in the transaction
that makes it (`order_event_record`); nothing else writes `OrderEvent` rows. Who acted is an `Actor` (a
customer, a member of staff, or the system), what they acted through an `EventSource` (the API, the admin, a
management command, a background task); callers pass both down explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    """Append one event to an order's timeline (one INSERT, in the caller's transaction; locks nothing)."""
    event = order_event_build(order_id=order_id, kind=kind, actor=actor, source=source, data=data)
    event.save(force_insert=True)
    return event


def order_event_record_many(events: Iterable[OrderEvent]) -> list[OrderEvent]:
    """Append several events built with `order_event_build` in one INSERT."""
    events = list(events)
    return OrderEvent.objects.bulk_create(events) if events else []
