"""How the chart builder reads a table's cells: numbers and dates as the ward writes them.

A DataStore column the loader left as text may still hold numbers (「1,234」, full-width
「１２３」) or dates (2024-04-01, 2024/4/1, 2024年4月1日, 令和6年4月1日, R6.4.1, 令和元年5月). The
same rules exist twice, on purpose: in Python, to type a column from a sample of its cells
(``number``, ``month``), and as SQL expressions, to aggregate every row in PostgreSQL
(``number_sql``, ``month_sql``); tests hold the two to the same answers.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

__all__ = ["number", "month", "number_sql", "month_sql", "ERAS"]

# Gregorian year of the first year of each era (元年).
ERAS = {"令和": 2019, "R": 2019, "平成": 1989, "H": 1989, "昭和": 1926, "S": 1926}

# Full-width characters a clerk's cell may hold, as the SQL's translate() maps them too.
_FULL_WIDTH = "０１２３４５６７８９．，－／ＲＨＳ　"
_HALF_WIDTH = "0123456789.,-/RHS "
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_SEPARATORS = re.compile(r"[,\s]")
_WESTERN = re.compile(r"^([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})(?:\s*[-/.月]\s*(?:[0-9]{1,2}\s*日?)?|\s*月)?$")
_JAPANESE = re.compile(r"^(令和|平成|昭和|R|H|S)\s*(元|[0-9]{1,2})\s*[年./-]\s*([0-9]{1,2})"
                       r"(?:\s*[-/.月]\s*(?:[0-9]{1,2}\s*日?)?|\s*月)?$")


def _halfwidth(text: str) -> str:
    return text.translate(str.maketrans(_FULL_WIDTH, _HALF_WIDTH))


def number(text: object) -> Decimal | None:
    """The number a cell writes (thousands separators and full-width digits allowed), or None."""
    if text is None:
        return None
    if isinstance(text, (int, float, Decimal)):
        return Decimal(str(text))
    cleaned = _SEPARATORS.sub("", _halfwidth(str(text)))
    if not _NUMBER.match(cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:   # the pattern admits only what Decimal reads; kept for safety
        return None


def month(text: object) -> str | None:
    """The month (``YYYY-MM``) of a date cell, Western or Japanese era, or None."""
    if text is None:
        return None
    value = _halfwidth(str(text)).strip()
    found = _WESTERN.match(value)
    if found:
        year, mon = int(found.group(1)), int(found.group(2))
    else:
        found = _JAPANESE.match(value)
        if not found:
            return None
        n = 1 if found.group(2) == "元" else int(found.group(2))
        year, mon = ERAS[found.group(1)] + n - 1, int(found.group(3))
    return f"{year:04d}-{mon:02d}" if 1 <= mon <= 12 and 1 <= year <= 9999 else None


def number_sql(column: str) -> str:
    """SQL of ``number`` on a quoted column: numeric, or NULL where the cell is not a number."""
    cleaned = f"regexp_replace(translate({column}::text, '{_FULL_WIDTH}', '{_HALF_WIDTH}'), '[,\\s]', '', 'g')"
    return f"(CASE WHEN {cleaned} ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN ({cleaned})::numeric END)"


def month_sql(column: str) -> str:
    """SQL of ``month`` on a quoted column: text ``YYYY-MM``, or NULL."""
    value = f"btrim(translate({column}::text, '{_FULL_WIDTH}', '{_HALF_WIDTH}'))"
    western = (f"regexp_match({value}, '^([0-9]{{4}})\\s*[-/.年]\\s*([0-9]{{1,2}})"
               f"(?:\\s*[-/.月]\\s*(?:[0-9]{{1,2}}\\s*日?)?|\\s*月)?$')")
    japanese = (f"regexp_match({value}, '^(令和|平成|昭和|R|H|S)\\s*(元|[0-9]{{1,2}})\\s*[年./-]\\s*([0-9]{{1,2}})"
                f"(?:\\s*[-/.月]\\s*(?:[0-9]{{1,2}}\\s*日?)?|\\s*月)?$')")
    era_start = "CASE j[1] " + " ".join(f"WHEN '{era}' THEN {year}" for era, year in ERAS.items()) + " END"
    era_year = f"({era_start} + (CASE WHEN j[2] = '元' THEN 1 ELSE j[2]::int END) - 1)"
    return ("(SELECT CASE "
            "WHEN w IS NOT NULL AND w[2]::int BETWEEN 1 AND 12 THEN lpad(w[1], 4, '0') || '-' || lpad(w[2], 2, '0') "
            "WHEN j IS NOT NULL AND j[3]::int BETWEEN 1 AND 12 "
            f"THEN lpad({era_year}::text, 4, '0') || '-' || lpad(j[3], 2, '0') END "
            f"FROM (SELECT {western} AS w, {japanese} AS j) AS parsed)")
