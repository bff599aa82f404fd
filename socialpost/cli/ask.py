"""Asking the user a yes/no question, only where someone can answer it."""

from __future__ import annotations

import builtins
import sys

import click

from socialpost.errors import UsageError
from socialpost.i18n import _


def can_ask() -> bool:
    """Whether a question can be answered here: stdin is a terminal, or click's prompt was replaced
    by one that reads elsewhere (click's test runner feeds its answers that way). Without either, a
    question would read the end of a pipe (or a script's next input) as the answer."""
    from click import termui

    return sys.stdin.isatty() or termui.visible_prompt_func is not builtins.input


def require_terminal(command: str) -> None:
    """Refuse (exit 2) when nobody can answer a question, saying to add --yes to ``command``."""
    if not can_ask():
        raise UsageError(
            _("{command} asks for confirmation, and the input here is not a terminal.").format(command=command),
            hint=_("Fix: add --yes to do it without asking (run it with --dry-run first to see what it does)."),
        )


def confirm(question: str, *, command: str) -> None:
    """Ask ``question``; stop (exit 1, "Aborted!") unless the answer is yes. Without a terminal,
    refuse (exit 2) and say to add --yes to ``command``."""
    require_terminal(command)
    click.confirm(question, abort=True, err=True)
