"""catalog.stock: the one writer of `Product.stock` (orders call it). All or nothing, one lock order, few columns."""

import threading
from decimal import Decimal

import pytest
from django.db import OperationalError, connection, connections, transaction

from catalog.exceptions import InsufficientStock
from catalog.models import Product
from catalog.stock import stock_lock, stock_return, stock_take
from orders.services import OrderLineRequest
from tests.factories import ProductFactory
from tests.orders.test_concurrency import run_in_threads


def line(product: Product, quantity: int) -> OrderLineRequest:
    return OrderLineRequest(product_id=product.pk, quantity=quantity)


def stock_of(*products: Product) -> list[int]:
    return [Product.objects.get(pk=product.pk).stock for product in products]


@pytest.mark.django_db
def test_stock_take_takes_every_line_and_returns_the_rows_with_their_new_stock():
    first, second = ProductFactory(stock=5), ProductFactory(stock=3)

    with transaction.atomic():
        held = stock_take(lines=[line(second, 3), line(first, 2)])

    assert stock_of(first, second) == [3, 0]
    assert {pk: product.stock for pk, product in held.items()} == {first.pk: 3, second.pk: 0}


@pytest.mark.django_db
def test_a_short_line_takes_nothing_and_names_each_short_line_by_position():
    first, second, third = ProductFactory(stock=5), ProductFactory(stock=3), ProductFactory(stock=1)

    with pytest.raises(InsufficientStock) as raised, transaction.atomic():
        stock_take(lines=[line(first, 6), line(second, 3), line(third, 2)])

    assert raised.value.available == {0: 5, 2: 1}
    assert raised.value.errors == {"items.0.quantity": ["Only 5 available."], "items.2.quantity": ["Only 1 available."]}
    assert (raised.value.status_code, raised.value.code) == (409, "insufficient_stock")
    assert stock_of(first, second, third) == [5, 3, 1]


@pytest.mark.django_db
def test_stock_take_is_one_locking_select_of_the_needed_columns_and_one_update(django_assert_num_queries):
    products = ProductFactory.create_batch(20, stock=10, description="long text " * 100)

    with django_assert_num_queries(2) as captured, transaction.atomic(savepoint=False):
        stock_take(lines=[line(product, 1) for product in reversed(products)])

    select, update = (query["sql"] for query in captured.captured_queries)
    assert select.startswith("SELECT") and "description" not in select and "category_id" not in select
    assert ("FOR UPDATE" in select) is connection.features.has_select_for_update
    assert "ORDER BY" in select and select.index("ORDER BY") > select.index("WHERE")
    assert update.startswith("UPDATE")
    assert stock_of(*products) == [9] * 20


@pytest.mark.django_db
def test_stock_lock_returns_what_the_locking_queryset_returns():
    products = [
        ProductFactory(stock=7, price=Decimal("1499.50"), is_active=False, name="Ünïcode ✓"),
        *ProductFactory.create_batch(2, stock=0, price=Decimal("0.00")),
    ]
    ids = [products[2].pk, products[0].pk, products[1].pk, products[0].pk, products[2].pk + 1000]

    with transaction.atomic():
        locked = stock_lock(product_ids=ids)
        expected = list(Product.objects.locked(ids).only("name", "sku", "price", "stock", "is_active"))

    assert list(locked) == [product.pk for product in expected] == sorted(product.pk for product in products)
    for product in expected:
        mine = locked[product.pk]
        assert type(mine) is type(product) and mine.get_deferred_fields() == product.get_deferred_fields()
        for name in ("id", "name", "sku", "price", "stock", "is_active"):
            assert (getattr(mine, name), type(getattr(mine, name))) == (
                getattr(product, name),
                type(getattr(product, name)),
            )
        assert not mine._state.adding and mine._state.db == product._state.db
    with transaction.atomic():
        assert stock_lock(product_ids=[]) == {}


