"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

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
