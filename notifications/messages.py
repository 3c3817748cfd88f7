"""The texts of the order notifications, rendered when the order is placed and stored on the rows."""

from ecommerce.money import money_display
from orders.models import Order


def order_sms_text(order: Order) -> str:
    first_name = order.customer.first_name.strip()
    greeting = f"Hi {first_name}, thank you" if first_name else "Thank you"
    total = money_display(order.total, order.currency)
    return f"{greeting} for your order #{order.pk} ({total}). We will let you know when it ships."


def order_email_subject(order: Order) -> str:
    return f"New order #{order.pk}: {money_display(order.total, order.currency)}"


def order_email_text(order: Order, lines) -> str:
    customer = order.customer
    currency = order.currency
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
            f"  {line.quantity} x {line.product_name} ({line.sku}) at {money_display(line.unit_price, currency)}"
            f" = {money_display(line.line_total, currency)}"
        )
    rows += ["", f"Total: {money_display(order.total, currency)}", f"Status: {order.get_status_display()}"]
    return "\n".join(rows) + "\n"