@pytest.mark.django_db
def test_stock_take_uses_rows_the_caller_locked_without_reading_them_again(django_assert_num_queries):
    product = ProductFactory(stock=4)

    with transaction.atomic(savepoint=False):
        held = stock_lock(product_ids=[product.pk])
        with django_assert_num_queries(1):  # the UPDATE
            stock_take(lines=[line(product, 4)], products=held)

    assert stock_of(product) == [0]


@pytest.mark.django_db
def test_stock_return_gives_units_back_also_to_inactive_products():
    active, inactive = ProductFactory(stock=1), ProductFactory(stock=0, is_active=False)

    with transaction.atomic():
        stock_return(lines=[line(active, 4), line(inactive, 2)])

    assert stock_of(active, inactive) == [5, 2]


@pytest.mark.django_db
def test_stock_return_of_a_deleted_product_returns_the_others(django_assert_num_queries):
    product = ProductFactory(stock=1)

    with django_assert_num_queries(2), transaction.atomic(savepoint=False):  # SELECT id ... FOR UPDATE, UPDATE
        stock_return(lines=[line(product, 2), OrderLineRequest(product_id=987654, quantity=5)])

    assert stock_of(product) == [3]
    assert not Product.objects.filter(pk=987654).exists()


@pytest.mark.django_db
def test_the_same_product_twice_is_the_callers_error_and_takes_nothing():
    product = ProductFactory(stock=10)

    with pytest.raises(ValueError), transaction.atomic():
        stock_take(lines=[line(product, 1), line(product, 1)])

    assert stock_of(product) == [10]


@pytest.mark.django_db(transaction=True)
def test_locking_outside_a_transaction_is_refused():
    product = ProductFactory(stock=10)

    with pytest.raises(transaction.TransactionManagementError):
        stock_take(lines=[line(product, 1)])
    with pytest.raises(transaction.TransactionManagementError):
        stock_return(lines=[line(product, 1)])

    assert stock_of(product) == [10]


# --- MariaDB: real row locks, threads with their own connections ------------------------------------------


@pytest.mark.parametrize("function", ["stock_take", "stock_return"])
@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("mysql_only")
def test_rows_stay_locked_until_the_holders_transaction_ends(function):
    product = ProductFactory(stock=10)
    locked, release = threading.Event(), threading.Event()

    def holder() -> None:
        try:
            with transaction.atomic():
                stock_lock(product_ids=[product.pk])
                locked.set()
                release.wait(timeout=60)
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert locked.wait(timeout=60)
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION innodb_lock_wait_timeout = 1")
        with pytest.raises(OperationalError) as raised, transaction.atomic():
            {"stock_take": stock_take, "stock_return": stock_return}[function](lines=[line(product, 1)])
        assert raised.value.args[0] == 1205  # lock wait timeout: the row was locked
    finally:
        release.set()
        thread.join(timeout=60)
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION innodb_lock_wait_timeout = DEFAULT")

    assert stock_of(product) == [10]


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("mysql_only")
def test_takers_and_returners_of_many_products_in_opposite_orders_never_deadlock_nor_oversell():
    products = ProductFactory.create_batch(6, stock=30, price=Decimal("1.00"))
    forward = [line(product, 1) for product in products]
    backward = list(reversed(forward))

    def work(index: int) -> list[str]:
        outcomes = []
        for round_ in range(10):
            lines = forward if (index + round_) % 2 else backward
            try:
                with transaction.atomic():
                    if index % 4 == 3:
                        stock_return(lines=lines)
                    else:
                        stock_take(lines=lines)
                outcomes.append("ok")
            except InsufficientStock:
                outcomes.append("short")
        return outcomes

    results, _ = run_in_threads(12, work)

    assert not [result for result in results if isinstance(result, Exception)], results  # no deadlock (1213)
    taken = sum(result.count("ok") for index, result in enumerate(results) if index % 4 != 3)
    returned = sum(result.count("ok") for index, result in enumerate(results) if index % 4 == 3)
    assert returned == 30 and taken <= 60
    assert stock_of(*products) == [30 + returned - taken] * 6
    assert min(stock_of(*products)) >= 0
