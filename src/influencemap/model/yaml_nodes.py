"""Read a YAML file into a tree of nodes that remember their line and column.

libyaml's own composer recurses and crashes the interpreter on very deep nesting, and a naive
walk over aliases explodes on an "alias bomb". So the tree is composed here from libyaml's event
stream with an explicit stack, bounded nesting depth and a bounded alias expansion size,
and duplicate mapping keys are reported instead of silently overwritten.

Scalars keep their text as written: the loader reads each value by what its key expects, so
YAML 1.1's surprises (``NO`` as false, ``1.18e9`` as a string, dates as datetimes) never bite.

The document read is the one libyaml reads (its parser makes the events), and :func:`to_python`
gives libyaml's data (``yaml.load`` with ``CSafeLoader``) in the layers' JSON data model: the
official YAML test suite checks that case by case (``tests/model/test_yaml_suite.py``). So what
libyaml's own loader refuses, the composer refuses too, with a position: a tag naming a type
that is not text, a number, true/false, null, a list or a mapping (``!!binary``, ``!!set``,
``!local``, ...), a list or mapping used as a mapping key, an anchor defined twice. Characters
YAML forbids (C0/C1 controls, DEL, U+FFFE/U+FFFF) are reported at the character's own line and
column, in one line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Iterator, Union

import yaml

try:  # the C parser is ~10x faster; fall back to pure Python where libyaml is missing
    from yaml import CSafeLoader as _EventLoader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _EventLoader  # type: ignore[assignment]

MAX_DEPTH = 64
"""Deeper nesting than this is rejected: no layer needs it, and it costs stack."""

MIN_EXPANSION_BUDGET = 100_000
EXPANSION_PER_EVENT = 10
"""Aliases may expand the document to at most this many nodes per parsed event."""


class YamlError(Exception):
    """A file that cannot be read as one YAML document; line and col are 1-based."""

    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


@dataclass(eq=False)
class Node:
    """A scalar (``value`` is the text), a sequence (a list of nodes) or a mapping (pairs)."""

    kind: str  # "scalar" | "seq" | "map"
    value: Union[str, list["Node"], list[tuple["Node", "Node"]]]
    line: int
    col: int
    plain: bool = True
    """For scalars: written without quotes (so ``null``/``~`` and numbers are meaningful)."""
    size: int = field(default=1, repr=False)
    """Nodes in this subtree with aliases expanded: bounds the cost of walking it."""
    tag: str | None = None
    """An explicit core tag (``tag:yaml.org,2002:int``, ...), which :func:`to_python` honours."""

    @property
    def is_scalar(self) -> bool:
        return self.kind == "scalar"

    @property
    def is_seq(self) -> bool:
        return self.kind == "seq"

    @property
    def is_map(self) -> bool:
        return self.kind == "map"

    @property
    def is_null(self) -> bool:
        return self.kind == "scalar" and self.plain and self.value in ("", "~", "null", "Null", "NULL")

    def items(self) -> Iterator[tuple["Node", "Node"]]:
        assert self.kind == "map"
        yield from self.value  # type: ignore[misc]

    def get(self, key: str) -> "Node | None":
        for k, v in self.items():
            if k.kind == "scalar" and k.value == key:
                return v
        return None


def decode_utf8(data: bytes) -> str:
    """Decode a file's bytes as UTF-8 (a BOM is allowed), pointing at the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise YamlError(
            f"file is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8",
            line,
            col,
        ) from None


