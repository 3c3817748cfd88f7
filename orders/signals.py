from django.dispatch import Signal

# Sent by `orders.services.order_create` inside its transaction, after the lines exist:
# order_placed.send(sender=Order, order=order). Receivers may write in that transaction
# and must defer side effects with transaction.on_commit.
order_placed = Signal()
