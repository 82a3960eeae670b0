"""A list of JSON values written column by column, to keep the HTML export small.

Ten thousand features that each repeat the same keys and many of the same values ("site",
"USD", the layer's one source) are mostly repetition. :func:`encode_rows` writes a list of
values as one *node*, chosen by what the values have in common:

``{"c": v}``
    every value is ``v`` (the constant);
``{"d": [v0, v1, ...], "i": [i, ...]}``
    a dictionary of the distinct values and each row's index into it, when that is shorter;
``{"v": [...]}``
    the values as they are;
``{"l": node, "e": node}``
    every value is a list: their lengths (a node), then all their items in order (a node);
``{"o": [[key, node], [key, node, presence], ...]}``
    every value is an object: one column per key, in the objects' order of keys. A key
    missing from some rows has a third entry, a node of 1 (present) or 0 per row, and its
    column holds the present rows' values only.

Nodes nest, so a list of objects (a feature's figures or sources) becomes one column per key
of its items. The encoding is exact: :func:`decode_rows` gives back values equal to the ones
given (the page's script, ``influencemap.decodeRows``, does the same in the browser), keys in
the same order unless the objects had the same keys in different orders.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

_SCALARS = (str, int, float, bool, type(None))


def encode_rows(values: Sequence[Any]) -> dict[str, Any]:
    """The node that gives back ``values`` (JSON-ready: dicts with str keys, lists, scalars)."""
    return _Encoder().encode(list(values))[0]


def decode_rows(node: dict[str, Any], count: int) -> list[Any]:
    """The ``count`` values ``node`` holds (the inverse of :func:`encode_rows`)."""
    if "c" in node:
        return [_copy(node["c"]) for _ in range(count)]
    if "d" in node:
        table = node["d"]
        return [_copy(table[i]) for i in node["i"]]
    if "v" in node:
        return list(node["v"])
    if "l" in node:
        lengths = decode_rows(node["l"], count)
        items = decode_rows(node["e"], sum(lengths))
        out, at = [], 0
        for length in lengths:
            out.append(items[at:at + length])
            at += length
        return out
    if "o" in node:
        rows: list[dict[str, Any]] = [{} for _ in range(count)]
        for entry in node["o"]:
            key, column = entry[0], entry[1]
            if len(entry) > 2:
                present = decode_rows(entry[2], count)
                values = iter(decode_rows(column, sum(present)))
                for row, here in zip(rows, present):
                    if here:
                        row[key] = next(values)
            else:
                for row, value in zip(rows, decode_rows(column, count)):
                    row[key] = value
        return rows
    raise ValueError(f"not a column node: {sorted(node)}")


class _Encoder:
    """Encodes bottom-up: each column's rows get ids, equal exactly when the rows are the same
    JSON (1, 1.0 and True differ), and sizes, about how many characters each row takes. A list
    or object row's id is made of its items' ids, so no row is written out to be compared.
    Ids are numbered column by column: only rows of one column are compared."""

    def encode(self, values: list) -> tuple[dict[str, Any], list[int], list[int]]:
        if not values:
            return {"v": []}, [], []
        if all(type(v) is list for v in values):
            structured, keys, sizes = self._lists(values)
        elif all(type(v) is dict for v in values):
            structured, keys, sizes = self._objects(values)
        else:
            structured, keys, sizes = None, *self._scalars(values)
        numbers: dict[Any, int] = {}
        ids = [numbers.setdefault(key, len(numbers)) for key in keys]
        if len(numbers) == 1:
            return {"c": values[0]}, ids, sizes
        if len(numbers) * 2 <= len(values):
            firsts = [0] * len(numbers)
            for row in range(len(ids) - 1, -1, -1):
                firsts[ids[row]] = row
            index_width = len(str(len(numbers) - 1)) + 1
            if sum(sizes[row] for row in firsts) + len(values) * index_width < sum(sizes):
                return {"d": [values[row] for row in firsts], "i": ids}, ids, sizes
        return (structured if structured is not None else {"v": values}), ids, sizes

    @staticmethod
    def _scalars(values: list) -> tuple[list, list[int]]:
        if all(type(v) is str for v in values):
            return values, [len(v) + 3 for v in values]
        keys, sizes = [], []
        for value in values:
            if type(value) is str:
                key, size = value, len(value) + 3
            elif type(value) is float:
                key, size = (float, repr(value)), len(repr(value)) + 1  # repr: -0.0 is not 0.0
            elif isinstance(value, _SCALARS):
                key, size = (type(value), value), len(str(value)) + 1
            else:  # a list or object among other kinds of value
                text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
                key, size = (list, text), len(text) + 1
            keys.append(key)
            sizes.append(size)
        return keys, sizes

    def _lists(self, values: list[list]) -> tuple[dict[str, Any], list, list[int]]:
        lengths = [len(value) for value in values]
        length_node = self.encode(lengths)[0]
        item_node, item_ids, item_sizes = self.encode([item for value in values for item in value])
        if min(lengths) == max(lengths):
            step = lengths[0]
            keys = list(zip(*[iter(item_ids)] * step)) if step else [()] * len(values)
            sizes = [sum(item_sizes[at:at + step]) + 2 for at in range(0, len(item_sizes), step)] if step else [2] * len(values)
        else:
            keys, sizes, at = [], [], 0
            for length in lengths:
                keys.append(tuple(item_ids[at:at + length]))
                sizes.append(sum(item_sizes[at:at + length]) + 2)
                at += length
        return {"l": length_node, "e": item_node}, keys, sizes

    def _objects(self, values: list[dict]) -> tuple[dict[str, Any], list, list[int]]:
        order = _key_order(values)
        columns, column_ids = [], []
        sizes = [2] * len(values)
        for key in order:
            column = [value.get(key, _MISSING) for value in values]
            if _MISSING not in column:
                node, ids, key_sizes = self.encode(column)
                columns.append([key, node])
                column_ids.append(ids)
                sizes = [a + b + len(key) + 4 for a, b in zip(sizes, key_sizes)]
                continue
            rows = [row for row, value in enumerate(column) if value is not _MISSING]
            node, ids, key_sizes = self.encode([column[row] for row in rows])
            present = [0] * len(values)
            full_ids = [-1] * len(values)
            for row, key_id, size in zip(rows, ids, key_sizes):
                present[row] = 1
                full_ids[row] = key_id
                sizes[row] += size + len(key) + 4
            columns.append([key, node, self.encode(present)[0]])
            column_ids.append(full_ids)
        return {"o": columns}, list(zip(*column_ids)), sizes


_MISSING = object()


def _key_order(values: list[dict]) -> list[str]:
    """Every key of the objects, each new one placed after the key before it in the first
    object that has it: objects whose keys come in one order keep it."""
    order: list[str] = []
    for keys in dict.fromkeys(tuple(value) for value in values):
        at = 0
        for key in keys:
            if key in order:
                at = order.index(key) + 1
            else:
                order.insert(at, key)
                at += 1
    return order


def _copy(value: Any) -> Any:
    """A fresh copy of a list or object, so rows never share one."""
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value
