"""SPEC §4.3 tree integrity: the lock, check_category_tree [--repair], concurrent writers on MariaDB."""

import contextlib
import io
import random
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connections, transaction

from catalog import services
from catalog.exceptions import CatalogValidationError, CategoryMoveInvalid
from catalog.models import Category, CategoryTreeLock
from catalog.selectors import category_tree_problems
from tests.catalog.conftest import make_category


def check(*args) -> str:
    out = io.StringIO()
    call_command("check_category_tree", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_valid_tree_passes(chain):
    assert "valid" in check()


@pytest.mark.django_db
def test_corruption_is_found_and_repaired(chain):
    Category.objects.filter(pk=chain[3].pk).update(lft=999, level=7)
    Category.objects.filter(pk=chain[0].pk).update(rght=5)

    with pytest.raises(CommandError, match="invalid"):
        check()
    out = check("--repair")

    assert "Repaired" in out
    assert category_tree_problems() == []
    node = Category.objects.get(pk=chain[5].pk)
    assert node.level == 5 and [a.pk for a in node.get_ancestors()] == [c.pk for c in chain[:5]]
    assert "nothing to repair" in check("--repair")


@pytest.mark.django_db
def test_problems_name_what_is_wrong(chain):
    other = make_category("Other")
    Category.objects.filter(pk=other.pk).update(tree_id=chain[0].tree_id)
    Category.objects.filter(pk=chain[2].pk).update(level=9)

    problems = category_tree_problems()

    assert any("share tree_id" in p for p in problems)
    assert any(f"category {chain[2].pk}: level 9, expected 2" == p for p in problems)


@pytest.mark.django_db
def test_a_parent_cycle_cannot_be_repaired(chain):
    Category.objects.filter(pk=chain[1].pk).update(parent=chain[4].pk)

    assert any("cycle" in p for p in category_tree_problems())
    with pytest.raises(CommandError, match="could not be repaired"):
        check("--repair")


@pytest.mark.django_db(transaction=True)
def test_the_lock_needs_a_transaction_and_creates_its_row():
    with pytest.raises(RuntimeError):
        services.category_tree_lock()
    with transaction.atomic():
        services.category_tree_lock()
        services.category_tree_lock()
    assert CategoryTreeLock.objects.count() == 1


@pytest.mark.django_db
def test_services_refuse_cycles_and_duplicate_names_directly(chain):
    with pytest.raises(CategoryMoveInvalid):
        services.category_update(category=chain[0], parent=chain[0])
    with pytest.raises(CatalogValidationError):
        services.category_create(name="l1", parent=chain[0])
    with pytest.raises(CatalogValidationError):
        services.category_create(name="  ")
    with pytest.raises(CatalogValidationError):
        services.category_create(name="X", parent=999999)


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_and_moves_leave_a_valid_tree(mysql_only):
    roots = [services.category_create(name=f"Root {i}") for i in range(3)]
    for root in roots:
        for j in range(3):
            services.category_create(name=f"Child {j}", parent=root)
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def worker(n: int) -> None:
        rng = random.Random(n)
        try:
            start.wait()
            for step in range(12):
                ids = list(Category.objects.values_list("pk", flat=True))
                if step % 3 == 2:
                    node, target = rng.sample(ids, 2)
                    # A cycle or a name clash is refused, and that is fine.
                    with contextlib.suppress(CatalogValidationError):
                        services.category_update(category=Category(pk=node), parent=target)
                else:
                    services.category_create(name=f"W{n} S{step}", parent=rng.choice([None, *ids]))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Category.objects.count() == 12 + 6 * 8
    assert category_tree_problems() == []
    slugs = list(Category.objects.filter(parent__isnull=True).values_list("slug", flat=True))
    assert len(slugs) == len(set(slugs))


@pytest.mark.django_db(transaction=True)
def test_concurrent_root_creates_with_one_name_make_one_category(mysql_only):
    results: list[str] = []
    start = threading.Barrier(4)

    def worker() -> None:
        try:
            start.wait()
            services.category_create(name="Same")
            results.append("created")
        except CatalogValidationError:
            results.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["created", "refused", "refused", "refused"]
    assert Category.objects.filter(name="Same").count() == 1
