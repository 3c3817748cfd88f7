"""Charts for the back office's pages, drawn on the server as inline SVG: no script, no external asset.

The price chart has to stay readable on a real catalog: category paths are long (`Electronics > Phones > Android
> Refurbished`), so each label wraps at its ` > ` separators onto as many lines as it needs, and the whole row has
the full path and amount as its tooltip (`<title>`); averages span orders of magnitude (a cable and a car), so
where a linear scale would reduce the small ones to slivers the bars follow the square root of the amount, with
an axis that says so and shows what the lengths mean.
"""

from collections.abc import Sequence
from decimal import Decimal
from math import sqrt
from typing import Literal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from ecommerce.money import money_display

CHART_WIDTH = 760
CHART_LABEL_WIDTH = 260
CHART_VALUE_WIDTH = 130
CHART_BAR_HEIGHT = 18
CHART_ROW_GAP = 6
CHART_PADDING = 10
CHART_MAX_BARS = 200
# A label line: 12px text in CHART_LABEL_WIDTH less its margin holds about this many characters.
LABEL_LINE_CHARS = 38
LABEL_LINE_HEIGHT = 14
# The shortest bar of a non-zero amount, so that none disappears whatever the scale.
MIN_BAR_WIDTH = 3
# "auto" draws a square-root scale when the largest average is more than this many times the smallest.
SQRT_SCALE_RATIO = 20
AXIS_HEIGHT = 44
AXIS_TICKS = (0, 0.25, 0.5, 0.75, 1)

Scale = Literal["auto", "linear", "sqrt"]


