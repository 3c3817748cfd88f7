"""The price analytics chart: inline SVG drawn on the server, bars to scale, labels escaped."""

import re
from decimal import Decimal
from xml.etree import ElementTree

from backoffice.charts import (
    CHART_LABEL_WIDTH,
    CHART_PADDING,
    CHART_VALUE_WIDTH,
    CHART_WIDTH,
    LABEL_LINE_CHARS,
    MIN_BAR_WIDTH,
    bar_chart_svg,
    wrap_label,
)

PLOT_WIDTH = CHART_WIDTH - CHART_LABEL_WIDTH - CHART_VALUE_WIDTH - CHART_PADDING * 2
LONG_PATH = "Home & Garden > Outdoor Living > Garden Furniture > Weatherproof Lounge Sets > Teak"

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def bars_of(root: ElementTree.Element) -> list[ElementTree.Element]:
    return [group for group in root.findall(f"{SVG}g") if group.get("class") == "bar"]


def label_of(bar: ElementTree.Element) -> list[str]:
    return [tspan.text for tspan in bar.find(f"{SVG}text").findall(f"{SVG}tspan")]


def test_one_bar_per_category_scaled_to_the_largest_average():
    svg = bar_chart_svg(
        [("Phones", Decimal("200.00")), ("Books", Decimal("50.00")), ("Toys", Decimal("100.00"))],
        currency="KES",
        title="Average price by category (KES)",
    )

    root = parse(svg)
    bars = bars_of(root)
    widths = [int(bar.find(f"{SVG}rect").get("width")) for bar in bars]
    assert [bar.get("data-category") for bar in bars] == ["Phones", "Books", "Toys"]
    # Whole pixels: each bar within a pixel of its exact share of the longest one.
    assert abs(widths[1] - widths[0] / 4) <= 1 and abs(widths[2] - widths[0] / 2) <= 1
    assert widths[0] > 300
    assert all(int(bar.find(f"{SVG}rect").get("x")) == CHART_LABEL_WIDTH for bar in bars)
    assert [bar.findall(f"{SVG}text")[1].text for bar in bars] == ["KES 200.00", "KES 50.00", "KES 100.00"]
    assert root.find(f"{SVG}title").text == "Average price by category (KES)"


def test_labels_are_escaped_and_nothing_is_loaded_from_elsewhere():
    svg = bar_chart_svg([('<script>alert("x")</script> & Co', Decimal("1.00"))], currency="KES", title="t")

    assert "<script>" not in svg
    assert bars_of(parse(svg))[0].get("data-category") == '<script>alert("x")</script> & Co'
    assert not re.search(r"(href|src)=", svg)


def test_thousands_are_separated_and_an_empty_chart_says_so():
    big = bar_chart_svg([("Cars", Decimal("1234567.50"))], currency="KES", title="t")
    empty = bar_chart_svg([], currency="KES", title="t")

    assert "KES 1,234,567.50" in big
    assert bars_of(parse(empty)) == []
    assert "No data." in empty


def test_a_service_error_reads_as_one_message_with_its_field_errors():
    from catalog.exceptions import CatalogValidationError
    from ecommerce.admin_helpers import domain_error_message
    from ecommerce.money import money_display

    error = CatalogValidationError("Invalid input", errors={"name": ["Taken here."], "parent": ["Invalid input"]})

    assert domain_error_message(error) == "Invalid input — name: Taken here."
    assert money_display(None) == "—"


def test_a_long_path_wraps_at_its_separators_and_is_shown_whole():
    svg = bar_chart_svg([(LONG_PATH, Decimal("45000.00")), ("Books", Decimal("30000.00"))], currency="KES", title="t")

    long_bar, short_bar = bars_of(parse(svg))
    lines = label_of(long_bar)
    assert len(lines) > 1 and all(len(line) <= LABEL_LINE_CHARS for line in lines)
    assert " ".join(lines) == LONG_PATH.replace(" > ", " > ")
    assert lines[1].startswith("> ")  # broken after a separator, never inside a name that fits
    assert label_of(short_bar) == ["Books"]
    # the next row starts below every line of the long label
    long_rows = int(long_bar.get("data-lines"))
    assert int(short_bar.find(f"{SVG}rect").get("y")) >= CHART_PADDING + long_rows * 14


def test_every_row_has_its_full_path_and_amount_as_a_tooltip():
    svg = bar_chart_svg([(LONG_PATH, Decimal("45000.00"))], currency="KES", title="t")

    [bar] = bars_of(parse(svg))
    assert bar.find(f"{SVG}title").text == f"{LONG_PATH}: KES 45,000.00"


def test_a_name_longer_than_a_line_is_cut_inside_and_nothing_is_lost():
    name = "Supercalifragilisticexpialidocious-Extra-Long-Category-Name-Without-Spaces"

    lines = wrap_label(f"Root > {name}")

    assert "".join(lines).replace(" ", "") == f"Root>{name}"
    assert all(len(line) <= LABEL_LINE_CHARS for line in lines)


def test_a_wide_spread_of_averages_gets_a_labelled_square_root_scale():
    svg = bar_chart_svg(
        [("Cars", Decimal("2500000.00")), ("Phones", Decimal("40000.00")), ("Cables", Decimal("250.00"))],
        currency="KES",
        title="t",
    )

    root = parse(svg)
    widths = [int(bar.find(f"{SVG}rect").get("width")) for bar in bars_of(root)]
    assert root.get("data-scale") == "sqrt"
    # lengths follow the square root: 40,000 is 1/62.5 of the largest (a 5 px sliver on a linear scale)
    assert abs(widths[1] - PLOT_WIDTH * (40000 / 2500000) ** 0.5) <= 1
    assert widths[2] == round(PLOT_WIDTH * 0.01) > MIN_BAR_WIDTH  # 250 of 2.5 million: 0.04 px if linear
    [axis] = [group for group in root.findall(f"{SVG}g") if group.get("class") == "axis"]
    ticks = [tick.text for tick in axis.findall(f"{SVG}text") if tick.get("class") == "tick"]
    assert ticks == ["0", "156,250", "625,000", "1,406,250", "2,500,000"]
    assert "square root" in axis.find(f"{SVG}text[@class='axis-caption']").text


def test_close_averages_keep_a_linear_scale_and_any_scale_can_be_asked_for():
    close = parse(bar_chart_svg([("A", Decimal("200.00")), ("B", Decimal("50.00"))], currency="KES", title="t"))
    linear = parse(
        bar_chart_svg([("A", Decimal("100000.00")), ("B", Decimal("1.00"))], currency="KES", title="t", scale="linear")
    )

    assert close.get("data-scale") == "linear"
    assert linear.get("data-scale") == "linear"
    # even on a linear scale a tiny average stays a visible bar
    assert int(bars_of(linear)[1].find(f"{SVG}rect").get("width")) == MIN_BAR_WIDTH
    caption = linear.find(f"{SVG}g[@class='axis']/{SVG}text[@class='axis-caption']").text
    assert caption == "Bar length: average price (KES), linear"
