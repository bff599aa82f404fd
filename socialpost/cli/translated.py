"""Click commands whose help is shown in the user's language.

Help texts stay in English in the code (docstrings and ``help=``), which is also their key in the
catalogue (``socialpost.i18n.catalogue.help_texts`` collects them); these classes translate them
at the moment click formats them, so the language can be chosen after the commands are defined.
Every command and group of socialpost uses them (a test walks the tree to check).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from socialpost.i18n import _


def translate_help(text: str) -> str:
    """The help ``text`` in the active language, dedented as click would show it."""
    key = inspect.cleandoc(text).partition("\f")[0]
    return _(key)


@contextmanager
def _translated(command: click.Command) -> Iterator[None]:
    """Swap the command's and its options' help for their translation while click formats them."""
    saved: list[tuple[Any, str, str]] = []
    for obj in (command, *command.params):
        for attr in ("help", "short_help", "epilog"):
            text = getattr(obj, attr, None)
            if text:
                saved.append((obj, attr, text))
                setattr(obj, attr, translate_help(text))
    try:
        yield
    finally:
        for obj, attr, text in saved:
            setattr(obj, attr, text)


class TranslatedMixin(click.Command):
    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated(self):
            super().format_help(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        with _translated(self):
            return super().get_short_help_str(limit)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        # Click builds the --help option once per command and keeps it, with its help text in the
        # language of that moment; give it the current language's text each time it is used.
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = _("Show this message and exit.")
        return option


class Command(TranslatedMixin, click.Command):
    """A socialpost command: ``@click.command(cls=Command)``."""


class Group(TranslatedMixin, click.Group):
    """A socialpost group of subcommands: ``@click.group(cls=Group)``."""

    command_class = Command
    group_class = type
