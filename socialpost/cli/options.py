"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

from socialpost.cli.completion import complete_accounts, complete_campaigns

if TYPE_CHECKING:
    from socialpost.report.facts import Filters

F = TypeVar("F", bound=Callable[..., Any])

json_option = click.option("--json", "json_", is_flag=True, help="Print JSON (a stable, documented shape).")
campaign_files = click.argument(
    "files", nargs=-1, required=True, type=click.Path(dir_okay=True, path_type=str), metavar="FILE..."
)
allow_past_option = click.option(
    "--allow-past",
    is_flag=True,
    help="Accept posts whose time has passed (warn instead of refusing); the late policy decides.",
)

_POST_FILTERS = (
    click.option("--campaign", metavar="NAME", help="Only this campaign.", shell_complete=complete_campaigns),
    click.option("--network", metavar="NAME", help="Only this network (x, mastodon, bluesky, …)."),
    click.option("--account", metavar="NETWORK:NAME", help="Only this account.", shell_complete=complete_accounts),
    click.option(
        "--since",
        metavar="WHEN",
        help="Posts sent (or due) from: 2027-03-01 (midnight in your time zone), 2027-03-01T09:00 (your zone), "
        "2027-03-01T09:00Z or 7d (ago).",
    ),
    click.option(
        "--until",
        metavar="WHEN",
        help="Posts sent (or due) before: a date or a time (in your zone), or a duration ago.",
    ),
)


def post_filters(command: F) -> F:
    """``--campaign``, ``--network``, ``--account``, ``--since`` and ``--until``: which posts a view
    shows (`report`, `calendar`); :func:`when` reads ``--since`` and ``--until``."""
    for option in reversed(_POST_FILTERS):
        command = option(command)
    return command


def when(value: str | None, now: datetime, option: str) -> datetime | None:
    """A date (00:00 in the user's zone), an ISO time (in the user's zone when it has no offset) or
    a duration before now (README, "Time zones")."""
    if value is None:
        return None
    from socialpost.errors import UsageError
    from socialpost.i18n import _
    from socialpost.timeutil import parse_duration

    text = value.strip()
    try:
        return now - parse_duration(text)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            _(
                "{option} '{value}' is neither a date, a time nor a duration. "
                "Fix: write it like 2027-03-01, 2027-03-01T09:00-05:00 or 7d."
            ).format(option=option, value=value)
        ) from None
    if parsed.tzinfo is None:
        from socialpost.localtime import user_zone

        # a wall time of the user's zone; one that falls in a daylight-saving gap or overlap follows
        # the DST rule of campaign times (socialpost.timeutil)
        return parsed.replace(tzinfo=user_zone(), fold=0).astimezone(UTC)
    return parsed.astimezone(UTC)


def _use_config(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        from socialpost.cli.context import AppContext

        ctx.ensure_object(AppContext).config_option = value
    return value


config_here_option = click.option(
    "--config",
    metavar="PATH",
    expose_value=False,
    callback=_use_config,
    help="Config file, as 'socialpost --config PATH' (here too, so a git hook's args can name it).",
)


def filters_from(
    now: datetime,
    *,
    campaign: str | None,
    network: str | None,
    account: str | None,
    since: str | None,
    until: str | None,
) -> Filters:
    """The :func:`post_filters` options as the views' :class:`~socialpost.report.facts.Filters`."""
    from socialpost.report.facts import Filters

    return Filters(
        campaign=campaign,
        network=network,
        account=account,
        since=when(since, now, "--since"),
        until=when(until, now, "--until"),
    )
