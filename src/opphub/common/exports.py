"""Every spreadsheet the product writes (Excel and CSV) goes through here.

A column has a header and a kind; rows are any iterable of sequences (a generator is fine: the Excel
writer streams in openpyxl's write-only mode and the CSV writer streams the response).

Text is always text: a rep can type ``=HYPERLINK("http://evil", "点我")`` or ``=cmd|' /C calc'!A0`` into a
customer name, and a spreadsheet program must show those characters, not run them.

- Excel: a text column's cell is written as a string cell (``data_type = "s"``, an inline string), never
  a formula, whatever it starts with; a value starting with ``= + - @``, a tab or a carriage return also
  gets the cell style ``quotePrefix`` so that editing the cell in Excel does not turn it into a formula
  either. The value read back is exactly what was typed (characters XML cannot hold are dropped and a
  carriage return is a line break, as XML itself reads it).
- CSV: such a value is prefixed with ``'`` (the usual neutraliser; Excel shows the apostrophe); the file
  is UTF-8 with a byte-order mark, so that Excel in a Chinese locale opens it as UTF-8.

Numbers, money and dates stay real numbers and dates (with a number format), so that sums and filters
work. The header row is bold, frozen and has an autofilter; columns get a width.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any, Literal

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

Kind = Literal["text", "integer", "number", "money", "date", "datetime"]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
DANGEROUS_LEADS = ("=", "+", "-", "@", "\t", "\r")
NUMBER_FORMATS: dict[str, str] = {
    "integer": "0",
    "number": "#,##0.##",
    "money": "#,##0.00",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
DEFAULT_WIDTHS: dict[str, int] = {"text": 24, "integer": 10, "number": 14, "money": 16, "date": 12, "datetime": 17}
MAX_SHEET_TITLE = 31  # Excel's limit
_BAD_TITLE_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


@dataclass(frozen=True)
class Column:
    """One column: its header (already translated), what it holds, and optionally its width in characters."""

    header: str
    kind: Kind = "text"
    width: int | None = None

    @property
    def display_width(self) -> int:
        return self.width or max(DEFAULT_WIDTHS[self.kind], min(len(self.header) * 2 + 2, 40))


def is_dangerous(text: str) -> bool:
    """Would a spreadsheet program read this text as a formula (or a command) if typed into a cell?"""
    return text.startswith(DANGEROUS_LEADS)


def csv_text(text: str) -> str:
    """A text value for a CSV cell: prefixed with ``'`` when it would otherwise start a formula."""
    return "'" + text if is_dangerous(text) else text


def _text(value: Any) -> str:
    return str(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def _local_naive(value: dt.datetime) -> dt.datetime:
    """Excel has no time zones: aware datetimes are shown in the server's local time."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


def _typed(value: Any, kind: Kind) -> Any:
    """The value as the kind wants it; anything that is not of that kind is written as text."""
    if value is None or value == "":
        return None
    if kind in ("integer", "number", "money") and isinstance(value, int | float | Decimal) and not isinstance(
        value, bool
    ):
        return value
    if kind == "datetime" and isinstance(value, dt.datetime):
        return _local_naive(value)
    if kind == "date" and isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    return _text(value)


def _xlsx_cell(ws: Any, value: Any, kind: Kind) -> WriteOnlyCell | None:
    typed = _typed(value, kind)
    if typed is None:
        return None
    cell = WriteOnlyCell(ws)
    if isinstance(typed, str):
        typed = typed.replace("\r\n", "\n").replace("\r", "\n")  # what XML keeps of a carriage return anyway
        cell.value = typed
        cell.data_type = "s"  # never "f": the cell holds the typed characters, whatever they start with
        if is_dangerous(typed):
            cell.quotePrefix = True
        if "\n" in typed:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    else:
        cell.value = typed
        cell.number_format = NUMBER_FORMATS[kind]
    return cell


def _sheet_title(title: str) -> str:
    return (title.translate(_BAD_TITLE_CHARS).strip() or "Sheet")[:MAX_SHEET_TITLE]


def xlsx_write(target: Any, *, title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> None:
    """One sheet into ``target`` (a path or a binary file): a bold, frozen, filtered header row and the
    rows, written in openpyxl's write-only (streaming) mode, so rows are never all held in memory."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_title(title))
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.display_width
    ws.freeze_panes = "A2"
    last = get_column_letter(max(len(columns), 1))
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=_text(column.header))
        cell.data_type = "s"
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    count = 0
    for row in rows:
        ws.append([_xlsx_cell(ws, value, column.kind) for value, column in zip(row, columns, strict=True)])
        count += 1
    ws.auto_filter.ref = f"A1:{last}{count + 1}"
    wb.save(target)


def xlsx_bytes(*, title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = BytesIO()
    xlsx_write(buffer, title=title, columns=columns, rows=rows)
    return buffer.getvalue()


def _attachment(filename: str) -> str:
    return f'attachment; filename="{filename}"'


def xlsx_response(*, filename: str, title: str, columns: Sequence[Column],
                  rows: Iterable[Sequence[Any]]) -> FileResponse:
    """The workbook is written to an anonymous temporary file and streamed from there (closed, and so
    deleted, when the download ends): a large export never sits in memory as one bytes object."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115  # FileResponse closes it
    try:
        xlsx_write(handle, title=title, columns=columns, rows=rows)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def _csv_value(value: Any, kind: Kind) -> str:
    typed = _typed(value, kind)
    if typed is None:
        return ""
    if isinstance(typed, str):
        return csv_text(typed)
    if isinstance(typed, dt.datetime):
        return typed.strftime("%Y-%m-%d %H:%M")
    if isinstance(typed, dt.date):
        return typed.isoformat()
    return str(typed)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(*, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text line by line, starting with the UTF-8 byte-order mark and the header."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([csv_text(_text(c.header)) for c in columns])
    for row in rows:
        yield writer.writerow([_csv_value(value, column.kind) for value, column in zip(row, columns, strict=True)])


def csv_response(*, filename: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(columns=columns, rows=rows)), content_type=CSV_CONTENT_TYPE
    )
    response["Content-Disposition"] = _attachment(filename)
    return response
