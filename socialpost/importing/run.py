"""One import, from the sheet to a campaign file that validates."""

from __future__ import annotations

import itertools
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from socialpost.errors import CampaignError, InputError, Problem
from socialpost.i18n import _, ngettext
from socialpost.importing.campaign import ImportedPost, campaign_document, slug
from socialpost.importing.media import Fetcher, MediaPlace, MediaProblem, guarded_fetcher
from socialpost.importing.sources import (
    Columns,
    Field,
    ImportedRow,
    SourceName,
    column_letter,
    columns_of,
    imported_rows,
)
from socialpost.importing.table import read_rows
from socialpost.importing.times import DateOrder, DateProblem, guess_order, read_when
from socialpost.names import ACCOUNT_REF, NAME_PATTERN
from socialpost.timeutil import zone as checked_zone


@dataclass(frozen=True)
class ImportOptions:
    """What the user chose (``socialpost import --help``)."""

    source: SourceName
    output: Path
    zone: str
    campaign: str | None = None
    accounts: tuple[str, ...] = ()
    date_order: DateOrder | None = None
    shift: timedelta = timedelta(0)  # moves every post (a past campaign run again: 52w keeps the weekdays)
    overwrite: bool = False
    fetcher: Fetcher = guarded_fetcher


@dataclass
class ImportResult:
    """What was written, and every row that was not."""

    output: Path
    campaign: str
    posts: int
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    downloaded: int = 0
    copied: int = 0
    reused: int = 0
    without_alt: int = 0
    past: int = 0


def import_file(sheet: Path, options: ImportOptions, *, now: datetime | None = None) -> ImportResult:
    """Read ``sheet``, write the campaign to ``options.output``; raise :class:`InputError` when no
    post at all could be read (nothing is written then)."""
    tz = _zone(options.zone)
    for account in options.accounts:
        if not ACCOUNT_REF.match(account):
            raise InputError(
                _("--account '{value}' is not an account. Fix: write it as network:name, like mastodon:cafe.").format(
                    value=account
                )
            )
    if options.output.exists() and not options.overwrite:
        raise InputError(
            _(
                "{path} already exists. Fix: choose another file with -o, or add --force to replace it (post ids "
                "stay the same on re-import, so the queue updates rather than duplicates)."
            ).format(path=options.output)
        )
    rows = read_rows(sheet)
    columns, first = columns_of(options.source, rows, str(sheet))
    data = list(imported_rows(columns, itertools.chain([first] if first else [], rows)))
    order = options.date_order or guess_order(r.when for r in data if isinstance(r.when, str))
    place = MediaPlace(options.output.resolve().parent, sheet.resolve().parent, options.fetcher)
    problems: list[Problem] = []
    posts: list[ImportedPost] = []
    for row in data:
        try:
            posts.append(_post(row, tz, order, place, options.accounts))
        except _RowProblem as problem:
            problems.append(
                Problem(str(sheet), row.line, row.column(problem.column), _row_message(row, problem, columns))
            )
    if columns.report:
        posts = _regrouped(posts)
    for post in posts:
        post.when += options.shift  # wall time: the same clock time on the new day, whatever DST does
    if not posts:
        raise CampaignError(problems or [Problem(str(sheet), 0, 0, _("the sheet has no post."))])
    accounts = list(options.accounts) or _all_accounts(posts)
    if not accounts:
        raise InputError(
            _(
                "{path}: which accounts should these posts go to? The sheet does not say. Fix: add --account "
                "network:name (once per account), like --account mastodon:cafe."
            ).format(path=sheet)
        )
    name = options.campaign or slug(sheet.stem) or "imported"
    if not re.match(NAME_PATTERN, name):
        raise InputError(
            _("--campaign '{value}' is not a campaign name. Fix: use letters, digits, '-', '_' and '.'.").format(
                value=name
            )
        )
    header = [
        _("Imported by socialpost from {sheet} ({source} format).").format(sheet=sheet.name, source=options.source),
        _("Check it: socialpost validate {file}").format(file=options.output.name),
    ]
    text = campaign_document(name=name, zone=options.zone, accounts=accounts, posts=posts, header=header)
    _write_checked(options.output, text)
    wall_now = (now or datetime.now(tz)).astimezone(tz).replace(tzinfo=None)
    return ImportResult(
        output=options.output,
        campaign=name,
        posts=len(posts),
        problems=problems,
        ignored_columns=columns.ignored,
        downloaded=place.downloaded,
        copied=place.copied,
        reused=place.reused,
        without_alt=sum(1 for p in posts for _file, alt in p.media if not alt),
        past=sum(1 for p in posts if p.when <= wall_now),
    )


