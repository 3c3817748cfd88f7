"""The back office's "Price analytics" page: the catalog's per-category analytics as a table and a bar chart.

The numbers come from the catalog's one analytics selector (the same code as the API and the
`price_analytics` command); this module only filters and lays them out.
"""

from typing import cast

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from backoffice.charts import Scale, bar_chart_svg
from catalog import selectors
from catalog.models import Category


class PriceAnalyticsFilterForm(forms.Form):
    parent = forms.ModelChoiceField(
        queryset=Category.objects.order_by("tree_id", "lft"),
        required=False,
        empty_label="All categories",
        label="Category (with its subcategories)",
    )
    depth = forms.IntegerField(required=False, min_value=0, max_value=100, label="Deepest level (roots are 0)")
    scale = forms.ChoiceField(
        required=False,
        choices=[
            ("auto", "Automatic (square root when averages differ widely)"),
            ("linear", "Linear"),
            ("sqrt", "Square root (small averages stay visible)"),
        ],
        label="Bar scale",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].label_from_instance = lambda category: f"{'— ' * category.level}{category.name}"


def price_analytics_view(request: HttpRequest) -> HttpResponse:
    """Staff with permission to view categories: per-category table and chart, filterable by parent and depth."""
    if not request.user.has_perm("catalog.view_category"):
        raise PermissionDenied
    form = PriceAnalyticsFilterForm(request.GET or None)
    parent, depth, scale = None, None, "auto"
    if form.is_valid():
        parent, depth = form.cleaned_data["parent"], form.cleaned_data["depth"]
        scale = form.cleaned_data["scale"] or "auto"  # one of the choices: "auto", "linear", "sqrt"
    rows = selectors.category_price_analytics(root=parent, max_depth=depth)
    currency = settings.SHOP_CURRENCY
    chart = bar_chart_svg(
        [(row.path, row.average_price) for row in rows if row.average_price is not None],
        currency=currency,
        title=f"Average price by category ({currency})",
        scale=cast(Scale, scale),
    )
    context = {
        **admin.site.each_context(request),
        "title": "Price analytics",
        "form": form,
        "rows": rows,
        "chart": chart,
        "currency": currency,
    }
    return TemplateResponse(request, "backoffice/price_analytics.html", context)
