"""Validate one tabular file: encoding, machine readability, then its Table Schema.

Pure function of the file (no CKAN): ``validate_file`` returns a Report and
writes derived copies (UTF-8 CSV) into ``out_dir``. Streaming throughout, so
memory does not grow with the file.
"""
from __future__ import annotations

import contextlib
import csv
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from frictionless import Resource, Schema, formats

from ..spreadsheet_safety import is_formula_like
from . import encoding as enc
from . import headers, legacy
from .checkdigit import is_valid as code_is_valid
from .reader import UNIT, Unreadable, Workbook, csv_rows, has_nul_bytes, sniff_format
from .report import Report

TOTAL_WORDS = {"合計", "計", "総計", "小計", "total"}
NOTE_MARKS = ("※", "注", "(注", "（注", "*")
MAX_PER_CHECK = 20  # structural issues of one kind listed per file


@dataclass
class Limits:
    max_bytes: int = 200 * 1024 * 1024
    max_xlsx_uncompressed: int = 500 * 1024 * 1024

# PostgreSQL's limit on a table's columns: wider files cannot become a DataStore table.
MAX_TABLE_COLUMNS = 1600

def validate_file(path: Path, *, filename: str, out_dir: Path, standard: str | None = None,
                  declared_encoding: str | None = None, limits: Limits | None = None) -> Report:
    limits = limits or Limits()
    report = Report(declared_encoding=declared_encoding)
    size = path.stat().st_size
    if size == 0:
        return report.fail("empty-file")
    if size > limits.max_bytes:
        return report.fail("too-large", size=size, limit=limits.max_bytes)
    try:
        report.file_format = sniff_format(path, filename)
        if report.file_format == "xlsx" and not filename.lower().endswith((".xlsx", ".xlsm")):
            report.add("name-mismatch", actual="Excel (XLSX)", name=filename,
                       suggested=Path(filename).stem + ".xlsx")
        if report.file_format == "xlsx":
            book = Workbook(path, limits.max_xlsx_uncompressed)
            if book.sheet_count > 1:
                report.add("several-sheets", "warning", count=book.sheet_count)
            for ref in book.merged[:MAX_PER_CHECK]:
                report.add("merged-cells", range=ref)
            open_rows: Callable[[], Iterator[list[str]]] = book.rows
        else:
            if has_nul_bytes(path):
                return report.fail("binary-file")
            _detect_encoding(path, report)
            open_rows = lambda: csv_rows(path, report.encoding)  # noqa: E731
        utf8_copy = None
        if report.encoding and report.encoding not in ("utf-8", "utf-8-sig"):
            utf8_copy = out_dir / (Path(filename).stem + ".utf8.csv")
        _check_table(open_rows(), report, standard, out_dir, utf8_copy)
        _convert_2016(open_rows(), report, standard, out_dir, filename)
    except Unreadable as exc:
        return report.fail(exc.code, **exc.values)
    except Exception as exc:  # a broken workbook must give a report, not a crashed worker
        return report.fail("not-a-spreadsheet", detail=type(exc).__name__)
    return report


def _convert_2016(rows: Iterator[list[str]], report: Report, standard: str | None, out_dir: Path,
                  filename: str) -> None:
    """A copy in the current layout of a file in the 2016 layout, with what could not be mapped."""
    old = [r["suffix"] for r in report.recognised if r["layout"] == "2016"]
    suffix = standard if standard in old else (old[0] if len(old) == 1 and not standard else None)
    if suffix is None or report.status == "error":
        return
    header = next(rows, None)
    if header is None:
        return
    target = out_dir / (Path(filename).stem + ".current.csv")
    result = legacy.convert(header, rows, suffix, target)
    report.copies["current_layout"] = target.name
    report.add("old-layout", "warning")
    for name in result.unmapped:
        report.add("not-mapped", "warning", name=name)
    for row, value in result.unconverted_codes[:MAX_PER_CHECK]:
        report.add("code-not-converted", "warning", row=row, value=value)


def _detect_encoding(path: Path, report: Report) -> None:
    detected = enc.detect(path)
    if detected.encoding is None:
        raise Unreadable("unknown-encoding", detail=detected.error)
    if detected.error:  # decodable start, broken end
        raise Unreadable("truncated", detail=detected.error)
    report.encoding = detected.encoding
    declared = enc.normalise_name(report.declared_encoding)
    if declared and declared.replace("-sig", "") != detected.encoding.replace("-sig", ""):
        report.add("encoding-mismatch", declared=report.declared_encoding, detected=detected.encoding)
    if detected.encoding not in ("utf-8", "utf-8-sig"):
        report.add("not-utf8", "warning", detected=detected.encoding)


def _header_ok(header: list[str], second: list[str] | None, report: Report) -> bool:
    filled = [c for c in header if c.strip()]
    if not filled:
        report.add("no-header", row=1)
        return False
    if header[0].startswith("#") or (len(filled) == 1 and second and len([c for c in second if c.strip()]) > 1):
        report.add("no-header", row=1)
        return False
    seen: dict[str, int] = {}
    for i, cell in enumerate(header, start=1):
        if not cell.strip():
            report.add("blank-header", column=i)
        elif cell in seen:
            report.add("duplicate-header", column=i, name=cell)
        seen.setdefault(cell, i)
    return True


