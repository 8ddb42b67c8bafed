"""Residents per town from the catalog's 地域・年齢別人口 files, for figures per 1,000 residents.

A file is read at its latest survey date (調査年月日: 2019-04-01, 2019/4/1, 令和元年5月1日, or
Takamatsu's 4/1/2019), one row per 地域名; a town written twice that day is added up. Rows
that are no town (the municipality itself, 合計, 総数) are left out, as are rows whose 総人口
is not a number (the 「#…」 preamble of an English-key file).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from ckanext.datastore.backend.postgres import get_read_engine, identifier

from .. import vocab
from ..charts import aggregate, values
from ..town_names import WARD, Town, key, without_prefecture
from .sources import Source

__all__ = ["Population", "Residents", "read", "sortable_month", "survey_date", "municipality_of", "STANDARD", "MAX_ROWS"]

STANDARD = "population"
MAX_ROWS = 50000
_US_DATE = re.compile(r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$")
_DAY = re.compile(r"[-/.月]\s*([0-9]{1,2})\s*日?$")
_TOTALS = {"合計", "総数", "計", "総計", "全体"}


@dataclass
class Population:
    source: Source
    date: str                   # the survey date as the file writes it ("" when it has none)
    residents: dict[Town, int] = field(default_factory=dict)


@dataclass
class Residents:
    """The residents per town of one or more population files of one survey, added up."""
    sources: list[Source]
    date: str
    residents: dict[Town, int] = field(default_factory=dict)

    @classmethod
    def of(cls, files: list[Population]) -> "Residents":
        added = cls([p.source for p in files], files[0].date)
        # A town is named as the ward's list names it, else as the first file does.
        spelled = {(WARD, key(name)): Town(WARD, name) for name in vocab.towns()}
        for population in files:
            for town, count in population.residents.items():
                same = spelled.setdefault((town.municipality, key(town.name)), town)
                added.residents[same] = added.residents.get(same, 0) + count
        return added


def sortable_month(text: str) -> str:
    """A sortable month of a survey date; "" when it cannot be read."""
    found = values.month(text)
    if found:
        return found
    us = _US_DATE.match(text.strip())
    return f"{int(us.group(3)):04d}-{int(us.group(1)):02d}" if us else ""


def survey_date(text: str) -> str:
    """A survey date as ISO 8601 (2019-04-01) when it can be read to the day, else as written:
    「4/1/2019」 is April, not January, only to whoever knows the file."""
    written = unicodedata.normalize("NFKC", text or "").strip()
    us = _US_DATE.match(written)
    if us:
        return f"{int(us.group(3)):04d}-{int(us.group(1)):02d}-{int(us.group(2)):02d}"
    month, day = values.month(written), _DAY.search(written)
    return f"{month}-{int(day.group(1)):02d}" if month and day else written


def municipality_of(cell: object) -> str:
    """「東京都中野区」 → 「中野区」; the ward when the file does not say."""
    written = without_prefecture(re.sub(r"\s+", "", str(cell or "")))
    return written or WARD


def _rows(source: Source) -> list[Any]:
    columns = source.columns
    chosen = [columns.get(name) for name in ("地方公共団体名", "地域名", "総人口", "調査年月日")]
    listed = ", ".join(f"{identifier(c)}::text" if c else "NULL::text" for c in chosen)
    with get_read_engine().begin() as connection:
        connection.execute(sa.text(f"SET LOCAL statement_timeout = {aggregate.TIMEOUT_MS}"))
        return connection.execute(sa.text(
            f"SELECT {listed} FROM {identifier(source.resource_id)} LIMIT {MAX_ROWS}")).all()


def read(source: Source) -> Population | None:
    """The residents per town at the file's latest survey date; None when the file has no
    地域名 or 総人口 column."""
    if "地域名" not in source.columns or "総人口" not in source.columns:
        return None
    by_date: dict[str, list[tuple[str, str, int]]] = {}
    written_date: dict[str, str] = {}
    for municipality, area, total, date in _rows(source):
        residents = values.number(total)
        name = re.sub(r"\s+", "", area or "")
        if residents is None or not name:
            continue
        month = sortable_month(date or "")
        written_date.setdefault(month, (date or "").strip())
        by_date.setdefault(month, []).append((municipality_of(municipality), name, int(residents)))
    if not by_date:
        return Population(source, "")
    latest = max(by_date)
    found = Population(source, written_date[latest])
    for municipality, name, residents in by_date[latest]:
        if name in _TOTALS or key(municipality_of(name)) == key(municipality):   # the municipality itself
            continue
        town = Town(municipality, name)
        found.residents[town] = found.residents.get(town, 0) + residents
    return found
