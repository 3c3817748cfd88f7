"""Receivers of the orders app's own signals (connected in OrdersConfig.ready).

Placing an order takes stock and cancelling one gives it back (orders.services); what the catalog shows
of stock (its cached answers, catalog.cache) is told here, in the same transaction, so the next read
after the commit shows the new stock.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from catalog.cache import stock_changed
from orders.models import Order, OrderStatus
from orders.signals import order_placed


@receiver(order_placed, sender=Order, dispatch_uid="orders.order_placed_stock_changed")
def order_placed_stock_changed(sender, *, order: Order, **kwargs) -> None:
    # The lines are the ones the service just wrote, cached on the order (no query).
    stock_changed(line.product_id for line in order.lines.all())


@receiver(post_save, sender=Order, dispatch_uid="orders.order_cancelled_stock_changed")
def order_cancelled_stock_changed(sender, *, instance: Order, created: bool, update_fields=None, **kwargs) -> None:
    """A cancellation gives the lines' stock back (orders.services saves the new status after restocking)."""
    if created or instance.status != OrderStatus.CANCELLED:
        return
    if update_fields is not None and "status" not in update_fields:
        return
    stock_changed(instance.lines.values_list("product_id", flat=True))
