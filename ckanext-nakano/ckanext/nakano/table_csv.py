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
    names = [f["id"] for f in first["fields"] if f["id"] != "_id"]
    return names, _stream(resource_id, user, names, first, for_excel)


def _page(resource_id: str, user: str | None, keyset: dict[str, Any] | None) -> dict[str, Any]:
    """A page of rows in ``_id`` order; the next one continues from the last
    (keyset pagination, as CKAN's own dump: no growing offsets)."""
    params: dict[str, Any] = {"resource_id": resource_id, "limit": PAGE, "sort": "_id", "records_format": "objects",
                              "include_total": False, "include_next_page": True}
    if keyset:
        params["filters"] = keyset
    return tk.get_action("datastore_search")({"user": user}, params)


def _as_is(value: str) -> str:
    return value


def _stream(resource_id: str, user: str | None, names: list[str], page: dict[str, Any],
            for_excel: bool) -> Iterator[bytes]:
    cell = excel_safe if for_excel else _as_is
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if for_excel:
        buffer.write("\ufeff")
    writer.writerow([cell(n) for n in names])
    while True:
        records = page["records"]
        for record in records:
            writer.writerow([cell("" if record.get(n) is None else str(record.get(n))) for n in names])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        if len(records) < PAGE or not page.get("next_page"):
            return
        page = _page(resource_id, user, page["next_page"])