def compose(text: str) -> Node | None:
    """Compose one YAML document into a :class:`Node` tree; None for an empty document.

    Raises
    ------
    YamlError
        For syntax errors, several documents, too deep nesting, duplicate keys, undefined
        or recursive aliases and alias expansion beyond the budget.
    """
    # Each open collection: [kind, start event, children, anchor, pending key for mappings]
    stack: list[list] = []
    anchors: dict[str, Node] = {}
    defined: dict[str, int] = {}
    """The line of each anchor seen (a collection's counts from its start, as in libyaml's loader)."""
    root: Node | None = None
    documents = 0
    events = 0
    expanded = 0
    try:
        for event in yaml.parse(text, Loader=_EventLoader):
            events += 1
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise YamlError(
                        "a layer file holds one YAML document; found a second one ('---')",
                        event.start_mark.line + 1,
                        event.start_mark.column + 1,
                    )
                continue
            node: Node | None = None
            if isinstance(event, yaml.ScalarEvent):
                node = Node(
                    "scalar",
                    event.value,
                    event.start_mark.line + 1,
                    event.start_mark.column + 1,
                    plain=event.implicit[0] and event.style in (None, ""),
                    tag=_checked_tag(event, "scalar"),
                )
                if event.anchor:
                    _check_anchor(defined, event)
                    anchors[event.anchor] = node
            elif isinstance(event, yaml.AliasEvent):
                target = anchors.get(event.anchor)
                if target is None:
                    raise YamlError(
                        f"alias *{event.anchor} refers to no finished anchor &{event.anchor}"
                        " (undefined, or it refers to itself)",
                        event.start_mark.line + 1,
                        event.start_mark.column + 1,
                    )
                node = target
            elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    raise YamlError(
                        f"nesting deeper than {MAX_DEPTH} levels",
                        event.start_mark.line + 1,
                        event.start_mark.column + 1,
                    )
                kind = "seq" if isinstance(event, yaml.SequenceStartEvent) else "map"
                _checked_tag(event, kind)
                if event.anchor:
                    _check_anchor(defined, event)
                stack.append([kind, event, [], event.anchor, None])
                continue
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                kind, start, children, anchor, _pending = stack.pop()
                node = Node(
                    kind,
                    children,
                    start.start_mark.line + 1,
                    start.start_mark.column + 1,
                    size=1 + sum(_child_size(kind, c) for c in children),
                )
                if kind == "map":
                    _check_duplicate_keys(children)
                if anchor:
                    anchors[anchor] = node
            else:
                continue

            expanded += node.size
            budget = max(MIN_EXPANSION_BUDGET, EXPANSION_PER_EVENT * events)
            if expanded > budget:
                raise YamlError(
                    "aliases expand this document beyond "
                    f"{budget:,} nodes (an 'alias bomb'?); write the values out instead",
                    getattr(event, "start_mark").line + 1,
                    getattr(event, "start_mark").column + 1,
                )
            if not stack:
                root = node
                continue
            parent = stack[-1]
            if parent[0] == "seq":
                parent[2].append(node)
            elif parent[4] is None:
                if not node.is_scalar:
                    raise YamlError(
                        f"a {'list' if node.is_seq else 'mapping'} cannot be a mapping key; keys are single values",
                        node.line,
                        node.col,
                    )
                parent[4] = node
            else:
                parent[2].append((parent[4], node))
                parent[4] = None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or str(exc)
        if exc.context:
            message = f"{message} ({exc.context})"
        raise YamlError(
            f"YAML syntax error: {message}",
            (mark.line + 1) if mark else 1,
            (mark.column + 1) if mark else 1,
        ) from None
    except yaml.reader.ReaderError as exc:
        line, col = _reader_position(text, exc.position)
        raise YamlError(
            f"YAML syntax error: unacceptable character U+{exc.character:04X}: {exc.reason} in YAML"
            " (remove it, or write it as an escape inside double quotes)",
            line,
            col,
        ) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML error: {' '.join(str(exc).split())}", 1, 1) from None
    return root


_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
"""What libyaml counts as a line break."""


def _reader_position(text: str, position: int) -> tuple[int, int]:
    """(line, col) of a reader error: libyaml gives the byte offset in the UTF-8 text (the
    pure-Python parser, a character offset)."""
    if _EventLoader is not yaml.SafeLoader:
        position = len(text.encode("utf-8")[:position].decode("utf-8", "ignore"))
    before = text[:position]
    breaks = list(_BREAK.finditer(before))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, position - start + 1


CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(CORE + name for name in ("str", "int", "float", "bool", "null"))
_COLLECTION_TAGS = {"seq": CORE + "seq", "map": CORE + "map"}


def _checked_tag(event, kind: str) -> str | None:
    """The node's explicit tag when it names a type of the layers' data model, None for none;
    YamlError for any other tag (libyaml's loader has no constructor for most, and makes types a
    layer cannot hold of the rest: bytes, sets, dates, pairs)."""
    tag = event.tag
    if tag is None or tag == "!" or (kind == "scalar" and event.implicit[0]):
        return None
    allowed = tag in _SCALAR_TAGS if kind == "scalar" else tag == _COLLECTION_TAGS[kind]
    if not allowed:
        shown = "!!" + tag[len(CORE):] if tag.startswith(CORE) else tag
        raise YamlError(
            f"the tag {shown} is not allowed here: layer files hold text, numbers, true/false, null,"
            " lists and mappings (remove the tag)",
            event.start_mark.line + 1,
            event.start_mark.column + 1,
        )
    if kind == "scalar" and tag != CORE + "str":
        try:
            _SCALARS.construct_object(yaml.ScalarNode(tag, event.value))
        except (ValueError, OverflowError, yaml.YAMLError):
            raise YamlError(
                f"'{event.value}' is not a valid !!{tag[len(CORE):]}",
                event.start_mark.line + 1,
                event.start_mark.column + 1,
            ) from None
    return tag if kind == "scalar" else None


def _check_anchor(defined: dict[str, int], event) -> None:
    """An anchor is defined once (libyaml's loader refuses a second definition too)."""
    first = defined.get(event.anchor)
    if first is not None:
        raise YamlError(
            f"the anchor &{event.anchor} is defined twice (first on line {first}); give each its own name",
            event.start_mark.line + 1,
            event.start_mark.column + 1,
        )
    defined[event.anchor] = event.start_mark.line + 1


def _child_size(kind: str, child) -> int:
    if kind == "seq":
        return child.size
    return child[0].size + child[1].size


def _check_duplicate_keys(pairs: list[tuple[Node, Node]]) -> None:
    seen: dict[str, Node] = {}
    for key, _value in pairs:
        if key.kind != "scalar":
            continue
        if key.value in seen:
            first = seen[key.value]
            raise YamlError(
                f"duplicate key '{key.value}' (first defined on line {first.line})",
                key.line,
                key.col,
            )
        seen[key.value] = key


_SCALARS = yaml.SafeLoader("")


def to_python(node: Node) -> object:
    """Plain Python for a user's own ``x-`` values, with YAML's usual scalar types."""
    if node.kind == "seq":
        return [to_python(child) for child in node.value]  # type: ignore[union-attr]
    if node.kind == "map":
        return {key_text(to_python(k)): to_python(v) for k, v in node.items()}
    if node.tag is not None:
        tag = node.tag
    elif not node.plain:
        return node.value
    else:
        tag = _SCALARS.resolve(yaml.ScalarNode, node.value, (True, False))
    try:
        value = _SCALARS.construct_object(yaml.ScalarNode(tag, node.value))
    except (ValueError, OverflowError, yaml.YAMLError):  # 2021-13-40 looks like a date and is none
        return node.value
    return value if isinstance(value, (bool, int, float, str, type(None))) else node.value


def key_text(key: object) -> str:
    """A user's mapping key as text, as JSON writes a key (``null``, ``true``, ``1.5``): what
    the key of :func:`to_python`'s mappings is, whatever the key's type in YAML."""
    if isinstance(key, str):
        return key
    return json.dumps(key) if key is None or isinstance(key, (bool, int, float)) else str(key)
