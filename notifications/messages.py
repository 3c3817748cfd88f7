"""The texts of the order notifications, rendered when the order is placed and stored on the rows."""

from decimal import Decimal

from django.conf import settings

from orders.models import Order


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def order_sms_text(order: Order) -> str:
    first_name = order.customer.first_name.strip()
    greeting = f"Hi {first_name}, thank you" if first_name else "Thank you"
    currency = order.currency or settings.SHOP_CURRENCY
    total = f"{currency} {_money(order.total)}"
    return f"{greeting} for your order #{order.pk} ({total}). We will let you know when it ships."


def order_email_subject(order: Order) -> str:
    currency = order.currency or settings.SHOP_CURRENCY
    return f"New order #{order.pk}: {currency} {_money(order.total)}"


def order_email_text(order: Order, lines) -> str:
    customer = order.customer
    currency = order.currency or settings.SHOP_CURRENCY
    name = f"{customer.first_name} {customer.last_name}".strip()
    rows = [
        f"New order #{order.pk} placed {order.created_at:%Y-%m-%d %H:%M} UTC.",
        "",
        f"Customer: {name or '-'} <{customer.user.email}> (id {customer.pk})",
        f"Phone: {customer.phone or '-'}",
    ]
    if order.note:
        rows.append(f"Note: {order.note}")
    rows += ["", "Items:"]
    for line in lines:
        rows.append(
            f"  {line.quantity} x {line.product_name} ({line.sku}) at {currency} {_money(line.unit_price)}"
            f" = {currency} {_money(line.line_total)}"
        )
    rows += ["", f"Total: {currency} {_money(order.total)}", f"Status: {order.get_status_display()}"]
    return "\n".join(rows) + "\n"
