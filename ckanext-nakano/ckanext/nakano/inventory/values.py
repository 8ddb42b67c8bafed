"""What clerks write in a register, read as the register's values: coded choices from their
labels or common variants, months in 和暦 or 西暦, full-width digits and spaces, lists of
column names. Each reader returns the value or raises :class:`Unreadable` with a message code
(inventory/messages.yaml)."""
from __future__ import annotations

import datetime
import re
import unicodedata
from typing import Any

from ckan.lib.helpers import get_display_timezone

from .. import frequency as frequency_rules
from .. import language_text
from .schema import field, normalised_header

__all__ = ["Unreadable", "clean", "choice", "month", "column_list", "frequency", "this_month", "ward_today"]

# Eras of the Japanese calendar: the first year of each (元年).
ERAS = {"令和": 2019, "r": 2019, "平成": 1989, "h": 1989, "昭和": 1926, "s": 1926}
_WAREKI = re.compile(r"^(令和|平成|昭和|[rhs])\s*(元|\d{1,2})\s*(?:年|[./\-])\s*(\d{1,2})\s*月?(?:\s*\d{1,2}\s*日?)?$")
_SEIREKI = re.compile(r"^(\d{4})\s*(?:年|[./\-])\s*(\d{1,2})\s*月?(?:\s*[./\-]?\s*\d{1,2}\s*日?)?(?:[ t].*)?$")
_LIST_SEPARATORS = re.compile(r"[、,;/\n]+")
# Dates that Excel stores as day numbers (1900 system): 1982 … 2119.
_EXCEL_DAYS = range(30000, 80000)
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


class Unreadable(ValueError):
    """A value that does not read as the field's: a message code and its values."""

    def __init__(self, code: str, **values: Any):
        super().__init__(code)
        self.code, self.values = code, values


def clean(value: Any) -> str:
    """Text as a cell or a form gives it: stripped of spaces (full-width ones too)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u3000", " ").strip()


def _key(text: str) -> str:
    return normalised_header(text).replace("(", "").replace(")", "").replace("・", "")


def choice(name: str, value: Any) -> str:
    """The code of a choice of field ``name`` from its code, a label in any language or an alias."""
    text = clean(value)
    if not text:
        return ""
    wanted = _key(text)
    for entry in field(name).choices:
        said = [entry["value"], *language_text.labels(entry).values(), *(entry.get("aliases") or ())]
        if entry.get("code"):
            said.append(entry["code"])
        if wanted in {_key(str(s)) for s in said}:
            return str(entry["value"])
    raise Unreadable("inventory-unknown-choice", value=text,
                     choices=[language_text.text(c, lang="ja") for c in field(name).choices])


def ward_today() -> datetime.date:
    """The ward's day (``ckan.display_timezone``, Asia/Tokyo), as the usage figures count it."""
    return datetime.datetime.now(get_display_timezone()).date()


def this_month(today: datetime.date | None = None) -> str:
    return (today or ward_today()).strftime("%Y-%m")


def month(value: Any) -> str:
    """``YYYY-MM`` from 2027-04, 2027/4, 2027年4月, 令和9年4月, 令和元年5月, R9.4, H31.4, a date or
    an Excel day number."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.strftime("%Y-%m")
    text = unicodedata.normalize("NFKC", clean(value)).lower()
    if not text:
        return ""
    if text.isdigit() and int(text) in _EXCEL_DAYS:
        return (_EXCEL_EPOCH + datetime.timedelta(days=int(text))).strftime("%Y-%m")
    found = _WAREKI.match(text)
    if found:
        era, year, mon = found.groups()
        year_number = ERAS[era] + (1 if year == "元" else int(year)) - 1
        return _checked(year_number, int(mon), clean(value))
    found = _SEIREKI.match(text)
    if found:
        return _checked(int(found.group(1)), int(found.group(2)), clean(value))
    raise Unreadable("inventory-bad-month", value=clean(value))


def _checked(year: int, mon: int, text: str) -> str:
    if not 1 <= mon <= 12 or not 1900 <= year <= 2200:
        raise Unreadable("inventory-bad-month", value=text)
    return f"{year:04d}-{mon:02d}"


def column_list(value: Any) -> list[str]:
    """Column names from a list or from text separated by 、 , ; / or new lines."""
    items = value if isinstance(value, (list, tuple)) else _LIST_SEPARATORS.split(
        unicodedata.normalize("NFKC", clean(value)).replace("，", ","))
    seen: list[str] = []
    for item in items:
        text = clean(item)
        if not isinstance(item, (str, int, float)) or isinstance(item, bool):
            raise Unreadable("inventory-not-text")
        if text and text not in seen:
            seen.append(text)
    return seen


def frequency(value: Any) -> tuple[str, str]:
    """(frequency URI, the text as written) of an 更新頻度: one of the vocabulary's labels or
    codes, else what ``schemas/vocab/frequency_rules.yaml`` maps it to (年1回 → ANNUAL)."""
    text = clean(value)
    if not text:
        return "", ""
    try:
        return choice("frequency", text), ""
    except Unreadable:
        return frequency_rules.frequency_uri(text), text
