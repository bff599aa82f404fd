"""Posting queues declared per account in the config file (``accounts.<network>.<name>.queue``).

A campaign without ``queue:`` of its own places its queued posts (no ``at``, no ``every``) in the
slots of each account's config queue. The slots are in the queue's ``timezone`` (by default the
config file's ``timezone``), so every campaign that uses the queue agrees on its instants. Each
mistake is reported where it is written in the config file.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from socialpost.campaign.models import AccountQueue
from socialpost.errors import Problem
from socialpost.i18n import _
from socialpost.settings.config import Settings
from socialpost.settings.problems import pydantic_problems
from socialpost.slots import SlotRule


def config_queues(settings: Settings) -> tuple[dict[str, SlotRule], list[Problem]]:
    """Each account's config queue as a slot rule (``network:name`` → rule), and the problems."""
    rules: dict[str, SlotRule] = {}
    problems: list[Problem] = []
    for network, names in settings.accounts.items():
        for name, values in names.items():
            raw = (values or {}).get("queue")
            if raw is None:
                continue
            where = ("accounts", network, name, "queue")
            try:
                queue = AccountQueue.model_validate(raw)
            except ValidationError as exc:
                errors: list[dict[str, Any]] = exc.errors()  # type: ignore[assignment]
                problems.extend(_located(settings, where, errors))
                continue
            zone_name = queue.timezone or settings.timezone
            if zone_name is None:
                problems.append(
                    _problem(
                        settings,
                        where,
                        _(
                            "the queue of {account} has no time zone, and the config file names none. Fix: add "
                            "timezone: America/Montreal (your zone) to the queue, or to the config file"
                        ).format(account=f"{network}:{name}"),
                    )
                )
                continue
            rules[f"{network}:{name}"] = queue.rule(zone_name)
    return rules, problems


def _located(settings: Settings, where: tuple[str, ...], errors: list[dict[str, Any]]) -> list[Problem]:
    if settings.document is not None:
        return pydantic_problems(settings.document, errors, prefix=where)
    return [_problem(settings, (*where, *map(str, error["loc"])), str(error["msg"])) for error in errors]


def _problem(settings: Settings, loc: tuple[str, ...], message: str) -> Problem:
    if settings.document is not None:
        return settings.document.problem(loc, message)
    return Problem(".".join(loc), 0, 0, message)
