"""What the checks of expanded rows find (:class:`Findings`), and each post's measures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from socialpost.campaign.expand import PlannedPost
from socialpost.errors import Problem


@dataclass
class PostMeasure:
    """What `validate` shows per post and account: the longest part's length and the limit."""

    id: str
    account: str
    network: str
    length: int
    limit: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "account": self.account,
            "network": self.network,
            "length": self.length,
            "limit": self.limit,
        }


RowKey = tuple[str, str, str, str]  # PlannedPost.key


@dataclass
class Findings:
    """Errors and advice about a campaign's rows, each problem with the rows it is about (its
    ``owners``), so a problem only of posts that already went out can be left out (:meth:`still`)."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    measures: list[PostMeasure] = field(default_factory=list)
    owners: dict[Problem, set[RowKey]] = field(default_factory=dict)

    def still(self, problems: list[Problem], *, judged: set[RowKey], settled: set[RowKey]) -> list[Problem]:
        """The ``problems`` that still matter: those about a row that is (or stays) queued
        (``judged``), and those about no row the queue has ``settled`` (sent, cancelled…). A
        problem only about settled rows is left out: it was reported when they were scheduled,
        and nothing can be done about it now."""
        kept = []
        for problem in problems:
            owners = self.owners.get(problem)
            if not owners or owners & judged or not owners & settled:
                kept.append(problem)
        return kept


class _Seen:
    """Problems already reported (by key), and the rows being checked: each problem found is
    noted as being about them (see Findings.owners)."""

    def __init__(self, found: Findings) -> None:
        self.found = found
        self.first: dict[Any, Problem] = {}
        self.rows: Sequence[PlannedPost] = ()

    def __contains__(self, key: object) -> bool:
        return key in self.first


def _once(bucket: list[Problem], seen: _Seen, key: Any, problem: Problem) -> None:
    """Report ``problem`` once per ``key``, as being about the rows being checked (``seen.rows``)."""
    first = seen.first.get(key)
    if first is None:
        first = seen.first[key] = problem
        bucket.append(problem)
    seen.found.owners.setdefault(first, set()).update(row.key for row in seen.rows)
