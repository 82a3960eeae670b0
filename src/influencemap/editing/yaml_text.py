"""Add, replace and delete features in a layer file's *text*, keeping every other byte.

The file is never re-dumped: comments, key order, quoting and blank lines stay as the user
wrote them. A feature is located with the composer's line numbers; a new one is appended to the
end of the ``features`` list in the list's own style (block items at the same indentation, or
one more entry in a flow list), which is the smallest textual change that keeps the file valid.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping

import yaml

from influencemap.model.yaml_nodes import Node, YamlError, compose


class EditError(Exception):
    """The text cannot be edited as asked (the message says why, for the user)."""


@dataclass(frozen=True)
class FeatureSpan:
    """Lines ``start``..``end`` (0-based, end exclusive) that hold one block-list item."""

    start: int
    end: int
    indent: int
    """Column of the item's ``-``."""


def feature_to_yaml(feature: Mapping[str, Any], indent: int) -> str:
    """A feature as a block-list item (``- id: …``) indented by ``indent`` spaces.

    Short lists (countries, tags, positions) are written inline, as people write them.
    """
    body = yaml.safe_dump(
        dict(feature), sort_keys=False, allow_unicode=True, default_flow_style=None, width=100
    )
    lines = body.rstrip("\n").split("\n")
    pad = " " * indent
    out = [f"{pad}- {lines[0]}"] + [f"{pad}  {line}" if line else "" for line in lines[1:]]
    return "\n".join(out) + "\n"


def feature_to_flow(feature: Mapping[str, Any]) -> str:
    """A feature as a one-line flow mapping (for a file that writes ``features: [...]``)."""
    return json.dumps(dict(feature), ensure_ascii=False)


def _root(text: str) -> Node:
    try:
        root = compose(text)
    except YamlError as exc:
        raise EditError(f"line {exc.line}: {exc.message}; fix the file before editing it here") from None
    if root is None or not root.is_map:
        raise EditError("the file is not a layer (its top level is not a mapping)")
    return root


def _features_node(root: Node, name: str = "features") -> tuple[Node, Node]:
    for key, value in root.items():
        if key.is_scalar and key.value == name:
            return key, value
    raise EditError(f"the layer has no '{name}:' list")


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for match in re.finditer("\n", text):
        starts.append(match.end())
    return starts


def _offset(text: str, line: int, col: int) -> int:
    """Character offset of a 1-based line and column."""
    return _line_starts(text)[line - 1] + col - 1


def _is_blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def block_spans(text: str, list_key: str = "features") -> dict[str, FeatureSpan]:
    """The line spans of the items of a block-style ``features:`` list (or another top-level
    list of mappings with ids, such as ``sources:``), by id."""
    root = _root(text)
    _key, features = _features_node(root, list_key)
    if not features.is_seq or not features.value:
        return {}
    if text.startswith("[", _offset(text, features.line, features.col)):
        raise EditError(f"the {list_key} list is written inline ('{list_key}: [...]'); edit it by hand")
    lines = text.split("\n")
    items: list[tuple[str | None, int, int]] = []  # (id, dash line, indent)
    for item in features.value:  # type: ignore[union-attr]
        dash_line = item.line - 1
        while dash_line >= 0 and not lines[dash_line].lstrip().startswith("-"):
            dash_line -= 1
        if dash_line < 0:
            raise EditError(f"the {list_key} list is not written as a block list ('- id: …')")
        feature_id = None
        if item.is_map:
            id_node = item.get("id")
            if id_node is not None and id_node.is_scalar:
                feature_id = str(id_node.value)
        items.append((feature_id, dash_line, _indent_of(lines[dash_line])))
    spans: dict[str, FeatureSpan] = {}
    for index, (feature_id, start, indent) in enumerate(items):
        if index + 1 < len(items):
            limit = items[index + 1][1]
        else:
            limit = _end_of_block(lines, start, indent)
        end = limit
        # Trailing blank lines and comments at or left of the dash belong to what follows.
        while end - 1 > start and _is_blank_or_comment(lines[end - 1]) and (
            not lines[end - 1].strip() or _indent_of(lines[end - 1]) <= indent
        ):
            end -= 1
        if feature_id is not None:
            spans[feature_id] = FeatureSpan(start, end, indent)
    return spans


