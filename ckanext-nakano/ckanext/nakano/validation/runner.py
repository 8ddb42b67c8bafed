"""Validate one tabular file: encoding, machine readability, then its Table Schema.

Pure function of the file (no CKAN): ``validate_file`` returns a Report and
writes derived copies (UTF-8 CSV) into ``out_dir``. Streaming throughout, so
memory does not grow with the file.
"""
from __future__ import annotations

import contextlib
import csv
import itertools
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from frictionless import Resource, Schema, formats

from ..spreadsheet_safety import is_formula_like
from . import encoding as enc
from . import cells, column_types, header_row, headers, legacy
from .checkdigit import is_valid as code_is_valid
from .reader import UNIT, Unreadable, Workbook, csv_rows, has_nul_bytes, sniff_format
from .report import Report

TOTAL_WORDS = {"合計", "計", "総計", "小計", "total"}
NOTE_MARKS = ("※", "注", "(注", "（注", "*")
MAX_PER_CHECK = 20  # issues of one kind listed per column (all are counted in the report's groups)
FRICTIONLESS_LIMIT = 5000  # value errors frictionless collects before it stops (the report says where)


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
    located, rows = header_row.locate(rows)
    header = located.header
    if header is None or not located.usable:
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


def _header_ok(header: list[str], report: Report) -> None:
    seen: dict[str, int] = {}
    for i, cell in enumerate(header, start=1):
        if not cell.strip():
            report.add("blank-header", column=i)
        elif cell in seen:
            report.add("duplicate-header", column=i, name=cell)
        seen.setdefault(cell, i)


def _column_order(mapping: headers.HeaderMapping, order: list[str], report: Report) -> None:
    """One warning when the standard's columns come in another order than the standard's."""
    expected = {name: k for k, name in enumerate(order)}
    present = [(i, name) for i, name in enumerate(mapping.columns, start=1) if name in expected]
    for (_, before), (position, name) in zip(present, present[1:]):
        if expected[name] < expected[before]:
            wanted = sorted((n for _, n in present), key=expected.__getitem__)
            report.add("column-order", "warning", column=position, name=name, position=position,
                       after=wanted[wanted.index(name) - 1] if wanted.index(name) else "",
                       order="、".join(wanted[:15]) + ("…" if len(wanted) > 15 else ""))
            return


def _coordinates(names: list[str | None]) -> tuple[int, int] | None:
    """Columns of 緯度 and 経度 (canonical names, or the header as written)."""
    normal = [headers.normalize(n or "") for n in names]
    if "緯度" in normal and "経度" in normal:
        return normal.index("緯度"), normal.index("経度")
    return None


