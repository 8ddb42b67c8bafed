"""Rows of a CSV or XLSX file, streamed, with the structure facts a report needs."""
from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import openpyxl

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
ZIP_MAGIC = b"PK\x03\x04"

csv.field_size_limit(10 * 1024 * 1024)


class Unreadable(Exception):
    """The file cannot be read as a table: ``code`` names the message."""

    def __init__(self, code: str, **values: object):
        super().__init__(code)
        self.code, self.values = code, values


def sniff_format(path: Path, filename: str) -> str:
    """"xlsx" for a workbook (also one named .csv), else "csv"."""
    with path.open("rb") as stream:
        head = stream.read(4)
    if head == ZIP_MAGIC:
        return "xlsx"
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise Unreadable("not-a-spreadsheet", detail="not a zip/OOXML file")
    return "csv"


def has_nul_bytes(path: Path, sample: int = 1 << 16) -> bool:
    with path.open("rb") as stream:
        data = stream.read(sample)
    # UTF-16 text has NULs by nature; it starts with a BOM.
    return b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff"))


def csv_rows(path: Path, encoding: str) -> Iterator[list[str]]:
    with path.open("r", encoding=encoding, newline="", errors="strict") as stream:
        yield from csv.reader(stream)


class Workbook:
    """The first sheet of an XLSX file, checked against zip bombs before reading."""

    def __init__(self, path: Path, max_uncompressed: int, max_ratio: int = 200):
        try:
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
                size = sum(i.file_size for i in infos)
                packed = max(1, sum(i.compress_size for i in infos))
                if size > max_uncompressed or size / packed > max_ratio:
                    raise Unreadable("zip-bomb", size=size)
                names = set(archive.namelist())
                if "xl/workbook.xml" not in names:
                    raise Unreadable("not-a-spreadsheet", detail="no xl/workbook.xml")
                workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
                self.sheet_count = len(workbook.findall(f"{NS}sheets/{NS}sheet"))
                self.merged = self._merged_ranges(archive, names)
        except zipfile.BadZipFile as exc:
            raise Unreadable("not-a-spreadsheet", detail=str(exc)) from exc
        self.path = path

    @staticmethod
    def _merged_ranges(archive: zipfile.ZipFile, names: set[str]) -> list[str]:
        sheet = "xl/worksheets/sheet1.xml"
        if sheet not in names:
            return []
        found = []
        with archive.open(sheet) as stream:
            for _event, element in ElementTree.iterparse(stream):
                if element.tag == f"{NS}mergeCell":
                    found.append(element.get("ref", ""))
                element.clear()
        return found

    def rows(self, sheet: int | str = 0) -> Iterator[list[str]]:
        """Rows of a sheet (index or name; the first by default) as text cells."""
        # A file object, not the path: openpyxl refuses paths without an .xlsx
        # extension, and CKAN stores uploads without one.
        with self.path.open("rb") as stream:
            book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
            try:
                if isinstance(sheet, str) and sheet in book.sheetnames:
                    chosen = book[sheet]
                elif isinstance(sheet, int) and 0 <= sheet < len(book.worksheets):
                    chosen = book.worksheets[sheet]
                else:
                    raise Unreadable("no-sheet", sheet=sheet, sheets="、".join(book.sheetnames))
                for values in chosen.iter_rows(values_only=True):
                    cells = ["" if v is None else str(v) for v in values]
                    while cells and cells[-1] == "":  # Excel pads rows to the used range
                        cells.pop()
                    yield cells
            finally:
                book.close()


UNIT = re.compile(r"^-?[0-9][0-9,]*(\.[0-9]+)?\s*[^0-9\s.,\-]+$|^-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")