class _RowProblem(Exception):
    def __init__(self, column: Field, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _post(
    row: ImportedRow, tz: ZoneInfo, order: DateOrder | None, place: MediaPlace, accounts: tuple[str, ...]
) -> ImportedPost:
    text = row.text.strip()
    if not text:
        raise _RowProblem("text", _("the post has no text. Fix: write it, or delete the row."))
    if row.link and row.link not in text:
        text = f"{text}\n{row.link}"
    try:
        when = read_when(row.when, order=order)
    except DateProblem as exc:
        raise _RowProblem("when", str(exc)) from None
    if when.tzinfo is not None:
        when = when.astimezone(tz).replace(tzinfo=None)
    bad = [a for a in row.accounts if not ACCOUNT_REF.match(a)]
    if bad:
        raise _RowProblem(
            "accounts",
            _("'{value}' is not an account. Fix: write it as network:name, like mastodon:cafe.").format(value=bad[0]),
        )
    media = []
    for index, value in enumerate(row.media):
        try:
            file = place.bring(value)
        except MediaProblem as exc:
            raise _RowProblem("media", str(exc)) from None
        alt = row.alt[index] if index < len(row.alt) else ""
        media.append((file, alt))
    return ImportedPost(
        row=row.number,
        when=when,
        text=text,
        media=media,
        accounts=list(accounts) or list(dict.fromkeys(row.accounts)),
        id_hint=row.id,
    )


def _row_message(row: ImportedRow, problem: _RowProblem, columns: Columns) -> str:
    where = columns.where.get(problem.column)
    column = columns.name(where) if where is not None else column_letter(0)
    return _("row {row}, column {column}: {problem}").format(row=row.number, column=column, problem=problem.message)


def _regrouped(posts: list[ImportedPost]) -> list[ImportedPost]:
    """``report --csv`` has a row per post and account: one post per id and time again, with the
    accounts it went to; an account whose text differed keeps it as its variant."""
    groups: dict[tuple[str, datetime], list[ImportedPost]] = {}
    for post in posts:
        groups.setdefault((post.id_hint, post.when), []).append(post)
    merged = []
    for group in groups.values():
        texts = [p.text for p in group]
        common = max(dict.fromkeys(texts), key=texts.count)  # ties: the first, in the sheet's order
        head = group[0]
        accounts = list(dict.fromkeys(a for p in group for a in p.accounts))
        variants = {a: p.text for p in group if p.text != common for a in p.accounts}
        merged.append(
            ImportedPost(
                row=head.row,
                when=head.when,
                text=common,
                media=head.media,
                accounts=accounts,
                id_hint=head.id_hint,
                variants=variants,
            )
        )
    return merged


def _all_accounts(posts: list[ImportedPost]) -> list[str]:
    return list(dict.fromkeys(a for p in posts for a in p.accounts))


def _zone(name: str) -> ZoneInfo:
    try:
        return checked_zone(name)
    except ValueError as exc:
        raise InputError(_("--timezone: {error}").format(error=exc)) from None


def _write_checked(output: Path, text: str) -> None:
    """Write atomically, then load the file as ``validate`` would: what we write must be a campaign."""
    from socialpost.campaign.load import read_campaign

    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=output.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        loaded, problems = read_campaign(output, text=text)
        if loaded is None or problems:
            raise CampaignError(problems)
        os.replace(temporary, output)
    finally:
        Path(temporary).unlink(missing_ok=True)


def summary(result: ImportResult) -> str:
    """One sentence on what was written (the CLI adds the problems)."""
    return ngettext(
        "Wrote {count} post to {path} (campaign {campaign}).",
        "Wrote {count} posts to {path} (campaign {campaign}).",
        result.posts,
    ).format(count=result.posts, path=result.output, campaign=result.campaign)
