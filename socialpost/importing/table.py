"""Rows of a CSV or XLSX file, each with its spreadsheet row number.

CSV: UTF-8 (with or without the byte-order mark Excel writes), else Windows-1252 — the two a
spreadsheet saves — and the delimiter sniffed among ``,``, ``;`` and tab (French Excel writes
``;``). XLSX: the first sheet, through openpyxl in read-only mode; date cells stay dates.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from socialpost.errors import InputError
from socialpost.i18n import _

Cell = str | datetime | date | time | float | int | None


@dataclass(frozen=True)
class Row:
    """One row: its number as the spreadsheet shows it (1 = the header), the file's line where it
    starts (a CSV cell may hold line breaks; in a workbook it is the row number), and its cells."""

    number: int
    cells: tuple[Cell, ...]
    line: int = 0

    def cell(self, index: int) -> Cell:
        return self.cells[index] if index < len(self.cells) else None

    def blank(self) -> bool:
        return all(c is None or (isinstance(c, str) and not c.strip()) for c in self.cells)


def read_rows(path: Path) -> Iterator[Row]:
    """Every row of ``path`` (blank rows included: their numbers count)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        yield from _xlsx(path)
    elif path.suffix.lower() in (".csv", ".txt", ".tsv"):
        yield from _csv(path)
    else:
        raise InputError(
            _("{path}: socialpost imports .csv and .xlsx files. Fix: save the sheet as CSV or Excel (.xlsx).").format(
                path=path
            )
        )


def _csv(path: Path) -> Iterator[Row]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    dialect = _dialect(text)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    start = 1
    try:
        for number, cells in enumerate(reader, start=1):
            yield Row(number, tuple(cells), start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(
            _("{path}:{line}: the CSV cannot be read ({error}). Fix: save the sheet again as CSV (UTF-8).").format(
                path=path, line=reader.line_num, error=exc
            )
        ) from None


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    sample = text[:20_000]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _xlsx(path: Path) -> Iterator[Row]:
    from zipfile import BadZipFile

    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(
            _("{path}: this is not an Excel workbook ({error}). Fix: save it again as .xlsx.").format(
                path=path, error=exc.__class__.__name__
            )
        ) from None
    try:
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield Row(number, tuple(_cell(v) for v in values), number)
    finally:
        book.close()


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, str | datetime | date | time | float | int):
        return value
    return str(value)
