"""The price analytics chart: inline SVG drawn on the server, bars to scale, labels escaped."""

import re
from decimal import Decimal
from xml.etree import ElementTree

from backoffice.charts import CHART_LABEL_WIDTH, bar_chart_svg

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def test_one_bar_per_category_scaled_to_the_largest_average():
    svg = bar_chart_svg(
        [("Phones", Decimal("200.00")), ("Books", Decimal("50.00")), ("Toys", Decimal("100.00"))],
        currency="KES",
        title="Average price by category (KES)",
    )

    root = parse(svg)
    bars = root.findall(f"{SVG}g")
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
    assert parse(svg).find(f"{SVG}g").get("data-category") == '<script>alert("x")</script> & Co'
    assert not re.search(r"(href|src)=", svg)


def test_thousands_are_separated_and_an_empty_chart_says_so():
    big = bar_chart_svg([("Cars", Decimal("1234567.50"))], currency="KES", title="t")
    empty = bar_chart_svg([], currency="KES", title="t")

    assert "KES 1,234,567.50" in big
    assert parse(empty).findall(f"{SVG}g") == []
    assert "No data." in empty


def test_a_service_error_reads_as_one_message_with_its_field_errors():
    from catalog.exceptions import CatalogValidationError
    from ecommerce.admin_helpers import domain_error_message
    from ecommerce.money import money_display

    error = CatalogValidationError("Invalid input", errors={"name": ["Taken here."], "parent": ["Invalid input"]})

    assert domain_error_message(error) == "Invalid input — name: Taken here."
    assert money_display(None) == "—"