def _end_of_block(lines: list[str], start: int, indent: int) -> int:
    """The first line after ``start`` that is indented at or left of ``indent`` and is not
    blank, a comment, or another item of the same list (the next top-level key, or EOF)."""
    for number in range(start + 1, len(lines)):
        line = lines[number]
        if _is_blank_or_comment(line):
            continue
        if _indent_of(line) < indent or (_indent_of(line) == indent and not line.lstrip().startswith("-")):
            return number
    # the file's last line may be the empty string after a final newline
    return len(lines) - 1 if lines and lines[-1] == "" else len(lines)


def append_feature(text: str, feature: Mapping[str, Any]) -> str:
    """The text with ``feature`` added at the end of the ``features`` list."""
    root = _root(text)
    key, features = _features_node(root)
    if features.is_null:  # "features:" with nothing after it
        start = _offset(text, key.line, key.col)
        line_end = text.find("\n", start)
        line_end = len(text) if line_end < 0 else line_end
        insertion = "\n" + feature_to_yaml(feature, key.col - 1 + 2).rstrip("\n")
        return text[:line_end] + insertion + text[line_end:]
    if not features.is_seq:
        raise EditError("'features' is not a list")
    value_start = _offset(text, features.line, features.col)
    if text.startswith("[", value_start):
        return _append_to_flow_list(text, feature, value_start, key)
    spans = block_spans(text)
    if not spans:
        raise EditError("cannot find the end of the features list")
    last = max(spans.values(), key=lambda s: s.end)
    lines = text.split("\n")
    new_item = feature_to_yaml(feature, last.indent).rstrip("\n").split("\n")
    # Keep the file's habit: a blank line between items when the last item has one before it.
    gap = [""] if len(spans) > 1 and lines[last.start - 1].strip() == "" else []
    lines[last.end:last.end] = gap + new_item
    return "\n".join(lines)


def _append_to_flow_list(text: str, feature: Mapping[str, Any], value_start: int, key: Node) -> str:
    """``features: [a, b]`` gets ``, {new}`` before its ``]``; ``features: []`` becomes a
    block list with one item under the key. Nothing else in the file changes."""
    close = _matching_bracket(text, value_start)
    inner = text[value_start + 1:close]
    if inner.strip():
        separator = " " if inner.rstrip().endswith(",") else ", "
        head = text[:close].rstrip(" ")
        return head + separator + feature_to_flow(feature) + text[close:]
    line_end = text.find("\n", close)
    line_end = len(text) if line_end < 0 else line_end
    before = text[:value_start].rstrip(" ")
    rest_of_line = text[close + 1:line_end]  # e.g. a trailing comment
    if rest_of_line.strip() and not rest_of_line.lstrip().startswith("#"):
        # the list sits inside a flow mapping ("{id: l, features: []}"): a block item there
        # would break the file
        raise EditError("the layer is written inline ('{...}'); edit it by hand")
    item = feature_to_yaml(feature, key.col - 1 + 2).rstrip("\n")
    return before + rest_of_line + "\n" + item + text[line_end:]


def _matching_bracket(text: str, start: int) -> int:
    depth = 0
    quote = None
    index = start
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\" and quote == '"':
                index += 2
                continue
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise EditError("the features list's closing ']' is missing")


def _span(text: str, feature_id: str) -> FeatureSpan:
    span = block_spans(text).get(feature_id)
    if span is None:
        raise EditError(f"feature '{feature_id}' is not in this file")
    return span


