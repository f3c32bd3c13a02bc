"""Problems found in a scenario folder, reported one line each.

Every problem is an :class:`Issue` whose text is ``file:row:column: expected …, found …``:
``file`` is the file's name relative to the scenario folder, ``row`` the 1-based line
number in that file (the CSV header is line 1) and ``column`` the column (or, for
``scenario.yaml``, the dotted field path). ``-`` stands for a row or column that does
not apply. Loading collects every issue before it gives up, and raises them together in
one :class:`ScenarioError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One problem in one place of a scenario folder.

    ``severity`` is ``"error"`` (the scenario cannot be used) or ``"warning"`` (it can,
    but something was ignored or looks wrong). The text form is the same for both.
    """

    file: str
    row: int | None
    column: str | None
    expected: str
    found: str
    severity: Severity = "error"

    def __str__(self) -> str:
        row = "-" if self.row is None else str(self.row)
        column = _one_line(self.column) if self.column else "-"
        return (
            f"{self.file}:{row}:{column}: expected {_one_line(self.expected)}, found {_one_line(self.found)}"
        )

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def _one_line(text: str) -> str:
    """``text`` with line breaks (and the spaces around them) folded into one space."""
    return _BREAKS.sub(" ", text) if "\n" in text or "\r" in text else text


_BREAKS = re.compile(r"\s*[\r\n]+\s*")


class ScenarioError(Exception):
    """A scenario folder that cannot be used; ``issues`` lists every problem found."""

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues: list[Issue] = list(issues)
        super().__init__(self._message())

    def _message(self) -> str:
        errors = [i for i in self.issues if i.is_error]
        head = f"{len(errors)} problem{'s' if len(errors) != 1 else ''} in the scenario"
        return "\n".join([head, *(str(i) for i in self.issues)])

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.is_error]
