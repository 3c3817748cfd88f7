"""ecommerce.db.retry: a transaction that loses a lock conflict runs again, a bounded number of times."""

import threading

import pytest
from django.db import OperationalError, connection, transaction
from django.db.models import F

from catalog.models import Product
from ecommerce.db.retry import RetriesExhausted, retry_reason, run_with_retries
from tests.factories import ProductFactory
from tests.orders.test_concurrency import run_in_threads


def lock_conflict() -> OperationalError:
    """The error this database raises when it picks a transaction as a lock conflict's loser."""
    if connection.vendor == "mysql":
        return OperationalError(1213, "Deadlock found when trying to get lock; try restarting transaction")
    return OperationalError("database is locked")


def failing(times: int, error: Exception, calls: list[int]):
    def attempt() -> str:
        calls.append(len(calls) + 1)
        if len(calls) <= times:
            raise error
        return "done"

    return attempt


@pytest.mark.django_db(transaction=True)
def test_a_lost_lock_conflict_is_run_again_and_each_retry_reported():
    calls: list[int] = []
    reasons: list[str] = []

    result = run_with_retries(failing(2, lock_conflict(), calls), attempts=3, backoff_ms=1, on_retry=reasons.append)

    assert result == "done"
    assert calls == [1, 2, 3]
    assert reasons == [retry_reason(lock_conflict())] * 2
    assert reasons[0] in {"deadlock", "database_locked"}


@pytest.mark.django_db(transaction=True)
def test_after_the_last_attempt_it_gives_up_with_the_reason_and_the_database_error():
    calls: list[int] = []
    error = lock_conflict()

    with pytest.raises(RetriesExhausted) as raised:
        run_with_retries(failing(5, error, calls), attempts=3, backoff_ms=1)

    assert calls == [1, 2, 3]
    assert (raised.value.attempts, raised.value.__cause__) == (3, error)
    assert raised.value.reason == retry_reason(error)


@pytest.mark.django_db(transaction=True)
def test_other_database_errors_are_not_retried():
    calls: list[int] = []
    error = OperationalError(2006, "MySQL server has gone away")

    with pytest.raises(OperationalError) as raised:
        run_with_retries(failing(1, error, calls), attempts=5, backoff_ms=1)

    assert raised.value is error and calls == [1]
    assert retry_reason(error) is None


@pytest.mark.django_db
def test_inside_a_callers_transaction_there_is_one_attempt():
    calls: list[int] = []

    with pytest.raises(RetriesExhausted) as raised, transaction.atomic():
        run_with_retries(failing(1, lock_conflict(), calls), attempts=5, backoff_ms=1)

    assert calls == [1] and raised.value.attempts == 1


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("mysql_only")
def test_a_real_deadlock_is_retried_and_both_transactions_commit():
    first, second = ProductFactory(stock=10), ProductFactory(stock=10)
    both_hold_one = threading.Barrier(2, timeout=30)
    reasons: list[str] = []

    def work(index: int) -> str:
        mine, theirs = (first, second) if index == 0 else (second, first)
        attempts = []

        def attempt() -> str:
            attempts.append(1)
            with transaction.atomic():
                Product.objects.select_for_update().get(pk=mine.pk)
                if len(attempts) == 1:
                    both_hold_one.wait()  # each holds one row and then asks for the other's: a cycle
                Product.objects.select_for_update().get(pk=theirs.pk)
                Product.objects.filter(pk__in=[first.pk, second.pk]).update(stock=F("stock") - 1)
            return f"{len(attempts)} attempts"

        return run_with_retries(attempt, attempts=3, backoff_ms=10, on_retry=reasons.append)

    results, _ = run_in_threads(2, work)

    assert sorted(results) == ["1 attempts", "2 attempts"], results  # the deadlock's victim ran again
    assert reasons == ["deadlock"]
    assert list(Product.objects.filter(pk__in=[first.pk, second.pk]).values_list("stock", flat=True)) == [8, 8]
