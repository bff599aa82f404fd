"""Every command a message tells the user to run exists, with the options it names.

A hint is the fix the user types next: "add --fetch" (an option `inbox` never had) sent beginners to
an error. Every message of the catalogue (socialpost/i18n/locale/socialpost.pot: all user-facing
text) is searched for ``socialpost COMMAND [SUBCOMMAND] … --option`` and checked against the real
click commands.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from babel.messages.pofile import read_po

from socialpost.cli import cli

CATALOGUE = Path(__file__).resolve().parents[1] / "socialpost" / "i18n" / "locale" / "socialpost.pot"
# "socialpost" then the words of one command line, up to what ends it in a sentence
COMMAND_LINE = re.compile(r"socialpost((?: +[^\s,;:()`]+)+)")


def _messages() -> list[str]:
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    texts: list[str] = []
    for message in catalogue:
        if not message.id:
            continue
        texts.extend(message.id if isinstance(message.id, tuple | list) else [message.id])
    return texts


def _suggestions() -> list[tuple[str, list[str]]]:
    """(the command line as written, its words) for each ``socialpost COMMAND …`` in a message (not
    prose such as "socialpost sends at most …")."""
    commands = set(cli.list_commands(click.Context(cli)))
    found = []
    for text in _messages():
        for match in COMMAND_LINE.finditer(text):
            words = [word.rstrip("'\".`") for word in match.group(1).split()]
            if words and words[0] in commands:
                found.append((match.group(0), words))
    return found


def _command(words: list[str]) -> tuple[click.Command, list[str]]:
    """The click command the words name, and the words after it."""
    context = click.Context(cli)
    command: click.Command = cli
    rest = list(words)
    while isinstance(command, click.Group) and rest:
        sub = command.get_command(context, rest[0])
        if sub is None:
            break
        command, rest = sub, rest[1:]
    return command, rest


def test_the_catalogue_names_commands() -> None:
    assert len(_suggestions()) > 40  # the search finds the hints (it is not checking nothing)


@pytest.mark.parametrize(("line", "words"), _suggestions(), ids=lambda value: str(value)[:60])
def test_each_suggested_command_and_option_exists(line: str, words: list[str]) -> None:
    command, rest = _command(words)
    assert command is not cli, f"{line!r}: no command {words[0]!r}"
    options = {name for param in command.params for name in (*param.opts, *param.secondary_opts)}
    named = [word.split("=")[0] for word in rest if word.startswith("--")]
    missing = [option for option in named if option not in options]
    assert not missing, f"{line!r}: {command.name} has no {', '.join(missing)}"
