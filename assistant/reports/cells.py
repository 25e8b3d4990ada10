"""Writing untrusted text into spreadsheets and CSV safely; one rule set for every report.

File names, quotes and comments come from outside. C0 control characters that PDF extraction leaves
behind are dropped (no format can show them, and openpyxl refuses them), and text that a
spreadsheet would evaluate as a formula is kept as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def csv_cell(value: object) -> str:
    """A leading quote makes a spreadsheet opening the CSV show the text instead of evaluating it."""
    text = clean(str(value))
    return "'" + text if text.startswith(_CSV_FORMULA_START) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with BOM: without it Excel on Japanese Windows reads the file as Shift_JIS."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def put(ws: Worksheet, row: int, column: int, value: str | int | None) -> None:
    """Strings stay strings: text from a plan that starts with '=' must not become a live formula."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = clean(value)
        cell.data_type = "s"
    else:
        cell.value = value
