"""The problems of a bulk data layer's rows, and their wording.

A data file of a million rows can hold thousands of rows with the same fault: each kind of
problem (a key and what is wrong) is gathered here and reported once, naming the first
:data:`EXAMPLES` rows and counting the rest. :func:`problem_detail` words what a rule of
:mod:`.feature_rules` refused (the rules return records; each reader words its own messages).
Records in (``add``), messages out (:meth:`RowProblems.messages`).
"""

from __future__ import annotations

from typing import Callable, Iterator

from influencemap.model import feature_rules as rules, schema
from influencemap.model.types import PRECISION_VALUES

EXAMPLES = 5
"""Rows named in one problem message."""


class DataError(Exception):
    """The rows cannot be read: the data file's table is unusable (the message says why), or a
    problem that stops the rows was already reported (no message)."""


class RowProblems:
    """Problems of the rows, gathered by kind so that each is reported once."""

    def __init__(self, name_row: Callable[[int], str] = lambda row: f"row {row + 1}") -> None:
        self.kinds: dict[tuple[str, str], list] = {}
        self.bad: set[int] = set()
        self.name_row = name_row

    def add(self, key: str, what: str, row: int, detail: str, error: bool = True) -> None:
        entry = self.kinds.setdefault((key, what), [0, [], error])
        entry[0] += 1
        if len(entry[1]) < EXAMPLES:
            entry[1].append(f"{self.name_row(row)} ({detail})")
        if error:
            self.bad.add(row)

    def room(self, key: str, what: str) -> int:
        """How many more rows of this kind the report names (their details are read; the
        other rows are only counted, so they need none)."""
        entry = self.kinds.get((key, what))
        return EXAMPLES - (len(entry[1]) if entry else 0)

    def messages(self, label: str) -> Iterator[tuple[str, str, bool]]:
        """Each kind's message about the data file ``label``: (key, message, whether it is an
        error), in the order the kinds were first found."""
        for (key, what), (count, examples, error) in self.kinds.items():
            more = f", and {count - len(examples)} more" if count > len(examples) else ""
            rows = "1 row" if count == 1 else f"{count} rows"
            yield key, f"data file '{label}': {what} in {rows}: {'; '.join(examples)}{more}", error


CHOICES = {"precision": PRECISION_VALUES, "dating": schema.DATINGS}
"""What a ``choice`` problem of each key lists."""


def problem_detail(problem: rules.RowProblem, text: str) -> str:
    """How bulk data names a row's problem: the text the rule refused and what it wants (the
    rule's own reason where it has one)."""
    kind = problem.kind
    if kind == "identifier":
        return f"'{text}': use lowercase letters, digits and hyphens"
    if kind == "date":
        return problem.detail
    if kind == "country":
        return f"unknown country '{text}': use an ISO 3166-1 code (BY, BLR) or an English name"
    if kind == "address":
        return f"'{text}': {problem.detail}"
    if kind == "scheme":
        return f"'{text}' is not an http:// or https:// address"
    if kind == "choice":
        return f"'{text}' is not one of {', '.join(CHOICES[problem.key])}"
    raise ValueError(f"no wording for a '{kind}' problem")
