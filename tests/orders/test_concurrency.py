"""Concurrency on MariaDB/MySQL (SPEC §4.5, §6): no oversell, no deadlock reaches a client, one order per key.

Real threads, each with its own database connection, against real row locks. Skipped on SQLite.
Each test prints what it observed (units sold, retries, time); run with `-s` to see it.
"""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from rest_framework.test import APIClient

from catalog.models import Product
from orders.exceptions import ConcurrentUpdate
from orders.models import Order, OrderLine
from orders.services import order_create
from tests.factories import CustomerFactory, ProductFactory
from tests.orders.conftest import ORDERS_URL, metric

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("mysql_only")]


def retries(reason: str) -> float:
    return sum(
        metric("ecommerce_order_transaction_retries_total", operation=operation, reason=reason)
        for operation in ("create", "cancel", "set_status")
    )


def run_in_threads(count: int, work) -> tuple[list, float]:
    """Run `work(i)` in `count` threads released together; return their results (or exceptions) and the time."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not any(thread.is_alive() for thread in threads)
    return results, time.monotonic() - started


def client_for(customer) -> APIClient:
    client = APIClient()
    client.force_authenticate(customer.user)
    return client


def test_fifty_buyers_of_ten_units_sell_exactly_ten():
    product = ProductFactory(stock=10, price=Decimal("250.00"))
    clients = [client_for(CustomerFactory()) for _ in range(50)]
    deadlocks, timeouts = retries("deadlock"), retries("lock_wait_timeout")

    responses, elapsed = run_in_threads(
        50, lambda i: clients[i].post(ORDERS_URL, {"items": [{"product": product.pk, "quantity": 1}]}, format="json")
    )

    codes = [getattr(response, "status_code", response) for response in responses]
    assert sorted(set(codes)) == [201, 409], codes
    assert codes.count(201) == 10
    product.refresh_from_db()
    assert product.stock == 0
    assert sum(OrderLine.objects.filter(product=product).values_list("quantity", flat=True)) == 10
    assert Order.objects.count() == 10
    conflicts = [r.json()["errors"] for r in responses if r.status_code == 409]
    assert all(errors == {"items.0.quantity": ["Only 0 available."]} for errors in conflicts)
    print(
        f"\n[50 buyers, stock 10] sold 10, stock 0, 201x{codes.count(201)} 409x{codes.count(409)}, "
        f"retries: deadlock {retries('deadlock') - deadlocks:.0f}, "
        f"lock timeout {retries('lock_wait_timeout') - timeouts:.0f}, {elapsed:.2f}s"
    )


def test_random_quantities_never_oversell():
    product = ProductFactory(stock=25)
    customers = [CustomerFactory() for _ in range(40)]
    wanted = [1 + i % 3 for i in range(40)]

    results, elapsed = run_in_threads(
        40,
        lambda i: order_create(customer=customers[i], items=[{"product": product.pk, "quantity": wanted[i]}]),
    )

    sold = sum(wanted[i] for i, result in enumerate(results) if not isinstance(result, Exception))
    product.refresh_from_db()
    assert all(type(r).__name__ in ("OrderCreateResult", "InsufficientStock") for r in results), results
    assert sold <= 25
    assert product.stock == 25 - sold
    assert sum(OrderLine.objects.filter(product=product).values_list("quantity", flat=True)) == sold
    print(f"\n[40 buyers of 1-3, stock 25] sold {sold}, stock {product.stock}, {elapsed:.2f}s")


def test_products_bought_in_opposite_orders_never_deadlock_a_client():
    products = ProductFactory.create_batch(8, stock=1000)
    customers = [CustomerFactory() for _ in range(16)]
    forward = [{"product": p.pk, "quantity": 1} for p in products]
    backward = list(reversed(forward))
    deadlocks, timeouts = retries("deadlock"), retries("lock_wait_timeout")

    def buy_five_times(i: int) -> list[str]:
        client = client_for(customers[i])
        lines = forward if i % 2 == 0 else backward
        return [client.post(ORDERS_URL, {"items": lines}, format="json").status_code for _ in range(5)]

    results, elapsed = run_in_threads(16, buy_five_times)

    assert all(result == [201] * 5 for result in results), results
    assert list(Product.objects.filter(pk__in=[p.pk for p in products]).values_list("stock", flat=True)) == [920] * 8
    assert retries("deadlock") == deadlocks  # one lock order (ascending pk) means no deadlock at all
    print(
        f"\n[16 threads x 5 orders of 8 products, opposite line orders] 80 orders, 0 errors, "
        f"retries: deadlock {retries('deadlock') - deadlocks:.0f}, "
        f"lock timeout {retries('lock_wait_timeout') - timeouts:.0f}, {elapsed:.2f}s"
    )


def test_concurrent_requests_with_one_key_create_one_order():
    product = ProductFactory(stock=100)
    customer = CustomerFactory()
    clients = [client_for(customer) for _ in range(12)]
    body = {"items": [{"product": product.pk, "quantity": 3}]}

    responses, elapsed = run_in_threads(
        12, lambda i: clients[i].post(ORDERS_URL, body, format="json", headers={"Idempotency-Key": "same-key"})
    )

    assert [getattr(r, "status_code", r) for r in responses] == [201] * 12
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.get("Idempotent-Replayed") == "true" for r in responses) == 11
    assert Order.objects.count() == 1
    product.refresh_from_db()
    assert product.stock == 97
    print(f"\n[12 concurrent requests, one key] 1 order, 11 replays, stock taken once, {elapsed:.2f}s")


def test_concurrent_requests_with_one_key_and_different_bodies():
    first, second = ProductFactory(stock=100), ProductFactory(stock=100)
    customer = CustomerFactory()
    clients = [client_for(customer) for _ in range(10)]
    bodies = [{"items": [{"product": (first if i % 2 else second).pk, "quantity": 1}]} for i in range(10)]

    responses, _ = run_in_threads(
        10, lambda i: clients[i].post(ORDERS_URL, bodies[i], format="json", headers={"Idempotency-Key": "k"})
    )

    assert Order.objects.count() == 1
    winner = Order.objects.get().lines.get().product_id
    for body, response in zip(bodies, responses, strict=True):
        expected = 201 if body["items"][0]["product"] == winner else 422
        assert response.status_code == expected
    assert sorted(Product.objects.filter(pk__in=[first.pk, second.pk]).values_list("stock", flat=True)) == [99, 100]


def test_a_concurrent_cancel_and_orders_keep_stock_exact():
    product = ProductFactory(stock=10)
    owner = CustomerFactory()
    to_cancel = order_create(customer=owner, items=[{"product": product.pk, "quantity": 4}]).order
    buyers = [CustomerFactory() for _ in range(10)]

    def work(i: int):
        if i == 0:
            return client_for(owner).post(f"{ORDERS_URL}/{to_cancel.pk}/cancel").status_code
        return (
            client_for(buyers[i])
            .post(ORDERS_URL, {"items": [{"product": product.pk, "quantity": 1}]}, format="json")
            .status_code
        )

    codes, _ = run_in_threads(10, work)

    assert codes[0] == 200
    assert set(codes[1:]) <= {201, 409}
    sold = codes[1:].count(201)
    product.refresh_from_db()
    assert product.stock == 10 - sold
    assert (
        sum(OrderLine.objects.filter(product=product, order__status="pending").values_list("quantity", flat=True))
        == sold
    )


# --- The retry path, driven by real lock conflicts -----------------------------------------


def _hold_lock(product_ids: list[int], held: threading.Event, release: threading.Event) -> None:
    try:
        with transaction.atomic():
            list(Product.objects.select_for_update().filter(pk__in=product_ids).order_by("pk"))
            held.set()
            release.wait(timeout=30)
    finally:
        connections.close_all()


def _order_with_short_lock_wait(customer, product, outcome: dict) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION innodb_lock_wait_timeout = 1")
        outcome["result"] = order_create(customer=customer, items=[{"product": product.pk, "quantity": 2}])
    except Exception as error:
        outcome["result"] = error
    finally:
        connections.close_all()


def test_a_lock_wait_timeout_is_retried_and_the_order_goes_through():
    product = ProductFactory(stock=5)
    customer = CustomerFactory()
    held, release, outcome = threading.Event(), threading.Event(), {}
    timeouts = retries("lock_wait_timeout")
    blocker = threading.Thread(target=_hold_lock, args=([product.pk], held, release))
    blocker.start()
    assert held.wait(timeout=10)
    buyer = threading.Thread(target=_order_with_short_lock_wait, args=(customer, product, outcome))
    buyer.start()

    time.sleep(1.5)  # at least one attempt times out (innodb_lock_wait_timeout = 1 s) while the lock is held
    release.set()
    blocker.join(timeout=30)
    buyer.join(timeout=30)

    assert type(outcome["result"]).__name__ == "OrderCreateResult", outcome
    assert retries("lock_wait_timeout") >= timeouts + 1
    product.refresh_from_db()
    assert product.stock == 3


def test_retries_are_bounded_and_end_in_a_409_that_changed_nothing(settings):
    settings.ORDER_RETRY_ATTEMPTS = 2
    product = ProductFactory(stock=5)
    customer = CustomerFactory()
    held, release, outcome = threading.Event(), threading.Event(), {}
    blocker = threading.Thread(target=_hold_lock, args=([product.pk], held, release))
    blocker.start()
    assert held.wait(timeout=10)

    _order_with_short_lock_wait(customer, product, outcome)  # two 1 s waits, both time out
    release.set()
    blocker.join(timeout=30)

    assert isinstance(outcome["result"], ConcurrentUpdate)
    assert outcome["result"].status_code == 409
    product.refresh_from_db()
    assert product.stock == 5
    assert not Order.objects.exists()


def test_a_real_deadlock_is_retried_and_the_order_goes_through():
    first, second = ProductFactory(stock=5), ProductFactory(stock=5)
    ballast = ProductFactory.create_batch(30, stock=1)
    customer = CustomerFactory()
    deadlocks = retries("deadlock")
    buyer_thread_id: dict = {}
    outcome: dict = {}
    blocker_error: list = []

    def buyer() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT CONNECTION_ID()")
                buyer_thread_id["id"] = cursor.fetchone()[0]
            outcome["result"] = order_create(
                customer=customer, items=[{"product": first.pk, "quantity": 1}, {"product": second.pk, "quantity": 1}]
            )
        except Exception as error:
            outcome["result"] = error
        finally:
            connections.close_all()

    def blocker(started: threading.Event) -> None:
        # Holds `second` and has modified many rows (so InnoDB picks the buyer as the deadlock victim),
        # waits until the buyer holds `first` and waits for `second`, then asks for `first`: a cycle.
        try:
            with transaction.atomic():
                Product.objects.filter(pk__in=[p.pk for p in ballast]).update(stock=2)
                list(Product.objects.select_for_update().filter(pk=second.pk))
                started.set()
                with connection.cursor() as cursor:
                    for _ in range(200):
                        cursor.execute(
                            "SELECT COUNT(*) FROM information_schema.innodb_trx "
                            "WHERE trx_state = 'LOCK WAIT' AND trx_mysql_thread_id = %s",
                            [buyer_thread_id.get("id", -1)],
                        )
                        if cursor.fetchone()[0]:
                            break
                        time.sleep(0.02)
                list(Product.objects.select_for_update().filter(pk=first.pk))
                time.sleep(0.2)
                transaction.set_rollback(True)
        except Exception as error:
            blocker_error.append(error)
        finally:
            connections.close_all()

    started = threading.Event()
    blocking = threading.Thread(target=blocker, args=(started,))
    blocking.start()
    assert started.wait(timeout=10)
    buying = threading.Thread(target=buyer)
    buying.start()
    blocking.join(timeout=60)
    buying.join(timeout=60)

    assert blocker_error == []
    assert type(outcome["result"]).__name__ == "OrderCreateResult", outcome
    assert retries("deadlock") == deadlocks + 1
    assert list(Product.objects.filter(pk__in=[first.pk, second.pk]).values_list("stock", flat=True)) == [4, 4]
    assert set(Product.objects.filter(pk__in=[p.pk for p in ballast]).values_list("stock", flat=True)) == {1}


def _wait_until_blocked_in_the_database(connection_id: int, thread: threading.Thread, outcomes: dict) -> None:
    """Until the connection has been inside one statement for a second (waiting for the first request)."""
    with connection.cursor() as cursor:
        for _ in range(300):
            assert thread.is_alive(), outcomes
            cursor.execute(
                "SELECT COUNT(*) FROM information_schema.processlist WHERE id = %s AND info IS NOT NULL AND time >= 1",
                [connection_id],
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.1)
    raise AssertionError("the second request never waited for the first")


@pytest.mark.parametrize("same_body", [True, False], ids=["same-body-replays", "other-body-422"])
def test_a_twin_in_flight_waits_on_the_key_and_then_replays_or_is_refused(same_body):
    product, other = ProductFactory(stock=10), ProductFactory(stock=10)
    customer = CustomerFactory()
    in_first_transaction, let_first_commit = threading.Event(), threading.Event()
    first_thread: dict = {}
    outcomes: dict = {}

    def hold_first_open(sender, order, **kwargs):
        if threading.current_thread() is first_thread.get("thread"):
            in_first_transaction.set()
            let_first_commit.wait(timeout=30)

    def place(name: str, product_id: int, connection_ids: dict) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT CONNECTION_ID()")
                connection_ids[name] = cursor.fetchone()[0]
            outcomes[name] = order_create(
                customer=customer, items=[{"product": product_id, "quantity": 2}], idempotency_key="twin"
            )
        except Exception as error:
            outcomes[name] = error
        finally:
            connections.close_all()

    from orders.signals import order_placed

    order_placed.connect(hold_first_open)
    ids: dict = {}
    try:
        first = threading.Thread(target=place, args=("first", product.pk, ids))
        first_thread["thread"] = first
        first.start()
        assert in_first_transaction.wait(timeout=10)  # the first order exists, uncommitted
        second = threading.Thread(target=place, args=("second", product.pk if same_body else other.pk, ids))
        second.start()
        while "second" not in ids:
            time.sleep(0.01)
        _wait_until_blocked_in_the_database(
            ids["second"], second, outcomes
        )  # on the product row or the key's index entry
        let_first_commit.set()
        first.join(timeout=30)
        second.join(timeout=30)
    finally:
        let_first_commit.set()
        order_placed.disconnect(hold_first_open)

    assert type(outcomes["first"]).__name__ == "OrderCreateResult"
    if same_body:
        assert outcomes["second"].replayed and outcomes["second"].order.pk == outcomes["first"].order.pk
    else:
        assert type(outcomes["second"]).__name__ == "IdempotencyKeyReused"
    assert Order.objects.count() == 1
    assert list(Product.objects.filter(pk__in=[product.pk, other.pk]).values_list("stock", flat=True)) == [8, 10]
