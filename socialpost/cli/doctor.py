"""The doctor command: what is broken, and how to fix it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from socialpost.cli import render
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.options import json_option
from socialpost.cli.translated import Command
from socialpost.errors import ExitCode
from socialpost.i18n import _, ngettext

if TYPE_CHECKING:
    from socialpost.doctor import Report

MARKS = {"ok": ("✓", "green"), "warning": ("!", "yellow"), "problem": ("✗", "bold red")}


@click.command(cls=Command)
@json_option
@pass_app
def doctor(app: AppContext, json_: bool) -> None:
    """Check what commonly breaks and say how to fix it.

    \b
    Looks at: the config file, the permissions of config.yaml and secrets.yaml, time-zone data,
    the database, the daemon, media files of waiting posts, failed, held and unknown posts, each
    account's credentials and token expiry, what keeps an account's posts from going out (a
    YouTube project that has not passed Google's audit), and this machine's clock.

    Exit status 3 when something needs your attention (a warning or a problem), 0 otherwise.
    """
    from socialpost.doctor import run_checks

    report = run_checks(lambda: app.settings, clock=app.clock)
    if json_:
        render.echo_json(report.as_json())
    else:
        _show(report)
    if not report.ok:
        click.get_current_context().exit(ExitCode.ATTENTION)


def _show(report: Report) -> None:
    from rich.text import Text

    from socialpost.doctor import summary

    out = render.console()
    for finding in report.findings:
        mark, style = MARKS[finding.status]
        message = finding.message.replace("\n", "\n    ")  # a config error may span lines
        out.print(Text.assemble((mark, style), " ", (finding.check, "bold"), ": ", message), soft_wrap=True)
        if finding.fix:
            out.print(Text.assemble("    ", _("fix:"), " ", (finding.fix, "cyan")), soft_wrap=True)
    problems, warnings = summary(report.findings)
    if not problems and not warnings:
        out.print(Text(_("All good: nothing needs your attention."), style="green"))
        return
    out.print(Text(_counts_line(problems, warnings), style="bold"))


def _counts_line(problems: int, warnings: int) -> str:
    """``2 problems and 1 warning need your attention. Start with the ✗ lines.``"""
    problem_text = ngettext("{count} problem", "{count} problems", problems).format(count=problems)
    warning_text = ngettext("{count} warning", "{count} warnings", warnings).format(count=warnings)
    if problems and warnings:
        line = _("{problems} and {warnings} need your attention.").format(problems=problem_text, warnings=warning_text)
    else:
        count = problems or warnings
        line = ngettext("{items} needs your attention.", "{items} need your attention.", count).format(
            items=problem_text if problems else warning_text
        )
    if problems:
        line += " " + _("Start with the ✗ lines.")
    return line
