"""The demo command: a campaign end to end, in seconds, with no accounts."""

from __future__ import annotations

from pathlib import Path

import click

from socialpost.cli import render
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.translated import Command
from socialpost.i18n import _


@click.command(cls=Command)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIRECTORY",
    default=Path("socialpost-demo"),
    show_default=True,
    help="Scratch folder for the demo's database and outboxes (never your real queue).",
)
@click.option(
    "--spacing", type=float, metavar="SECONDS", default=1.0, show_default=True, help="Seconds between two posts."
)
@pass_app
def demo(app: AppContext, file: Path, workdir: Path, spacing: float) -> None:
    """Rehearse campaign FILE now: schedule → daemon → status → report, in seconds.

    Every post goes to a local outbox standing in for its real account (x:acme becomes
    outbox:x-acme), starting in a second and SPACING seconds apart, in a scratch database under
    --workdir. A recurring post is rehearsed by its first two occurrences. Your real queue and
    accounts are not touched.
    """
    from datetime import timedelta

    from rich.text import Text

    from socialpost import scheduling
    from socialpost.campaign.expand import expand
    from socialpost.campaign.load import load_campaigns
    from socialpost.rehearsal import rehearse, sandbox_settings

    if not 0 < spacing <= 3600:  # NaN too
        raise click.BadParameter(_("must be between 0 and 3600 seconds"), param_hint="--spacing")
    out = render.console()
    loaded = load_campaigns([file])[0]
    app.use_settings(sandbox_settings(workdir))
    app.store  # noqa: B018 - open (and migrate) the scratch store before the rehearsal's clock starts
    now = app.clock()
    rehearsal, rows = rehearse(loaded, expand(loaded, now=now), start=now, spacing=timedelta(seconds=spacing))
    prepared = [scheduling.Prepared(rehearsal, rows)]
    out.rule(Text(_("1. schedule {file} (rehearsal: every account replaced by a local outbox)").format(file=file)))
    # On a busy machine the first post's two-second head start may be over by now: it then goes at
    # once (the late policy's grace), never refused as "in the past".
    plans = scheduling.schedule(app.store, prepared, now=app.clock(), allow_past=True)
    render.plan_table(plans, title=_("Scheduled"))
    out.rule(_("2. daemon (runs until every post is done)"))
    from socialpost.cli.daemon import run_daemon

    run_daemon(app, names=[p.name for p in prepared], then_exit=False)
    out.rule("3. status")
    from socialpost.report.status import status_summary

    render.status_view(status_summary(app.store, now=app.clock()))
    out.rule("4. report")
    from socialpost.cli.report_view import campaign_tables
    from socialpost.report.posts import campaign_reports

    campaign_tables(render.console(), campaign_reports(app.store), limited=False)  # `socialpost report`'s view
    page = _report_page(app)
    feeds = sorted(str(p) for p in (app.settings.data_dir / "outbox").glob("*/feed.xml"))
    out.print("\n" + _("[bold]Atom feeds[/] (open them in any feed reader):"))
    for feed in feeds:
        out.print(Text(f"  {feed}"))
    calendar_page, preview_page = _pages(app, file, workdir)
    out.print("\n" + _("[bold]Pages[/] (open them in a browser):"))
    # soft_wrap: a path is never cut over two lines (it is copied from the terminal)
    out.print(Text(_("  report:   {file}").format(file=page)), soft_wrap=True)
    out.print(Text(_("  calendar: {file}").format(file=calendar_page)), soft_wrap=True)
    out.print(Text(_("  preview:  {file}").format(file=preview_page)), soft_wrap=True)


def _report_page(app: AppContext) -> Path:
    """The rehearsal's HTML report, as ``socialpost report --html`` writes it, in the workdir."""
    from socialpost.cli.output import write_text_file
    from socialpost.report.aggregate import load_posts
    from socialpost.report.html import report_page

    page = app.settings.data_dir / "report.html"
    posts = load_posts(app.store)
    html = report_page(posts, store=app.store, settings=app.settings, generated_at=app.clock())
    write_text_file(str(page), html, option="--workdir")
    return page


def _pages(app: AppContext, file: Path, workdir: Path) -> tuple[Path, Path]:
    """The rehearsal's calendar, and the campaign file's preview (its real accounts), in ``workdir``."""
    from socialpost.calendar.entries import load_calendar
    from socialpost.calendar.html import build_html as calendar_html
    from socialpost.cli.output import write_text_file
    from socialpost.previewpage import build
    from socialpost.previewpage.html import build_html as preview_html
    from socialpost.report.facts import Filters

    now = app.clock()
    calendar_page = (workdir / "calendar.html").resolve()
    write_text_file(str(calendar_page), calendar_html(load_calendar(app.store, Filters(), now=now)), option="--workdir")
    preview_page = (workdir / "preview.html").resolve()
    page = build.from_file(app.settings, app.store, file, None, account=None, now=now)
    write_text_file(str(preview_page), preview_html(page), option="--workdir")
    return calendar_page, preview_page
