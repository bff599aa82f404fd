"""`socialpost show` and `plan --full`: every account's post in full, exactly as it will be sent.

Texts are printed as rich ``Text`` (never markup, see ``render``), each part at the start of its
own lines and never wrapped by socialpost (``soft_wrap``), so what is copied from the terminal is
what will be sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from socialpost.cli import render
from socialpost.cli.completion import complete_accounts, complete_posts_or_files
from socialpost.cli.context import AppContext, pass_app
from socialpost.cli.options import json_option
from socialpost.cli.translated import Command
from socialpost.errors import UsageError
from socialpost.i18n import _, ngettext
from socialpost.i18n.formats import decimal, integer
from socialpost.localtime import local_text
from socialpost.report.labels import queue_state

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from socialpost.preview import MediaFile, Part, Preview
    from socialpost.store.sync_plan import Plan

CAMPAIGN_SUFFIXES = (".yaml", ".yml")


@click.command(cls=Command)
@click.argument("target", metavar="CAMPAIGN/POST-ID|FILE", shell_complete=complete_posts_or_files)
@click.argument("post", metavar="[POST-ID]", required=False)
@click.option(
    "--account",
    metavar="NETWORK:NAME",
    help="Only this account (same as @NETWORK:NAME after the post's id).",
    shell_complete=complete_accounts,
)
@json_option
@pass_app
def show(app: AppContext, target: str, post: str | None, account: str | None, json_: bool) -> None:
    """Print a post in full for each account, exactly as it will be sent.

    \b
    socialpost show CAMPAIGN/POST-ID[@OCCURRENCE][@NETWORK:NAME]   a post in the queue
    socialpost show FILE [POST-ID[@OCCURRENCE][@NETWORK:NAME]]      a campaign file (not yet scheduled)

    Each account's text with its variant and UTM tags applied, thread parts numbered, each part's
    length against the account's limit (as validate counts it), the media with their alt text, the
    time in the campaign's zone and in UTC, and the post's state in the queue. A recurring post
    shows its next occurrence; name another with @OCCURRENCE, as status writes it.
    """
    from socialpost.preview import Previewer

    now = app.clock()
    with Previewer(app.settings) as previewer:
        if is_campaign_file(target):
            previews = previewer.from_file(app.store, Path(target), post, account=account, now=now)
        else:
            if post is not None:
                raise UsageError(
                    _("'{target}' is not a campaign file, so '{post}' cannot be a post in it.").format(
                        target=target, post=post
                    ),
                    hint=_("Write a post in the queue as CAMPAIGN/POST-ID, or give a campaign file and a POST-ID."),
                )
            from socialpost.store.actions import PostRef

            previews = previewer.from_queue(app.store, PostRef.parse(target, account=account), now=now)
    if json_:
        render.echo_json({"posts": [p.as_json() for p in previews]})
    else:
        previews_view(previews)


def is_campaign_file(target: str) -> bool:
    """A campaign file when such a file exists or the name ends like one (then a missing file is
    reported as such); anything else is a post in the queue."""
    return Path(target).is_file() or target.lower().endswith(CAMPAIGN_SUFFIXES)


def full_plan(
    app: AppContext, plans: list[Plan], *, json_: bool, title: str, extra: dict[str, object] | None = None
) -> None:
    """`plan --full`: every line of the plan with its post in full (``extra``: more keys of its JSON)."""
    from socialpost.preview import Previewer

    with Previewer(app.settings) as previewer:
        previews = previewer.from_plans(app.store, plans, now=app.clock())
    if json_:
        render.echo_json({"posts": [p.as_json() for p in previews], **(extra or {})})
        return
    from rich.text import Text

    out = render.console()
    out.print(Text(title, style="bold"))
    out.print()
    previews_view(previews, out=out, plan=True)
    out.print(render.plan_totals(plans))


def previews_view(previews: list[Preview], *, out: Console | None = None, plan: bool = False) -> None:
    """Each preview: what and where, when, every part in full with its length, media, notes.
    ``plan``: say what `schedule` does to each (else: its state in the queue)."""
    out = out or render.console()
    for preview in previews:
        _one(out, preview, plan=plan)
        out.print()


def _one(out: Console, preview: Preview, *, plan: bool) -> None:
    from rich.padding import Padding
    from rich.text import Text

    out.print(Text.assemble((preview.ref, "bold"), " · ", _action(preview) if plan else _state(preview)))
    local = local_text(preview.due_at, preview.local_time.tzinfo)  # the zone named as status names it
    utc = render._when(preview.due_at.isoformat()).removesuffix(" +00:00")
    if local.endswith(" " + preview.timezone):  # the label is the zone's name already (Asia/Kolkata)
        out.print(Text(_("  {local} · {utc} UTC").format(local=local, utc=utc)))
    else:
        out.print(Text(_("  {local} ({zone}) · {utc} UTC").format(local=local, zone=preview.timezone, utc=utc)))
    if preview.url:
        out.print(Text(_("  link: {url}").format(url=preview.url)))
    if preview.reason and preview.status == "sent":  # out, with something the user should know (Published.note)
        out.print(Text(_("  note: {reason}").format(reason=preview.reason), style="yellow"))
    elif preview.reason:
        out.print(Text(_("  last error: {reason}").format(reason=preview.reason), style="red"))
    count = len(preview.parts)
    for part in preview.parts:
        out.print(_part_heading(part, count))
        out.print(Text(part.text), soft_wrap=True)
    for media in preview.media:
        _media(out, media)
    if preview.video is not None:
        title = str(preview.video.get("title") or "")
        out.print(Text(_("  video title: {title}").format(title=title)))
        for label, file in ((_("video"), preview.video_file), (_("thumbnail"), preview.thumbnail)):
            if file is not None:
                _media(out, file, label=label, alt=False)
    if preview.pin is not None:
        out.print(Text(_("  pin to the board: {board}").format(board=preview.pin.get("board") or "?")))
        for key, label in (("title", _("  pin title: {value}")), ("link", _("  pin link: {value}"))):
            if preview.pin.get(key):
                out.print(Text(label.format(value=preview.pin[key])))
    _network_blocks(out, preview)
    for note in preview.notes:
        out.print(Padding(Text(_("note: {note}").format(note=note), style="dim"), (0, 0, 0, 2), expand=False))
    if preview.more:
        out.print(Text(_more(preview), style="dim"))


def _network_blocks(out: Console, preview: Preview) -> None:
    """What one network sends beside the text: Instagram's first comment and reel cover, Google
    Business Profile's event, offer and button."""
    from rich.text import Text

    if preview.first_comment is not None:
        out.print(
            Text(
                _("  first comment · {length} characters").format(length=integer(len(preview.first_comment))),
                style="dim",
            )
        )
        out.print(Text(preview.first_comment), soft_wrap=True)
    if preview.cover is not None:
        _media(out, preview.cover, label=_("cover"), alt=False)
    for block, label in ((preview.event, _("  event: {title}")), (preview.offer, _("  offer: {title}"))):
        if block is None:
            continue
        out.print(Text(label.format(title=block.get("title") or "")))
        out.print(Text(_("    from {start} to {end}").format(start=_day(block, "start"), end=_day(block, "end"))))
        for key, line in (
            ("coupon", _("    coupon code: {value}")),
            ("url", _("    redeem online: {value}")),
            ("terms", _("    terms: {value}")),
        ):
            if block.get(key):
                out.print(Text(line.format(value=block[key])))
    if preview.button is not None:
        action = str(preview.button.get("action") or "")
        if preview.button.get("url") and action != "CALL":
            out.print(Text(_("  button: {action} → {url}").format(action=action, url=preview.button["url"])))
        else:
            out.print(Text(_("  button: {action}").format(action=action)))