def replace_feature(text: str, feature_id: str, feature: Mapping[str, Any]) -> str:
    """The text with the lines of feature ``feature_id`` replaced by ``feature``."""
    span = _span(text, feature_id)
    lines = text.split("\n")
    lines[span.start:span.end] = feature_to_yaml(feature, span.indent).rstrip("\n").split("\n")
    return "\n".join(lines)


def delete_feature(text: str, feature_id: str) -> str:
    """The text without the lines of feature ``feature_id``.

    Deleting the only item would leave ``features:`` empty (null), which is an error, so the
    list becomes ``features: []``.
    """
    spans = block_spans(text)
    span = spans.get(feature_id)
    if span is None:
        raise EditError(f"feature '{feature_id}' is not in this file")
    lines = text.split("\n")
    del lines[span.start:span.end]
    # A blank line that separated this item from the previous one goes with it.
    if span.start > 0 and span.start < len(lines) and not lines[span.start - 1].strip() and not lines[span.start].strip():
        del lines[span.start]
    result = "\n".join(lines)
    if len(spans) == 1:
        key, _features = _features_node(_root(result))
        start = _offset(result, key.line, key.col)
        line_end = result.find("\n", start)
        line_end = len(result) if line_end < 0 else line_end
        head = result[:line_end]
        if head.rstrip().endswith("features:"):
            result = head.rstrip() + " []" + result[line_end:]
    return result


def append_source(text: str, source: Mapping[str, Any]) -> str:
    """The text with ``source`` added to the layer's own ``sources:`` list.

    The list keeps its style (block items, or one more entry in a flow list); a layer without
    ``sources:`` gets the key, with the new source, on the lines right before ``features:``.
    """
    root = _root(text)
    found = [(k, v) for k, v in root.items() if k.is_scalar and k.value == "sources"]
    if not found:
        key, _features = _features_node(root)
        if key.col != 1:
            raise EditError("cannot find where to add 'sources:' (the 'features:' key is indented)")
        lines = text.split("\n")
        lines[key.line - 1:key.line - 1] = ["sources:"] + feature_to_yaml(source, 2).rstrip("\n").split("\n")
        return "\n".join(lines)
    key, sources = found[0]
    if sources.is_null:
        start = _offset(text, key.line, key.col)
        line_end = text.find("\n", start)
        line_end = len(text) if line_end < 0 else line_end
        return text[:line_end] + "\n" + feature_to_yaml(source, key.col - 1 + 2).rstrip("\n") + text[line_end:]
    if not sources.is_seq:
        raise EditError("'sources' is not a list")
    value_start = _offset(text, sources.line, sources.col)
    if text.startswith("[", value_start):
        return _append_to_flow_list(text, source, value_start, key)
    spans = block_spans(text, "sources")
    if not spans:
        raise EditError("cannot find the end of the sources list")
    last = max(spans.values(), key=lambda s: s.end)
    lines = text.split("\n")
    lines[last.end:last.end] = feature_to_yaml(source, last.indent).rstrip("\n").split("\n")
    return "\n".join(lines)


class _PlainLoader(yaml.SafeLoader):
    """YAML as the layer format reads it: ``NO`` and ``2012-06-01`` stay text, numbers are numbers."""


_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_plain(text: str) -> Any:
    """YAML text as plain values, dates and ``NO`` kept as text (raises ``yaml.YAMLError``)."""
    return yaml.load(text, Loader=_PlainLoader)  # noqa: S506 - a SafeLoader


def read_feature(text: str, feature_id: str) -> dict[str, Any]:
    """The feature's mapping as written (for an edit form to start from and write back).

    Dates and country codes come back as text, so writing the mapping again keeps their meaning.
    """
    span = _span(text, feature_id)
    lines = text.split("\n")[span.start:span.end]
    try:
        items = load_plain("\n".join(lines))
    except yaml.YAMLError as exc:
        raise EditError(f"feature '{feature_id}' cannot be read: {exc}") from None
    if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
        raise EditError(f"feature '{feature_id}' is not a mapping")
    return items[0]
