"""A resource's DataStore rows as CSV, in two flavours, without CKAN's
internal ``_id`` column (CKAN's dump writes it as the first column):

- 「Excel用CSV」 (``for_excel``): UTF-8 with BOM, so that Excel opens it as
  intended, and safe: formula-like cells are escaped (spreadsheet_safety.py);
- 「CSV（UTF-8）」: the values as they are, for programs.

The original file stays byte for byte.
"""
from __future__ import annotations

import csv
import io
from typing import Any, Iterator

import ckan.plugins.toolkit as tk

from .spreadsheet_safety import excel_safe

__all__ = ["rows"]

PAGE = 10000


def rows(resource_id: str, user: str | None, for_excel: bool = True) -> tuple[list[str], Iterator[bytes]]:
    """(column names, CSV body in chunks). The first page is read before the
    answer starts, so that a missing table or a refusal is an error page."""
    first = _page(resource_id, user, None)
    ids = [f["id"] for f in first["fields"]]
    keep = [i for i, name in enumerate(ids) if name != "_id"]
    names = [ids[i] for i in keep]
    return names, _stream(resource_id, user, names, keep, first, for_excel)


def _page(resource_id: str, user: str | None, keyset: dict[str, Any] | None) -> dict[str, Any]:
    """A page of rows in ``_id`` order; the next one continues from the last
    (keyset pagination, as CKAN's own dump: no growing offsets). As CSV text
    written by PostgreSQL: a number typed in the DataStore comes back as it
    was written (35.70, not the float 35.7)."""
    params: dict[str, Any] = {"resource_id": resource_id, "limit": PAGE, "sort": "_id", "records_format": "csv",
                              "include_total": False, "include_next_page": True}
    if keyset:
        params["filters"] = keyset
    return tk.get_action("datastore_search")({"user": user}, params)


def _as_is(value: str) -> str:
    return value


def _stream(resource_id: str, user: str | None, names: list[str], keep: list[int], page: dict[str, Any],
            for_excel: bool) -> Iterator[bytes]:
    cell = excel_safe if for_excel else _as_is
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if for_excel:
        buffer.write("\ufeff")
    writer.writerow([cell(n) for n in names])
    while True:
        count = 0
        for record in csv.reader(io.StringIO(page["records"] or "")):
            count += 1
            writer.writerow([cell(record[i]) if i < len(record) else "" for i in keep])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        if count < PAGE or not page.get("next_page"):
            return
        page = _page(resource_id, user, page["next_page"])
