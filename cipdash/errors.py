"""Problems found in input files, reported together (never only the first)."""
from __future__ import annotations

from dataclasses import dataclass, field

# Beyond this many rows with the same problem in the same column of one file,
# the rest are counted rather than listed, so a wholly wrong file stays readable.
MAX_LISTED_PER_RULE = 50


@dataclass(frozen=True)
class Problem:
    """One problem at a place in a file. `line` and `column` count from 1."""

    file: str
    line: int
    column: int
    column_name: str
    message: str
    hint: str = ""
    severity: str = "error"  # "error" stops the load; "warning" is reported only

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}:"
        name = f" column '{self.column_name}':" if self.column_name else ""
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}{name} {self.message}{hint}"

    def as_row(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "column name": self.column_name,
            "problem": self.message,
            "hint": self.hint,
            "severity": self.severity,
        }


@dataclass
class Problems:
    """Collects problems, keeping at most MAX_LISTED_PER_RULE per (file, column, rule)."""

    items: list[Problem] = field(default_factory=list)
    _listed: dict = field(default_factory=dict)
    _unlisted: dict = field(default_factory=dict)

    def add(self, problem: Problem, rule: str | None = None) -> None:
        key = (problem.file, problem.column_name, rule or problem.message, problem.severity)
        n = self._listed.get(key, 0)
        if n < MAX_LISTED_PER_RULE:
            self._listed[key] = n + 1
            self.items.append(problem)
        else:
            first, count = self._unlisted.get(key, (problem, 0))
            self._unlisted[key] = (first, count + 1)

    def extend(self, other: "Problems") -> None:
        for p in other.all():
            self.items.append(p)

    def merge(self, other: "Problems") -> None:
        """Take in what `other` collected, as though each of its problems had been added here
        after ours. Files are checked each into its own Problems (two at a time) and merged in
        file order; every rule's key names its file, so the two never share a key and the
        result is the one a single Problems would have collected file after file. (Were a key
        shared, its listed and counted rows are still all kept, counted together.)"""
        self.items.extend(other.items)
        for key, n in other._listed.items():
            self._listed[key] = self._listed.get(key, 0) + n
        for key, (first, count) in other._unlisted.items():
            mine = self._unlisted.get(key)
            self._unlisted[key] = (mine[0], mine[1] + count) if mine else (first, count)

    def all(self) -> list[Problem]:
        out = list(self.items)
        for (file, col, rule, severity), (first, count) in self._unlisted.items():
            out.append(
                Problem(
                    file,
                    first.line,
                    first.column,
                    col,
                    f"... and {count:,} more rows with the same problem ({rule})",
                    severity=severity,
                )
            )
        return out

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.all() if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.all() if p.severity == "warning"]


class LoadFailed(Exception):
    """Validation found errors; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} problem(s) found; nothing was loaded")


class DatabaseUnavailable(Exception):
    """The database file is missing or unreadable; the message says how to rebuild it."""
