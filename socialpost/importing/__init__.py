"""Posts from a spreadsheet: ``socialpost import FILE --from buffer|hootsuite|generic``.

A spreadsheet (CSV or XLSX) becomes a campaign file that validates:

* :mod:`.table` reads the rows (CSV in any common delimiter and encoding, XLSX with openpyxl);
* :mod:`.sources` knows each tool's documented columns and turns a row into an :class:`ImportedRow`;
* :mod:`.times` reads the date cells (each tool's documented formats, Excel's own dates);
* :mod:`.media` brings each image into the campaign's folder (URLs through the guarded fetcher);
* :mod:`.campaign` writes the campaign: one post per row, its id stable on re-import.

Rows that cannot be read are reported (row number, column, the fix) and left out; the rows that
could be read are still written, so nothing typed in the spreadsheet is lost without a word.
"""

from __future__ import annotations

from socialpost.importing.run import ImportOptions, ImportResult, import_file

__all__ = ["ImportOptions", "ImportResult", "import_file"]
