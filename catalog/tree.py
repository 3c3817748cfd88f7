"""Nested-set numbering of the category tree: the one implementation.

django-mptt keeps `lft/rght/level/tree_id` per category; its `rebuild()` recomputes them with an
UPDATE per row. `catalog.services.category_tree_renumber` (imports, `check_category_tree --repair`)
and the bench's bulk seed compute them here in memory instead, from the parent links, with mptt's
conventions: each root its own tree (tree_id 1, 2, ... in root order), lft from 1, siblings in the
order given (mptt's `order_insertion_by`, the name).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence


def nested_set_numbers[K: Hashable](
    roots: Sequence[K], children: Mapping[K, Sequence[K]]
) -> dict[K, tuple[int, int, int, int]]:
    """`{node: (lft, rght, level, tree_id)}` for every node reachable from `roots`.

    `children[node]` lists a node's children in sibling order. Iterative (no recursion limit), so
    a tree of any depth is fine; nodes not reachable from a root (a cycle) get no numbers.
    """
    numbers: dict[K, tuple[int, int, int, int]] = {}
    for tree_id, root in enumerate(roots, start=1):
        counter = 1
        lefts: dict[K, int] = {}
        stack: list[tuple[K, int, bool]] = [(root, 0, False)]
        while stack:
            node, level, done = stack.pop()
            if done:
                numbers[node] = (lefts[node], counter, level, tree_id)
                counter += 1
                continue
            lefts[node] = counter
            counter += 1
            stack.append((node, level, True))
            stack.extend((child, level + 1, False) for child in reversed(children.get(node, ())))
    return numbers


def children_by_parent[K: Hashable](
    rows: Iterable[tuple[K, K | None]], sort_key=None
) -> tuple[list[K], dict[K, list[K]]]:
    """(roots, children) from `(id, parent_id)` pairs, each list sorted by `sort_key(id)` if given."""
    roots: list[K] = []
    children: dict[K, list[K]] = {}
    for node, parent in rows:
        (roots if parent is None else children.setdefault(parent, [])).append(node)
    if sort_key is not None:
        roots.sort(key=sort_key)
        for siblings in children.values():
            siblings.sort(key=sort_key)
    return roots, children