def _check_table(rows: Iterator[list[str]], report: Report, standard: str | None, out_dir: Path,
                 utf8_copy: Path | None = None) -> None:
    """One pass over the rows: checks, the table frictionless reads, and the
    UTF-8 copy of a non-UTF-8 file (``utf8_copy``)."""
    header = next(rows, None)
    if header is None:
        report.fail("empty-file")
        return
    if len(header) > MAX_TABLE_COLUMNS:
        report.add("too-many-columns", "warning", count=len(header), limit=MAX_TABLE_COLUMNS)
    second = next(rows, None)
    if not _header_ok(header, second, report):
        if utf8_copy:  # no table to check, but the UTF-8 copy is still offered
            with utf8_copy.open("w", encoding="utf-8", newline="") as out:
                csv.writer(out, lineterminator="\r\n").writerows(_chain(header, _chain(second, rows)))
            report.copies["utf8"] = utf8_copy.name
        return

    recognised = headers.recognise(header)
    report.recognised = [{"suffix": r.suffix, "layout": r.layout} for r in recognised]
    if standard is None:
        if len(recognised) == 1:
            title = headers.table_schema(recognised[0].suffix)["title"]
            old = recognised[0].layout == "2016"
            report.add("standard-proposed", "warning", title=title,
                       layout_ja="2016年の推奨データセット形式" if old else "現行形式",
                       layout_en="2016 recommended-dataset layout" if old else "current layout")
    mapping = headers.map_header(header, standard) if standard else None
    fields = {f["name"]: f for f in headers.table_schema(standard)["fields"]} if standard else {}
    if mapping:
        report.standard = standard
        for column, written, canonical in mapping.renamed:
            report.add("header-renamed", "warning", column=column, written=written, canonical=canonical)
        for column, name in mapping.unknown:
            report.add("unknown-column", "warning", column=column, name=name)
        present = set(c for c in mapping.columns if c)
        for f in fields.values():
            if f.get("constraints", {}).get("required") and f["name"] not in present:
                report.add("missing-column", column_name=f["name"], name=f["name"])

    numeric = {i for i, name in enumerate(mapping.columns if mapping else [])
               if name and fields[name].get("type") in ("number", "integer")}
    code_columns = {i for i, name in enumerate(mapping.columns if mapping else [])
                    if name and fields[name].get("nakano:checkDigit")}
    counts: dict[str, int] = {}

    def once(code: str, severity: str = "error", **kw: object) -> None:
        counts[code] = counts.get(code, 0) + 1
        if counts[code] <= MAX_PER_CHECK:
            report.add(code, severity, **kw)

    canonical = [c or h for c, h in zip(mapping.columns, header)] if mapping else header
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        table = Path(tmp) / "table.csv"
        with contextlib.ExitStack() as files:
            writer = csv.writer(files.enter_context(table.open("w", encoding="utf-8", newline="")),
                                lineterminator="\n")
            writer.writerow(canonical)
            copy = None
            if utf8_copy:
                copy = csv.writer(files.enter_context(utf8_copy.open("w", encoding="utf-8", newline="")),
                                  lineterminator="\r\n")
                copy.writerow(header)
                report.copies["utf8"] = utf8_copy.name
            number = 1
            for row in _chain(second, rows):
                number += 1
                report.rows += 1
                filled = [c for c in row if c.strip()]
                if not filled:
                    once("note-row", "warning", row=number)
                elif unicodedata.normalize("NFKC", filled[0]).strip().lower() in TOTAL_WORDS:
                    once("total-row", row=number)
                elif len(filled) == 1 and len(header) > 2 and filled[0].lstrip().startswith(NOTE_MARKS):
                    once("note-row", row=number)
                if len(row) != len(header) and filled:
                    once("ragged-row", row=number, count=len(row), expected=len(header))
                for i, cell in enumerate(row):
                    if "\n" in cell:
                        once("several-values", "warning", row=number, column=i + 1)
                    if i in numeric and cell and UNIT.match(unicodedata.normalize("NFKC", cell).strip()):
                        once("unit-in-number", row=number, column=i + 1, value=cell)
                    if i in code_columns and cell.isdigit() and len(cell) == 6 and not code_is_valid(cell):
                        once("check-digit", row=number, column=i + 1, value=cell)
                    if is_formula_like(cell):
                        once("formula-like", "warning", row=number, column=i + 1, value=cell[:40])
                writer.writerow(row)
                if copy:
                    copy.writerow(row)
        if mapping:
            _frictionless(table, standard, report)


def _chain(first: list[str] | None, rest: Iterator[list[str]]) -> Iterator[list[str]]:
    if first is not None:
        yield first
    yield from rest


def _frictionless(table: Path, standard: str, report: Report) -> None:
    descriptor = dict(headers.table_schema(standard))
    schema = Schema.from_descriptor(descriptor)
    schema.fields_match = "partial"  # missing and extra columns are reported above, by name
    resource = Resource(path=table.name, basepath=str(table.parent), schema=schema,
                        control=formats.CsvControl(delimiter=","), encoding="utf-8")
    result = resource.validate(limit_errors=300)
    for error in result.flatten(["type", "rowNumber", "fieldNumber", "fieldName", "note"]):
        kind, row, column, name, note = error
        if kind in ("missing-label", "extra-label", "incorrect-label", "missing-cell", "extra-cell",
                    "blank-row", "duplicate-label", "blank-label"):
            continue  # reported by our own, named checks
        report.add("schema-error", row=row, column=column, column_name=name,
                   note=f"[{kind}] {name or ''}: {note}".strip())
