"""import: a spreadsheet of posts (Buffer, Hootsuite, any sheet) into a campaign file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from socialpost.cli import render
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.translated import Command
from socialpost.errors import ExitCode, InputError
from socialpost.i18n import _, ngettext


@click.command(name="import", cls=Command)
@click.argument("sheet", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--from",
    "source",
    type=click.Choice(["buffer", "hootsuite", "generic"]),
    default="generic",
    show_default=True,
    help="The sheet's layout: Buffer's bulk upload (Text, Image URL, Tags, Posting Time), Hootsuite's bulk "
    "composer (date, message, link; no header), or any sheet with a header row (report --csv too).",
)
@click.option(
    "-o",
    "--output",
    metavar="CAMPAIGN.yaml",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The campaign file to write (default: FILE's name with .yaml, in this folder). Downloaded images go "
    "in a media/ folder beside it.",
)
@click.option("--campaign", "campaign", metavar="NAME", help="The campaign's name (default: from FILE's name).")
@click.option(
    "--timezone",
    "zone",
    metavar="ZONE",
    help="The zone the sheet's times are in, like America/Montreal (default: timezone: of your config, else "
    "this machine's).",
)
@click.option(
    "-a",
    "--account",
    "accounts",
    multiple=True,
    metavar="NETWORK:NAME",
    help="Send every post to this account (repeat for several); default: the sheet's accounts column.",
)
@click.option(
    "--date-order",
    type=click.Choice(["dmy", "mdy"]),
    help="How slashed dates are written: dmy (31/12/2027) or mdy (12/31/2027). Needed only when the sheet's "
    "dates do not tell.",
)
@click.option(
    "--shift",
    metavar="DURATION",
    help="Move every post by DURATION, like 52w (a year later, same weekday) or 7d: to run a past campaign "
    "(report --csv) again.",
)
@click.option("--force", is_flag=True, help="Replace the campaign file if it exists (post ids stay the same).")
@pass_app
def import_(
    app: AppContext,
    sheet: Path,
    source: str,
    output: Path | None,
    campaign: str | None,
    zone: str | None,
    accounts: tuple[str, ...],
    date_order: str | None,
    shift: str | None,
    force: bool,
) -> None:
    """Turn a spreadsheet of posts (CSV or Excel .xlsx) into a campaign file.

    Each row becomes a post with a stable id (re-importing the same sheet updates the same posts),
    its time in the campaign's zone, its link added to the text, and its images brought beside the
    campaign (web addresses downloaded, files from elsewhere copied into media/). Rows that cannot
    be read are listed with their row and column and the fix; the others are written. Then check
    the campaign with 'socialpost validate'. Exit status 0 when every row was imported, 2 when some
    or all were not.
    """
    from socialpost.importing import ImportOptions, import_file
    from socialpost.importing.run import summary

    options = ImportOptions(
        source=source,  # type: ignore[arg-type]
        output=output or Path(f"{sheet.stem}.yaml"),
        zone=zone or _default_zone(app),
        campaign=campaign,
        accounts=accounts,
        date_order=date_order,  # type: ignore[arg-type]
        shift=_duration(shift),
        overwrite=force,
    )
    result = import_file(sheet, options, now=app.clock())
    render.echo(summary(result))
    if result.downloaded or result.copied or result.reused:
        render.echo(
            _("Images: {downloaded} downloaded, {copied} copied, {reused} already there, in {folder}.").format(
                downloaded=result.downloaded,
                copied=result.copied,
                reused=result.reused,
                folder=result.output.parent / "media",
            )
        )
    if result.ignored_columns:
        render.echo(
            _("Columns left out (socialpost has no place for them): {columns}.").format(
                columns=", ".join(result.ignored_columns)
            )
        )
    if result.without_alt:
        render.echo(
            ngettext(
                "{count} image has no description (alt text): 'socialpost validate' shows where to write it.",
                "{count} images have no description (alt text): 'socialpost validate' shows where to write them.",
                result.without_alt,
            ).format(count=result.without_alt)
        )
    if result.past:
        render.echo(
            ngettext(
                "{count} post is dated in the past: change its date (or import again with --shift), or "
                "'schedule' refuses it.",
                "{count} posts are dated in the past: change their dates (or import again with --shift), or "
                "'schedule' refuses them.",
                result.past,
            ).format(count=result.past)
        )
    for problem in result.problems:
        render.echo(_("error: {problem}").format(problem=problem), err=True)
    if result.problems:
        render.echo(
            ngettext(
                "{count} row was not imported (above). Fix it in the sheet and import again with --force.",
                "{count} rows were not imported (above). Fix them in the sheet and import again with --force.",
                len(result.problems),
            ).format(count=len(result.problems)),
            err=True,
        )
        click.get_current_context().exit(ExitCode.BAD_INPUT)
    render.echo(_("Next: socialpost validate {file}").format(file=result.output))


def _duration(value: str | None) -> timedelta:
    from socialpost.errors import UsageError
    from socialpost.timeutil import parse_duration

    if value is None:
        return timedelta(0)
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise UsageError(_("--shift: {error}").format(error=exc)) from None


def _default_zone(app: AppContext) -> str:
    from zoneinfo import ZoneInfo

    from socialpost import localtime

    app.reader_zone_ready()
    where = localtime.user_zone()
    if isinstance(where, ZoneInfo):
        return where.key
    raise InputError(
        _("Which time zone are the sheet's times in? Fix: add --timezone, like --timezone America/Montreal.")
    )