def _day(block: dict[str, object], end: str) -> str:
    """An event's or offer's start or end: its date, and its time when it has one."""
    day, time = block.get(f"{end}_date"), block.get(f"{end}_time")
    return f"{day} {time}" if time else str(day or "?")


def _action(preview: Preview) -> Text:
    """What `schedule` does to the post, as `plan` says it (with its state when it went out)."""
    from rich.text import Text

    action = preview.action or "unchanged"
    label = f"{action} ({queue_state(preview.status)})" if preview.status in render.GONE_OUT else action
    return Text(label, style=render.ACTION_STYLE.get(action, ""))


def _state(preview: Preview) -> Text:
    """The post's state in the queue, and whether the file changed it since it was scheduled."""
    from rich.text import Text

    if preview.status is None:
        return Text(_("not scheduled"), style="yellow")
    state = Text(queue_state(preview.status), style=render.STATUS_STYLE.get(preview.status, ""))
    if preview.action == "update":
        state.append(" · ")
        state.append(_("the file differs from the queue: 'socialpost schedule' updates it"), style="yellow")
    return state


def _part_heading(part: Part, count: int) -> Text:
    from rich.text import Text

    lengths = "; ".join(
        _("{length} / {limit} {unit}").format(length=integer(m.value), limit=integer(m.limit), unit=_(m.what))
        for m in part.measures
    )
    if not part.measures:
        lengths = _("{length} characters, no limit").format(length=integer(len(part.text)))
    if count > 1:
        heading = _("  part {number}/{count} · {lengths}").format(number=part.number, count=count, lengths=lengths)
    else:
        heading = _("  text · {lengths}").format(lengths=lengths)
    line = Text(heading, style="dim")
    for measure in part.measures:
        if measure.over:
            line.append(" ")
            line.append(
                _("— {over} over the limit").format(over=integer(measure.over)) + f" ({_(measure.what)})",
                style="bold red",
            )
    return line


def _media(out: Console, media: MediaFile, *, label: str | None = None, alt: bool = True) -> None:
    """A media line (its type and size, or why the daemon will refuse it) and its alt text."""
    from rich.text import Text

    if label is None:
        label = _("video") if (media.type or "").startswith("video/") else _("image")
    if media.problem is not None:
        out.print(Text(_("  {label}: {file}").format(label=label, file=media.shown)))
        out.print(Text(f"    {media.problem}", style="bold red"))
    else:
        size = _size(media.size or 0)
        out.print(
            Text(
                _("  {label}: {file} ({type}, {size})").format(
                    label=label, file=media.shown, type=media.type, size=size
                )
            )
        )
    if not alt:
        return
    if media.alt:
        out.print(Text(_("    alt text: {alt}").format(alt=media.alt)))
    else:
        out.print(Text(_("    no alt text"), style="yellow"))


def _size(size: int) -> str:
    if size < 1_000_000:
        return _("{size} kB").format(size=decimal(size / 1000))
    return _("{size} MB").format(size=decimal(size / 1_000_000))


def _more(preview: Preview) -> str:
    return ngettext(
        "  … and {count} more occurrence of this post on {account}: name one with @OCCURRENCE, as "
        "'socialpost status' or 'plan' write it.",
        "  … and {count} more occurrences of this post on {account}: name one with @OCCURRENCE, as "
        "'socialpost status' or 'plan' write it.",
        preview.more,
    ).format(count=integer(preview.more), account=preview.account)
