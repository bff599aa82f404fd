"""Which column holds what, for each tool whose export or bulk-upload sheet we read.

* ``buffer`` — Buffer's bulk-upload sheet: a header row with ``Text``, ``Image URL``, ``Tags`` and
  ``Posting Time`` (Buffer's tags have no equivalent here and are left out, said once);
* ``hootsuite`` — Hootsuite's bulk composer sheet: no header row; column A the date and time, B the
  message, C an optional link (Hootsuite adds it to the message; so do we);
* ``generic`` — any sheet with a header row, its columns named in English or French (``text`` /
  ``texte``, ``date``, ``link`` / ``lien``, ``image``, ``alt``, ``id``, ``accounts`` / ``comptes``…);
  ``socialpost report --csv`` is one of them (its ``text``, ``local_time``, ``id`` and
  ``account``), so a report of sent posts comes back as a new campaign.

A source only says where things are; reading dates and fetching images is the caller's job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from socialpost.errors import InputError
from socialpost.i18n import _
from socialpost.importing.table import Cell, Row

SourceName = Literal["buffer", "hootsuite", "generic"]
SOURCES: tuple[SourceName, ...] = ("buffer", "hootsuite", "generic")

Field = Literal["text", "when", "link", "media", "alt", "id", "accounts"]

# header names (compared lower-case, spaces, dashes and underscores ignored) → field
_GENERIC: dict[str, Field] = {
    **dict.fromkeys(("text", "message", "content", "caption", "post", "posttext", "body", "texte"), "text"),
    **dict.fromkeys(
        (
            "at",
            "date",
            "when",
            "time",
            "datetime",
            "dateandtime",
            "postingtime",
            "scheduledat",
            "scheduledtime",
            "publishat",
            "localtime",
            "dateheure",
            "heure",
        ),
        "when",
    ),
    **dict.fromkeys(("link", "linkurl", "article", "lien"), "link"),
    **dict.fromkeys(
        ("media", "image", "images", "imageurl", "imageurls", "mediaurl", "mediaurls", "photo", "picture"),
        "media",
    ),
    **dict.fromkeys(("alt", "alttext", "imagealt", "textealternatif"), "alt"),
    **dict.fromkeys(("id", "postid"), "id"),
    **dict.fromkeys(
        ("accounts", "account", "profile", "profiles", "channel", "channels", "comptes", "compte"), "accounts"
    ),
}
_BUFFER: dict[str, Field] = {"text": "text", "imageurl": "media", "postingtime": "when"}
_BUFFER_IGNORED = {"tags"}
_REPORT_COLUMNS = {"campaign", "id", "account", "status", "text"}
_HOOTSUITE: tuple[Field, ...] = ("when", "text", "link")

_SEPARATORS = re.compile(r"[\s,]+")


@dataclass
class Columns:
    """Where each field is (0-based column index) and which header cells were left out."""

    where: dict[Field, int]
    ignored: list[str] = field(default_factory=list)
    header: bool = True
    report: bool = False  # the sheet is `socialpost report --csv`
    names: dict[int, str] = field(default_factory=dict)  # the header's own words, for messages

    def name(self, index: int) -> str:
        letter = column_letter(index)
        word = self.names.get(index)
        return f"{letter} ({word})" if word else letter


@dataclass
class ImportedRow:
    """A spreadsheet row as fields (raw cells; the caller reads dates and fetches images)."""

    number: int
    line: int
    when: Cell
    text: str
    link: str = ""
    media: list[str] = field(default_factory=list)
    alt: list[str] = field(default_factory=list)
    id: str = ""
    accounts: list[str] = field(default_factory=list)
    columns: Columns | None = None

    def column(self, name: Field) -> int:
        where = self.columns.where.get(name, 0) if self.columns else 0
        return where + 1


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the letter a spreadsheet shows."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _key(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", header.strip().lower())


def columns_of(source: SourceName, rows: Iterator[Row], path: str) -> tuple[Columns, Row | None]:
    """The columns of the sheet, from its header row (read from ``rows``), and the first data row
    when the sheet has no header (Hootsuite's)."""
    first = next((r for r in rows if not r.blank()), None)
    if first is None:
        raise InputError(_("{path}: the sheet is empty. Fix: add one row per post.").format(path=path))
    if source == "hootsuite":
        from socialpost.importing.times import DateProblem, read_when

        try:
            read_when(first.cell(0), order="dmy")
        except DateProblem:
            if isinstance(first.cell(0), str) and not any(ch.isdigit() for ch in str(first.cell(0))):
                return Columns(dict(zip(_HOOTSUITE, range(3), strict=True)), header=True), None  # a header row
        return Columns(dict(zip(_HOOTSUITE, range(3), strict=True)), header=False), first
    headers = [str(c).strip() if c is not None else "" for c in first.cells]
    keys = [_key(h) for h in headers]
    names = {i: h for i, h in enumerate(headers) if h}
    if source == "buffer":
        where = {_BUFFER[k]: i for i, k in enumerate(keys) if k in _BUFFER}
        ignored = [h for h, k in zip(headers, keys, strict=True) if h and k not in _BUFFER]
        _require(where, path, first.number, expected="Text, Image URL, Tags, Posting Time", source="Buffer")
        return Columns(where, ignored, names=names), None
    report = set(keys) >= _REPORT_COLUMNS
    where = {}
    ignored = []
    for index, (header, key) in enumerate(zip(headers, keys, strict=True)):
        name = _report_field(key) if report else _GENERIC.get(key)
        if name is None or name in where:
            if header and not (report and key in _REPORT_KNOWN):
                ignored.append(header)
            continue
        where[name] = index
    _require(where, path, first.number, expected="text, date, link, image, alt, id, accounts", source="generic")
    return Columns(where, ignored, report=report, names=names), None


# report --csv: the post's text, its local time (with the offset), its id and its account
_REPORT: dict[str, Field] = {"text": "text", "localtime": "when", "id": "id", "account": "accounts"}
_REPORT_KNOWN = frozenset(
    {"campaign", "network", "status", "dueat", "sentat", "url", "reason", "collectedat", "sentatlocal"}
)


def _report_field(key: str) -> Field | None:
    return _REPORT.get(key)


def _require(where: dict[Field, int], path: str, line: int, *, expected: str, source: str) -> None:
    if "text" not in where:
        raise InputError(
            _(
                "{path}:{line}: no column holds the posts' text in this {source} sheet. Fix: name the header "
                "cells as the sheet's tool does ({expected}), or choose the right --from."
            ).format(path=path, line=line, source=source, expected=expected)
        )


def imported_rows(columns: Columns, rows: Iterable[Row]) -> Iterator[ImportedRow]:
    """Each non-blank data row as fields."""
    for row in rows:
        if row.blank():
            continue
        yield ImportedRow(
            number=row.number,
            line=row.line,
            when=_at(row, columns, "when"),
            text=_text(row, columns, "text"),
            link=_text(row, columns, "link").strip(),
            media=_list(_text(row, columns, "media")),
            alt=[a.strip() for a in _text(row, columns, "alt").split(" | ")] if "alt" in columns.where else [],
            id=_text(row, columns, "id").strip(),
            accounts=_list(_text(row, columns, "accounts")),
            columns=columns,
        )


def _at(row: Row, columns: Columns, name: Field) -> Cell:
    index = columns.where.get(name)
    return None if index is None else row.cell(index)


def _text(row: Row, columns: Columns, name: Field) -> str:
    value = _at(row, columns, name)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if name == "text" and columns.report and text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]  # report --csv guards formulas with a leading quote
    return text


def _list(value: str) -> list[str]:
    return [part for part in _SEPARATORS.split(value.strip()) if part]
