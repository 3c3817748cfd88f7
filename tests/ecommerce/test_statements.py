"""Statements built once per shape (ecommerce.db.statements): the ORM's own SQL, taken without being sent,
reused with each request's values; a shape whose stand-ins the ORM converts, copies or inlines is not
templated. On SQLite and MySQL/MariaDB alike."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F, Q
from django.db.models.expressions import RawSQL

from catalog.models import Product
from ecommerce.db import statements
from ecommerce.db.statements import capture, template
from tests.catalog.conftest import make_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(db):
    category = make_category("Kitchen")
    return [
        Product.objects.create(name=f"P{i}", sku=f"S-{i}", price=Decimal(10 + i), stock=i, category=category)
        for i in range(8)
    ]


def run(statement, values):
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.bind(values))
        return [row[0] for row in cursor.fetchall()]


# Outside a transaction: an UPDATE shows that nothing is sent (inside one, Django would mark the transaction for
# rollback when update() raises; the statements templated are reads).
@pytest.mark.django_db(transaction=True)
def test_capture_takes_the_statement_without_sending_it(products, django_assert_num_queries):
    product = products[0]

    with django_assert_num_queries(0):
        sql, params = capture("default", lambda: Product.objects.filter(pk=product.pk).update(stock=999))

    assert sql.upper().startswith("UPDATE") and 999 in params and product.pk in params
    product.refresh_from_db()
    assert product.stock == 0  # not sent


def test_a_statement_is_built_once_per_shape_and_answers_for_any_values(products):
    built = []

    def build(stand_ins):
        built.append(1)
        rows = Product.objects.filter(price__gte=stand_ins.decimal(), stock__lte=stand_ins.integer()).order_by("id")
        return lambda: list(rows.values_list("id", flat=True))

    key = ("test", "price and stock")
    statements._templates.pop(("default", *key), None)
    first = template(key, "default", build)
    again = template(key, "default", build)

    assert first is again and len(built) == 1
    for low, most in ((Decimal("12"), 5), (Decimal("10.50"), 7), (Decimal("100"), 7)):
        want = list(Product.objects.filter(price__gte=low, stock__lte=most).order_by("id").values_list("id", flat=True))
        assert run(first, [low, most]) == want


def test_a_slice_becomes_limit_and_offset_parameters(products):
    def build(stand_ins):
        offset, limit = stand_ins.slice()
        rows = Product.objects.order_by("-price", "-id").values_list("id", flat=True)[offset : offset + limit]
        return lambda: list(rows)

    statement = template(("test", "a page"), "default", build)

    assert statement is not None and statement.sql.endswith("LIMIT %s OFFSET %s")
    ordered = list(Product.objects.order_by("-price", "-id").values_list("id", flat=True))
    for offset, limit in ((0, 3), (3, 3), (6, 3), (2, 1)):
        assert run(statement, [offset, limit]) == ordered[offset : offset + limit]


@pytest.mark.parametrize(
    "shape",
    [
        # The value twice among the parameters: which one would be the request's?
        lambda s: Product.objects.filter(Q(stock=(v := s.integer())) | Q(category_id=v)),
        # The value inside the SQL text itself.
        lambda s: Product.objects.filter(stock__gt=RawSQL(str(s.integer()), [])),
        # The value inside another parameter (a pattern).
        lambda s: Product.objects.filter(name__contains=str(s.integer())),
        # No parameter at all holds it: the ORM folded it into an expression.
        lambda s: Product.objects.filter(stock=F("stock")) if s.integer() else None,
    ],
    ids=["copied", "inlined", "inside a pattern", "missing"],
)
def test_a_shape_whose_stand_ins_are_not_plain_parameters_is_not_templated(products, shape):
    key = ("test", "not templated", str(id(shape)))

    def build(stand_ins):
        rows = shape(stand_ins)
        return lambda: list(rows.values_list("id", flat=True))

    assert template(key, "default", build) is None
