"""The fix command: apply the writing advice that has a safe, mechanical fix, in the file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from socialpost.cli import render
from socialpost.cli.options import campaign_files
from socialpost.cli.translated import Command
from socialpost.errors import CampaignError, Problem, UsageError
from socialpost.i18n import _, ngettext

if TYPE_CHECKING:
    from socialpost.campaign.fix import FileFix


@click.command(cls=Command)
@campaign_files
@click.option("-y", "--yes", is_flag=True, help="Write the fixes without asking.")
@click.option("--dry-run", is_flag=True, help="Only show what would change; write nothing.")
def fix(files: tuple[str, ...], yes: bool, dry_run: bool) -> None:
    """Apply the writing advice that has a safe, mechanical fix to campaign FILEs, in place.

    French typography: the no-break spaces before ! ? ; : and inside « » that nobody can type,
    following each post's language (fr: a narrow one before ! ? ;, fr-CA as in Québec: none
    there; both: a no-break space before : and inside « »); in English, no space before them. And
    https:// before a bare domain when the campaign tags its links (utm:). Posts that silence a rule
    with quiet: are left alone. Shows the changes as a diff and asks before writing; comments,
    quotes and layout stay as they are, and running it again finds nothing to fix. Without a
    terminal to ask in, pass --yes (or --dry-run). Exit status 0; 2 when a FILE cannot be read or
    nobody can be asked.
    """
    from socialpost.campaign import fix as library

    problems: list[Problem] = []
    planned: list[FileFix] = []
    for name in dict.fromkeys(files):
        try:
            planned.append(library.plan(Path(name)))
        except CampaignError as exc:
            problems.extend(exc.problems)
    if problems:
        raise CampaignError(problems)
    render.warnings([problem for item in planned for problem in item.left])
    changing = [item for item in planned if item.changed]
    for item in planned:
        if not item.changed:
            click.echo(_("Nothing to fix in {file}.").format(file=item.path))
    if not changing:
        return
    for item in changing:
        _show(item)
    if dry_run:
        click.echo(_("Dry run: nothing was written."))
        return
    if not yes:
        if not _can_ask():
            raise UsageError(
                _("there is no terminal to ask whether to write these changes."),
                hint=_("Run again with --yes to write them, or with --dry-run to only see them."),
            )
        count = sum(len(item.changes) for item in changing)
        question = ngettext("Write this change?", "Write these {count} changes?", count).format(count=count)
        if not click.confirm(question, default=False):
            click.echo(_("Nothing was written."))
            return
    for item in changing:
        library.write(item)
        texts = len({(change.line, change.column) for change in item.changes})
        click.echo(
            ngettext("Fixed {count} text in {file}.", "Fixed {count} texts in {file}.", texts).format(
                count=texts, file=item.path
            )
        )


def _show(item: FileFix) -> None:
    for line in item.diff():
        colour = "green" if line.startswith("+") else "red" if line.startswith("-") else None
        if line.startswith("@@"):
            colour = "cyan"
        click.echo(click.style(line.rstrip("\r\n"), fg=colour, bold=line.startswith(("+++", "---"))))
    if any("⍽" in line or "⸱" in line for line in item.diff()):
        click.echo(
            _(
                "(⍽ marks a no-break space and ⸱ a narrow no-break space, shown so you can see them; "
                "the file gets the real characters.)"
            )
        )
    for change in item.changes:
        click.echo(f"{item.path}:{change.line}:{change.column}: {change.rule}")


def _can_ask() -> bool:
    """Whether a question can be put to someone: standard input is a terminal."""
    return sys.stdin.isatty()
