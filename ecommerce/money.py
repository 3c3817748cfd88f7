"""Money is Decimal end to end, rounded half-up to 2 places by the helpers here and nowhere else."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

CENT = Decimal("0.01")


def money(value: Decimal | int | str) -> Decimal:
    """`value` rounded half-up to 2 places."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money_average(total_cents: int, count: int) -> Decimal | None:
    """The mean of `count` amounts summing to `total_cents`, rounded half-up to the cent, exactly.

    Integer arithmetic only (amounts are non-negative): round(t / n) half-up is (2t + n) // 2n.
    """
    if count == 0:
        return None
    return money(Decimal((2 * total_cents + count) // (2 * count)) / 100)


def money_str(value: Decimal | None) -> str | None:
    """The wire form: a 2-place decimal string (`"1499.00"`), or None."""
    return None if value is None else f"{money(value):.2f}"


def money_display(value: Decimal | None, currency: str | None = None) -> str:
    """For people (the admin, SMS and email texts): `KES 1,499.00`, thousands separated, in `currency` or the
    shop's one currency (`SHOP_CURRENCY`); `—` for no amount."""
    if value is None:
        return "—"
    return f"{currency or settings.SHOP_CURRENCY} {money(value):,.2f}"
