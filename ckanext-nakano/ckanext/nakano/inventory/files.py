"""The register as the files clerks keep: CSV (UTF-8, UTF-8 with BOM, CP932) and XLSX, read
and written with the Japanese headers of schemas/inventory.yaml.

A file is recognised by its bytes, not its name (an .xlsx is a ZIP; Excel 97's .xls is
refused with what to do). The header row is the first of the top rows in which at least
two cells name fields, so an explanatory row above it is skipped; blank rows anywhere are
skipped. Cells Excel would run as formulas are written with a leading ``'``
(spreadsheet_safety.py) and read back without it.
"""
from __future__ import annotations

import csv
import datetime
import io
import itertools
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from .. import spreadsheet_safety
from . import schema
from .values import Unreadable, clean

__all__ = ["Table", "read", "write_csv", "write_xlsx", "HEADER_SEARCH_ROWS", "MAX_ROWS"]

HEADER_SEARCH_ROWS = 10
MAX_ROWS = 50_000
MAX_COLUMNS = 200            # a register has about twenty; a sheet padded to XFD is cut here
MAX_UNCOMPRESSED = 200 * 1024 * 1024   # an XLSX's parts, unpacked (zip bombs)
MAX_RATIO = 200
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"     # Excel 97-2003 (.xls)


@dataclass
class Table:
    """The rows under the header: (row number in the file, {field: cell}), and the header."""
    header_row: int
    columns: dict[str, str]            # field → the header as written in the file
    rows: list[tuple[int, dict[str, Any]]]


def _decoded(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp932")
    except UnicodeDecodeError as exc:
        raise Unreadable("inventory-bad-encoding") from exc


def _csv_rows(content: bytes) -> Iterator[list[Any]]:
    text = _decoded(content)
    if "\x00" in text:
        raise Unreadable("inventory-unreadable-file")
    top = text[:4096]
    # Excel's "Unicode text" is tab-separated; everything else here is comma-separated.
    delimiter = "\t" if "\t" in top and "," not in top else ","
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield row[:MAX_COLUMNS]


def _unpacked_size_ok(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile:
        return False
    size = sum(i.file_size for i in infos)
    return size <= MAX_UNCOMPRESSED and size / max(1, sum(i.compress_size for i in infos)) <= MAX_RATIO


def _xlsx_rows(content: bytes) -> Iterator[list[Any]]:
    if not _unpacked_size_ok(content):
        raise Unreadable("inventory-unreadable-file")
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise Unreadable("inventory-unreadable-file") from exc
    try:
        # The first sheet that has a header row (a cover sheet may come first).
        chosen = book.worksheets[0] if book.worksheets else None
        for sheet in book.worksheets:
            top = [list(r)[:MAX_COLUMNS] for r in itertools.islice(sheet.iter_rows(values_only=True),
                                                                   HEADER_SEARCH_ROWS)]
            if _header(top) is not None:
                chosen = sheet
                break
        if chosen is not None:
            for row in chosen.iter_rows(values_only=True):
                yield list(row)[:MAX_COLUMNS]
    finally:
        book.close()


def _cell(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value
    text = clean(value)
    if text.startswith("'") and spreadsheet_safety.is_formula_like(text[1:]):
        return text[1:]
    return text


def _header(rows: list[list[Any]]) -> int | None:
    known = schema.header_fields()
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        named = [known.get(schema.normalised_header(cell)) for cell in row if clean(cell)]
        if sum(1 for n in named if n) >= 2:
            return index
    return None


def read(content: bytes) -> Table:
    """The table of a register file; :class:`Unreadable` when it is none."""
    if content.startswith(_OLE):
        raise Unreadable("inventory-old-excel")
    # Rows are streamed: blank ones (a sheet padded to Excel's last row) are skipped, and a
    # file with more than MAX_ROWS rows of data is refused, never cut.
    stream = iter(_xlsx_rows(content) if content.startswith(_ZIP) else _csv_rows(content))
    top = list(itertools.islice(stream, HEADER_SEARCH_ROWS))
    at = _header(top)
    if at is None:
        raise Unreadable("inventory-no-header")
    known = schema.header_fields()
    columns: dict[str, str] = {}
    positions: list[tuple[int, str]] = []
    for position, cell in enumerate(top[at]):
        name = known.get(schema.normalised_header(cell))
        if name and name not in columns:
            columns[name] = clean(cell)
            positions.append((position, name))
    body: list[tuple[int, dict[str, Any]]] = []
    for number, row in enumerate(itertools.chain(top[at + 1:], stream), start=at + 2):
        if not any(clean(c) for c in row):
            continue
        if len(body) >= MAX_ROWS:
            raise Unreadable("inventory-too-many-rows", limit=MAX_ROWS)
        body.append((number, {name: _cell(row[p]) if p < len(row) else "" for p, name in positions}))
    return Table(header_row=at + 1, columns=columns, rows=body)


def file_cells(values: dict[str, Any], names: list[str], department: str) -> list[Any]:
    """One item as a row of the file: Japanese labels of coded values, lists joined with 、."""
    out: list[Any] = []
    for name in names:
        value = department if name == "department" else values.get(name)
        f = schema.field(name)
        if f.choices and value:
            value = schema.choice_label(name, value, "ja")
        elif isinstance(value, list):
            value = "、".join(value)
        out.append(spreadsheet_safety.excel_safe("" if value is None else value))
    return out


def write_csv(names: list[str], rows: Iterable[list[Any]], extra: list[str] | None = None) -> bytes:
    """UTF-8 with a BOM (Excel opens it as UTF-8), CRLF, the Japanese labels as headers
    (``extra``: headers of columns that are no field)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([schema.field(n).header for n in names] + (extra or []))
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def write_xlsx(names: list[str], rows: Iterable[list[Any]], extra: list[str] | None = None) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("保有データ一覧")
    sheet.append([schema.field(n).header for n in names] + (extra or []))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
