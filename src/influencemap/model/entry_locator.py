"""Where something is written inside one feature entry of a layer file, found by composing
that entry alone with the precise composer (the fast reader records positions only when a
problem needs one; the catalog asks later, for an undefined source reference)."""

from __future__ import annotations

from typing import Callable

from influencemap.model.file_result import FileResult
from influencemap.model.types import Origin
from influencemap.model.yaml_nodes import Node, YamlError, compose

BOM = b"\xef\xbb\xbf"


def locate(data: bytes, start: int, end: int, line: int, where: tuple) -> tuple[int, int] | None:
    """(line, col) of the node at ``where`` (keys and list indexes) inside the feature entry
    written in ``data[start:end]`` from ``line`` on, found by the precise composer."""
    try:
        root = compose(data[start:end].decode("utf-8"))
    except (YamlError, UnicodeDecodeError):
        return None
    if root is None or not root.is_seq or len(root.value) != 1:  # type: ignore[arg-type]
        return None
    node: Node | None = root.value[0]  # type: ignore[index]
    for step in where:
        if node is None:
            return None
        if isinstance(step, int):
            if not node.is_seq or step >= len(node.value):  # type: ignore[arg-type]
                return None
            node = node.value[step]  # type: ignore[index]
        else:
            node = node.get(step) if node.is_map else None
    if node is None:
        return None
    return node.line + line - 1, node.col


def _line_offsets(data: bytes, wanted: list[int]) -> dict[int, int]:
    """Byte offsets where the given 1-based lines start."""
    result: dict[int, int] = {}
    targets = sorted(set(wanted))
    line, pos = 1, 0
    for target in targets:
        while line < target:
            found = data.find(b"\n", pos)
            if found == -1:
                return result
            pos = found + 1
            line += 1
        result[target] = pos
    return result


def ref_locator(result: FileResult, load: Callable[[], bytes | None]) -> Callable[[int, int], Origin | None]:
    """Find where a feature's own source reference is written, for an error about it (the fast
    reader does not record the positions of references, which are almost always fine).
    ``load`` gives the file's bytes again (None if they changed since)."""
    lines = result.entry_lines or []
    entries = result.feature_entries

    def locate_ref(feature_index: int, ref_index: int) -> Origin | None:
        index = entries[feature_index] if entries is not None else feature_index
        data = load()
        if data is None or index + 1 >= len(lines):
            return None
        if data.startswith(BOM):
            data = data[len(BOM):]
        offsets = _line_offsets(data, [lines[index], lines[index + 1]])
        if lines[index] not in offsets:
            return None
        start = offsets[lines[index]]
        end = offsets.get(lines[index + 1], len(data))
        for where in (("sources", ref_index, "ref"), ("sources", ref_index)):
            spot = locate(data, start, end, lines[index], where)
            if spot is not None:
                return Origin(result.path, *spot)
        return None

    return locate_ref
