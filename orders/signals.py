from django.dispatch import Signal

# Sent by `orders.services.order_place` inside its transaction, after the lines exist:
# order_placed.send(sender=Order, order=order, lines=[OrderLine, ...]) (the lines just written, in id
# order, so receivers need not read them back). Receivers may write in that transaction and must defer
# side effects with transaction.on_commit.
order_placed = Signal()