def wrap_label(label: str, width: int = LABEL_LINE_CHARS) -> list[str]:
    """A category path on lines of at most `width` characters, broken after its ` > ` separators (a segment
    longer than a line is cut inside it); nothing is left out."""
    lines: list[str] = []
    current = ""
    for index, segment in enumerate(label.split(" > ")):
        piece = segment if index == 0 else f"> {segment}"
        candidate = f"{current} {piece}" if current else piece
        if len(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while len(piece) > width:
            lines.append(piece[:width])
            piece = piece[width:]
        current = piece
    if current or not lines:
        lines.append(current)
    return lines


def chosen_scale(values: Sequence[Decimal], scale: Scale) -> Literal["linear", "sqrt"]:
    if scale != "auto":
        return scale
    positive = [value for value in values if value > 0]
    if len(positive) < 2:
        return "linear"
    return "sqrt" if max(positive) > SQRT_SCALE_RATIO * min(positive) else "linear"


def _share(value: Decimal, largest: Decimal, scale: str) -> float:
    """How much of the plot's width a bar of `value` takes, 0..1."""
    if largest <= 0 or value <= 0:
        return 0.0
    ratio = float(value / largest)
    return sqrt(ratio) if scale == "sqrt" else ratio


def _axis(*, largest: Decimal, scale: str, currency: str, top: int, plot_width: int) -> SafeString:
    """The scale under the bars: ticks at a quarter of the width each, labelled with the amount they stand for."""
    left = CHART_LABEL_WIDTH
    ticks = []
    for fraction in AXIS_TICKS:
        # the amount at this share of the width: linear x * largest, square root x² * largest
        amount = float(largest) * (fraction**2 if scale == "sqrt" else fraction)
        x = left + round(plot_width * fraction)
        ticks.append((x, top, x, top + 5, x, top + 17, f"{amount:,.0f}"))
    caption = (
        f"Bar length: square root of the average price ({currency}), so small averages stay visible"
        if scale == "sqrt"
        else f"Bar length: average price ({currency}), linear"
    )
    return format_html(
        '<g class="axis" data-scale="{scale}" font-size="11" fill="currentColor">'
        '<line x1="{left}" y1="{top}" x2="{right}" y2="{top}" stroke="currentColor" stroke-width="1"/>{ticks}'
        '<text class="axis-caption" x="{left}" y="{caption_y}" font-size="12">{caption}</text></g>',
        scale=scale,
        left=left,
        right=left + plot_width,
        top=top,
        ticks=format_html_join(
            "",
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor"/>'
            '<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
            ticks,
        ),
        caption_y=top + 36,
        caption=caption,
    )


def bar_chart_svg(
    bars: Sequence[tuple[str, Decimal]], *, currency: str, title: str, scale: Scale = "auto"
) -> SafeString:
    """A horizontal bar chart as inline SVG: one bar per (label, amount of money), scaled to the largest.

    Labels (category paths) wrap onto several lines and each row's `<title>` is its full label and amount;
    `scale` is linear, square root, or chosen from the spread of the amounts (`auto`). Labels are escaped.
    """
    bars = list(bars)[:CHART_MAX_BARS]
    plot_width = CHART_WIDTH - CHART_LABEL_WIDTH - CHART_VALUE_WIDTH - CHART_PADDING * 2
    largest = max((value for _label, value in bars), default=Decimal(0))
    drawn = chosen_scale([value for _label, value in bars], scale)
    bar_markup = []
    y = CHART_PADDING
    for label, value in bars:
        lines = wrap_label(label)
        row_height = max(CHART_BAR_HEIGHT, len(lines) * LABEL_LINE_HEIGHT)
        share = _share(value, largest, drawn)
        width = max(round(plot_width * share), MIN_BAR_WIDTH) if value > 0 else 1
        amount = money_display(value, currency)
        bar_y = y + (row_height - CHART_BAR_HEIGHT) // 2
        first_baseline = y + (row_height - len(lines) * LABEL_LINE_HEIGHT) // 2 + LABEL_LINE_HEIGHT - 3
        bar_markup.append(
            format_html(
                '<g class="bar" data-category="{label}" data-lines="{line_count}"><title>{label}: {amount}</title>'
                '<text class="label" x="{label_x}" y="{baseline}" text-anchor="end" font-size="12" '
                'fill="currentColor">{tspans}</text>'
                '<rect x="{bar_x}" y="{bar_y}" width="{width}" height="{height}" fill="#417690"/>'
                '<text class="value" x="{value_x}" y="{value_baseline}" font-size="12" fill="currentColor">'
                "{amount}</text></g>",
                label=label,
                line_count=len(lines),
                amount=amount,
                label_x=CHART_LABEL_WIDTH - 8,
                baseline=first_baseline,
                tspans=format_html_join(
                    "",
                    '<tspan x="{}" dy="{}">{}</tspan>',
                    (
                        (CHART_LABEL_WIDTH - 8, 0 if index == 0 else LABEL_LINE_HEIGHT, line)
                        for index, line in enumerate(lines)
                    ),
                ),
                bar_x=CHART_LABEL_WIDTH,
                bar_y=bar_y,
                width=width,
                height=CHART_BAR_HEIGHT,
                value_x=CHART_LABEL_WIDTH + width + 6,
                value_baseline=bar_y + CHART_BAR_HEIGHT - 4,
            )
        )
        y += row_height + CHART_ROW_GAP
    if bars:
        bar_markup.append(_axis(largest=largest, scale=drawn, currency=currency, top=y + 2, plot_width=plot_width))
        height = y + AXIS_HEIGHT + CHART_PADDING
    else:
        bar_markup.append(format_html('<text x="10" y="26" font-size="13" fill="currentColor">{}</text>', "No data."))
        height = CHART_PADDING * 2 + CHART_BAR_HEIGHT + CHART_ROW_GAP
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" id="price-chart" role="img" aria-label="{title}"'
        ' width="{width}" height="{height}" viewBox="0 0 {width} {height}" data-scale="{scale}">'
        "<title>{title}</title>{bars}</svg>",
        title=title,
        width=CHART_WIDTH,
        height=height,
        scale=drawn if bars else "",
        bars=mark_safe("".join(bar_markup)),  # noqa: S308 - every part was built by format_html above
    )
