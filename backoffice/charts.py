"""Charts for the back office's pages, drawn on the server as inline SVG: no script, no external asset."""

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from ecommerce.money import money_display

CHART_WIDTH = 760
CHART_LABEL_WIDTH = 260
CHART_VALUE_WIDTH = 130
CHART_BAR_HEIGHT = 18
CHART_ROW_GAP = 6
CHART_PADDING = 10
CHART_MAX_BARS = 200


def bar_chart_svg(bars: Sequence[tuple[str, Decimal]], *, currency: str, title: str) -> SafeString:
    """A horizontal bar chart as inline SVG: one bar per (label, amount of money), scaled to the largest.

    Labels are escaped.
    """
    bars = list(bars)[:CHART_MAX_BARS]
    row_height = CHART_BAR_HEIGHT + CHART_ROW_GAP
    height = CHART_PADDING * 2 + max(len(bars), 1) * row_height
    plot_width = CHART_WIDTH - CHART_LABEL_WIDTH - CHART_VALUE_WIDTH - CHART_PADDING * 2
    largest = max((value for _label, value in bars), default=Decimal(0))
    bar_markup = []
    for index, (label, value) in enumerate(bars):
        y = CHART_PADDING + index * row_height
        width = max(round(plot_width * value / largest), 1) if largest > 0 else 1
        amount = money_display(value, currency)
        bar_markup.append(
            format_html(
                '<g class="bar" data-category="{label}">'
                '<text x="{label_x}" y="{baseline}" text-anchor="end" font-size="12" fill="currentColor">'
                "{short_label}</text>"
                '<rect x="{bar_x}" y="{y}" width="{width}" height="{height}" fill="#417690">'
                "<title>{label}: {amount}</title></rect>"
                '<text x="{value_x}" y="{baseline}" font-size="12" fill="currentColor">{amount}</text></g>',
                label=label,
                short_label=label if len(label) <= 40 else f"…{label[-39:]}",
                label_x=CHART_LABEL_WIDTH - 8,
                bar_x=CHART_LABEL_WIDTH,
                value_x=CHART_LABEL_WIDTH + width + 6,
                y=y,
                baseline=y + CHART_BAR_HEIGHT - 4,
                width=width,
                height=CHART_BAR_HEIGHT,
                amount=amount,
            )
        )
    if not bars:
        bar_markup.append(format_html('<text x="10" y="26" font-size="13" fill="currentColor">{}</text>', "No data."))
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" id="price-chart" role="img" aria-label="{title}"'
        ' width="{width}" height="{height}" viewBox="0 0 {width} {height}"><title>{title}</title>{bars}</svg>',
        title=title,
        width=CHART_WIDTH,
        height=height,
        bars=mark_safe("".join(bar_markup)),  # noqa: S308 - every part was built by format_html above
    )
