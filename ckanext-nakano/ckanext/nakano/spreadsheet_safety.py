"""Cells a spreadsheet would run as formulas (CSV injection).

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is read by Excel as a formula (``=HYPERLINK(...)``, ``=cmd|...``):
OWASP's CSV-injection guidance is to prefix it with a single quote in files
meant for spreadsheets, which Excel shows as text. Numbers such as ``-5`` or
``+3.5`` are left as they are (they are values, not formulas).
"""
from __future__ import annotations

import re

__all__ = ["is_formula_like", "excel_safe"]

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?([eE][+-]?\d+)?$")


def is_formula_like(cell: str) -> bool:
    return bool(cell) and cell.startswith(_TRIGGERS) and not _NUMBER.match(cell)


def excel_safe(cell: object) -> object:
    """The cell as it may go into a CSV for Excel: formula-like text prefixed
    with ``'`` (the value shown stays the same, nothing runs)."""
    if isinstance(cell, str) and is_formula_like(cell):
        return "'" + cell
    return cell
