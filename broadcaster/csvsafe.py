"""CSV that spreadsheets open as data, never as formulas.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken as a formula
by Excel, LibreOffice and Google Sheets (``=HYPERLINK(...)`` in a poll option becomes a live link
in an officer's spreadsheet). Every CSV the project writes goes through :func:`csv_text`, which
prefixes such a text cell with an apostrophe (OWASP's advice: the cell then shows the text as
typed). Numbers are written as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value``, with an apostrophe in front when it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    """``rows`` as CSV text, every text cell neutralised (see the module docstring)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()


__all__ = ["FORMULA_STARTS", "csv_text", "safe_cell"]