def _check_table(rows: Iterator[list[str]], report: Report, standard: str | None, out_dir: Path,
                 utf8_copy: Path | None = None) -> None:
    """One pass over the rows: checks, the table frictionless reads, and the
    UTF-8 copy of a non-UTF-8 file (``utf8_copy``)."""
    located, rows = header_row.locate(rows)
    if located.header is None and not located.before and not located.problems:
        report.fail("empty-file")
        return
    for code, severity, values in located.problems:
        report.add(code, severity, **values)
    if not located.usable or located.header is None:
        if utf8_copy:  # no table to check, but the UTF-8 copy is still offered
            with utf8_copy.open("w", encoding="utf-8", newline="") as out:
                csv.writer(out, lineterminator="\r\n").writerows(itertools.chain(located.before, rows))
            report.copies["utf8"] = utf8_copy.name
        return
    header = located.header
    if len(header) > MAX_TABLE_COLUMNS:
        report.add("too-many-columns", "warning", count=len(header), limit=MAX_TABLE_COLUMNS)
    _header_ok(header, report)

    recognised = headers.recognise(header)
    report.recognised = [{"suffix": r.suffix, "layout": r.layout} for r in recognised]
    if standard is None:
        if len(recognised) == 1:
            title = headers.table_schema(recognised[0].suffix)["title"]
            old = recognised[0].layout == "2016"
            report.add("standard-proposed", "warning", title=title,
                       layout={"code": "layout-2016" if old else "layout-current"})
    mapping = headers.map_header(header, standard) if standard else None
    fields = {f["name"]: f for f in headers.table_schema(standard)["fields"]} if standard else {}
    if mapping:
        report.standard = standard
        for column, written, canonical in mapping.renamed:
            report.add("header-renamed", "warning", column=column, written=written, canonical=canonical)
        for column, written, meant, chars in mapping.lookalike:
            report.add("header-lookalike", "warning", column=column, written=written, canonical=meant,
                       **headers.describe_lookalikes(chars))
        for column, _ in mapping.unknown:   # named as written (an English key, not our reading of it)
            report.add("unknown-column", "warning", column=column, name=located.written[column - 1])
        present = set(c for c in mapping.columns if c)
        for f in fields.values():
            if f.get("constraints", {}).get("required") and f["name"] not in present:
                report.add("missing-column", column_name=f["name"], name=f["name"])
        _column_order(mapping, list(fields), report)

    numeric = {i for i, name in enumerate(mapping.columns if mapping else [])
               if name and fields[name].get("type") in ("number", "integer")}
    code_columns = {i for i, name in enumerate(mapping.columns if mapping else [])
                    if name and fields[name].get("nakano:checkDigit")}
    coordinates = _coordinates(mapping.columns if mapping else header)
    as_text = {i for i, name in enumerate(mapping.columns if mapping else [])
               if name and fields[name].get("type") not in ("number", "integer")}
    number_columns = column_types.NumberColumns(located.written or header, excluded=as_text)
    counts: dict[tuple[str, int | None], int] = {}

    def once(code: str, severity: str = "error", **kw: object) -> None:
        """Every issue is counted; the first MAX_PER_CHECK of a kind per column are listed."""
        key = (code, kw.get("column"))  # type: ignore[arg-type]
        counts[key] = counts.get(key, 0) + 1
        report.add(code, severity, listed=counts[key] <= MAX_PER_CHECK, **kw)  # type: ignore[arg-type]

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
                copy.writerows(located.before[:located.row - 1])
                copy.writerow(located.written)
                copy.writerows(located.before[located.row - 1:])
                report.copies["utf8"] = utf8_copy.name
            number = located.row + len(located.before[located.row - 1:])
            for row in rows:
                number += 1
                report.rows += 1
                if copy:
                    copy.writerow(row)
                filled = [c for c in row if c.strip()]
                if not filled:
                    once("note-row", "warning", row=number)
                elif unicodedata.normalize("NFKC", filled[0]).strip().lower() in TOTAL_WORDS:
                    once("total-row", row=number)
                elif len(filled) == 1 and len(header) > 2 and filled[0].lstrip().startswith(NOTE_MARKS):
                    once("note-row", row=number, value=filled[0].strip()[:40])
                if len(row) != len(header) and filled:
                    once("ragged-row", row=number, count=len(row), expected=len(header))
                for i, cell in enumerate(row):
                    if "\n" in cell:
                        once("several-values", "warning", row=number, column=i + 1, column_name=canonical[i]
                             if i < len(canonical) else None)
                    if i in numeric and cell and UNIT.match(unicodedata.normalize("NFKC", cell).strip()):
                        once("unit-in-number", row=number, column=i + 1, column_name=canonical[i], value=cell)
                    if i in code_columns and cell.isdigit() and len(cell) == 6 and not code_is_valid(cell):
                        once("check-digit", row=number, column=i + 1, column_name=canonical[i], value=cell)
                    if is_formula_like(cell):
                        once("formula-like", "warning", row=number, column=i + 1, value=cell[:40])
                number_columns.see(row)
                if coordinates and max(coordinates) < len(row):
                    lat, lon = coordinates
                    if cells.swapped(row[lat], row[lon]):
                        once("lat-lon-swapped", row=number, value=f"{row[lat].strip()}, {row[lon].strip()}")
                        # frictionless reads them exchanged: the swap is reported once, not as two range errors
                        row = list(row)
                        row[lat], row[lon] = row[lon], row[lat]
                writer.writerow(row)
        report.number_columns = number_columns.found()
        if mapping:
            _frictionless(table, standard, fields, report, located.row - 1 + len(located.before[located.row - 1:]))


def _frictionless(table: Path, standard: str, fields: dict[str, dict], report: Report, offset: int) -> None:
    """The Table Schema's rules on the values; ``offset`` turns the table's row numbers into the file's."""
    descriptor = dict(headers.table_schema(standard))
    schema = Schema.from_descriptor(descriptor)
    schema.fields_match = "partial"  # missing and extra columns are reported above, by name
    resource = Resource(path=table.name, basepath=str(table.parent), schema=schema,
                        control=formats.CsvControl(delimiter=","), encoding="utf-8")
    result = resource.validate(limit_errors=FRICTIONLESS_LIMIT)
    listed: dict[tuple[str, int | None], int] = {}
    last_row = None
    for task in result.tasks:
        for error in task.errors:
            kind = getattr(error, "type", "")
            if kind in ("missing-label", "extra-label", "incorrect-label", "missing-cell", "extra-cell",
                        "blank-row", "duplicate-label", "blank-label"):
                continue  # reported by our own, named checks
            name = getattr(error, "field_name", None)
            row = getattr(error, "row_number", None)
            row = row + offset if row else None
            last_row = row or last_row
            if kind == "type-error" and UNIT.match(unicodedata.normalize("NFKC", str(error.cell or "")).strip()):
                continue  # already reported as unit-in-number, which says what to remove
            code, params = cells.finding(error, fields.get(name or ""))
            column = getattr(error, "field_number", None)
            key = (code, column)
            listed[key] = listed.get(key, 0) + 1
            report.add(code, row=row, column=column, column_name=name,
                       listed=listed[key] <= MAX_PER_CHECK, **params)
        if any("reached error limit" in w for w in task.warnings):
            report.add("checks-stopped", "warning", row=last_row, limit=FRICTIONLESS_LIMIT)
