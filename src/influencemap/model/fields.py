"""Read typed values out of YAML nodes, recording a located problem for every bad one.

Every reader returns ``None`` (or :data:`INVALID`) after recording an error, so the caller can
keep going and report all problems of a file in one run, as a compiler does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence, TypeVar

from influencemap.model import feature_rules as rules, schema
from influencemap.model.types import Origin, Problem, Severity
from influencemap.model.yaml_nodes import Node

T = TypeVar("T")

_KIND_NAMES = {"scalar": "a single value", "seq": "a list", "map": "a mapping"}


class FieldReader:
    """Reads the nodes of one file and collects its problems."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self._errors = 0

    # -- problems ------------------------------------------------------------------------

    def origin(self, node: Node) -> Origin:
        return Origin(self.path, node.line, node.col)

    def error(self, node: Node, message: str) -> None:
        self.problems.append(Problem(self.origin(node), Severity.ERROR, message))
        self._errors += 1

    def warning(self, node: Node, message: str) -> None:
        self.problems.append(Problem(self.origin(node), Severity.WARNING, message))

    @property
    def error_count(self) -> int:
        return self._errors

    # -- structure -----------------------------------------------------------------------

    def expect(self, node: Node, kind: str, what: str) -> bool:
        if node.kind == kind:
            return True
        self.error(node, f"{what} must be {_KIND_NAMES[kind]}, not {_KIND_NAMES[node.kind]}")
        return False

    def mapping(
        self,
        node: Node,
        what: str,
        allowed: Sequence[str],
        required: Sequence[str] = (),
    ) -> dict[str, Node] | None:
        """The keys of a mapping node, after checking unknown and missing keys.

        Unknown keys are errors with a suggestion; ``x-`` keys are the user's and kept.
        """
        if not self.expect(node, "map", what):
            return None
        values: dict[str, Node] = {}
        for key, value in node.items():
            if not key.is_scalar:
                self.error(key, f"keys of {what} must be plain words")
                continue
            name = key.value
            assert isinstance(name, str)
            if name in allowed or name.startswith(schema.USER_KEY_PREFIX):
                values[name] = value
            else:
                hint = schema.did_you_mean(name, list(allowed))
                if not hint:
                    hint = f"; expected one of: {', '.join(allowed)} (or x-... for your own keys)"
                self.error(key, f"unknown key '{name}' in {what}{hint}")
        for name in required:
            if name not in values:
                self.error(node, f"{what} is missing the required key '{name}'")
        return values

    # -- scalars -------------------------------------------------------------------------

    def text(self, node: Node, what: str, required: bool = True) -> str | None:
        """A non-empty string (numbers and dates written unquoted are taken as written)."""
        if not self.expect(node, "scalar", what):
            return None
        if node.is_null:
            if required:
                self.error(node, f"{what} must not be empty")
            return None
        value = str(node.value).strip()
        if not value:
            if required:
                self.error(node, f"{what} must not be empty")
            return None
        return value

    def identifier(self, node: Node, what: str) -> str | None:
        value = self.text(node, what)
        if value is None:
            return None
        if rules.identifier(value) is not None:
            suggestion = rules.identifier_hint(value)
            hint = f" (e.g. '{suggestion}')" if suggestion else ""
            self.error(node, f"invalid {what} '{value}': use lowercase letters, digits and hyphens{hint}")
            return None
        return value

    def number(self, node: Node, what: str, minimum: float | None = None) -> float | None:
        """A finite number; ``1.18e9`` and ``1_000`` count (PyYAML 1.1 reads them as text)."""
        if not self.expect(node, "scalar", what):
            return None
        raw = str(node.value).strip()
        value, broken = rules.number(raw, minimum)
        if broken is None:
            return value
        if broken.kind == "number":
            self.error(node, f"{what} must be a number, not '{raw}'")
        elif broken.kind == "finite":
            self.error(node, f"{what} must be a finite number, not '{raw}'")
        else:
            self.error(node, f"{what} must be at least {minimum:g}, not {raw}")
        return None

    def date(self, node: Node, what: str) -> str | None:
        """A ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` date, kept as written."""
        value = self.text(node, what)
        if value is None:
            return None
        broken = rules.date(value)
        if broken is not None:
            self.error(node, f"{what}: {broken.detail}")
            return None
        return value

    def url(self, node: Node, what: str) -> str | None:
        value = self.text(node, what)
        if value is None:
            return None
        broken = rules.url(value)
        if broken is None:
            return value
        if broken.kind == "address":
            self.error(node, f"{what} is not a valid address ({broken.detail}): '{value}'")
        else:
            self.error(node, f"{what} must be an http:// or https:// address, not '{value}'")
        return None

    def choice(self, node: Node, what: str, choices: Sequence[str]) -> str | None:
        value = self.text(node, what)
        if value is None:
            return None
        if rules.choice(value, choices) is not None:
            hint = schema.did_you_mean(value, list(choices))
            self.error(node, f"{what} must be one of {', '.join(choices)}, not '{value}'{hint}")
            return None
        return value

    # -- lists ---------------------------------------------------------------------------

    def items(self, node: Node, what: str, read: Callable[[Node], T | None]) -> list[T] | None:
        """Read every item of a list; None when the node is not a list or any item is bad."""
        if not self.expect(node, "seq", what):
            return None
        before = self.error_count
        values = [read(item) for item in node.value]  # type: ignore[union-attr]
        if self.error_count > before:
            return None
        return [v for v in values if v is not None]

    def text_list(self, node: Node, what: str) -> list[str] | None:
        return self.items(node, what, lambda item: self.text(item, f"an item of {what}"))


@dataclass
class ParsedDefaults:
    """A layer's ``defaults``: the values read (as a feature's are) and the source references
    with the nodes they are written at."""

    values: dict[str, object] = field(default_factory=dict)
    refs: list[tuple[str, Node]] = field(default_factory=list)
