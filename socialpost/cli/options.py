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
