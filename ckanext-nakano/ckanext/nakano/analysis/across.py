"""Figures across all the files of one 自治体標準オープンデータセット: rows (or a sum) per town, per
a column of the standard, or per file, and per 1,000 residents with a population file.

Each file's table is grouped in PostgreSQL as the chart builder does (charts/aggregate.py): on
the DataStore's read-only connection, with its statement timeout, from the identifiers of the
file's own columns found through the standard's names (sources.py) — nothing of the request
is pasted into SQL. The groups are then added up here, towns matched by town_names.py. The
answer is kept in Redis under the settings and every table's version: a file loaded again,
added or withdrawn is another key.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from ckanext.datastore.backend.postgres import get_read_engine, identifier

from ..charts import aggregate, values
from ..charts.aggregate import ChartError
from ..charts.table import readable
from .. import vocab
from ..town_names import WARD, Town, TownNames, key
from ..validation import headers
from . import population as population_files
from .sources import Source, comparable

__all__ = ["analyse", "choices", "TOWN", "FILE", "PLACE_COLUMNS", "MAX_GROUPS", "UNMATCHED_SHOWN", "FEW_RESIDENTS"]

TOWN, FILE = "town", "file"
PLACE_COLUMNS = ("所在地_町字", "所在地_連結表記")
MUNICIPALITY_COLUMN = "地方公共団体名"
MAX_GROUPS = 20000          # per file: addresses can be as many as rows
UNMATCHED_SHOWN = 10
# A town with fewer residents makes a rate that swings with one facility more or less: marked.
FEW_RESIDENTS = 100
_PREFIX = "nakano:analysis:3:"   # the number: answers of an older way of computing are not used
# The standard's code of the kind of facility (公共施設一覧's 種別): a code that groups rows.
_KIND_CODES = ("POIコード",)
# Columns of a standard that name or describe each row, not a group of rows.
_PER_ROW = ("名称", "ID", "電話", "URL", "画像", "緯度", "経度", "番地", "連結表記", "方書", "法人番号", "内線",
            "カナ", "英語", "英字", "備考", "説明", "時間", "特記", "コード", "郵便番号", "FAX", "メール", "料金",
            "概要", "日時", "年月日", "開始", "終了", "期間")


def choices(standard: str, sources: list[Source]) -> dict[str, list[str]]:
    """What the files of ``standard`` can be grouped by and summed: ``groups`` (``town`` when a
    file has an address, ``file``, then the standard's columns that group rows) and ``values``
    (its columns of numbers)."""
    present = {name for source in sources for name in source.columns}
    fields = headers.table_schema(standard)["fields"]
    groups = [TOWN] if present & set(PLACE_COLUMNS) else []
    groups.append(FILE)
    groups += [f["name"] for f in fields if f["name"] in present and f.get("type", "string") == "string"
               and (f["name"] in _KIND_CODES or not any(word in f["name"] for word in _PER_ROW))]
    numbers = [f["name"] for f in fields if f["name"] in present and f.get("type") in ("integer", "number")
               and f["name"] not in ("緯度", "経度")]
    return {"groups": groups, "values": numbers}


def _where(source: Source) -> str:
    if source.preamble:
        return f" WHERE coalesce({identifier(source.preamble)}::text, '') NOT LIKE '#%'"
    return ""


def _needed(source: Source, settings: dict[str, Any]) -> list[str]:
    """The standard's columns the settings need that this file lacks."""
    missing = []
    group = settings["group"]
    if group == TOWN and not set(PLACE_COLUMNS) & set(source.columns):
        missing.append(PLACE_COLUMNS[-1])
    elif group not in (TOWN, FILE) and group not in source.columns:
        missing.append(group)
    if settings["measure"] == "sum" and settings.get("value") not in source.columns:
        missing.append(settings.get("value") or "")
    return missing


def _address_head(expression: str) -> str:
    """SQL of an address up to its first number followed by a separator (「中野区中野5-」,
    「中野五丁目12番」, 「高松市番町１丁目」): all a town needs, and a table's addresses become as
    few groups as its blocks rather than one per building. A leading postal code is dropped first."""
    stripped = f"regexp_replace({expression}, '^〒?\\s*[0-9０-９]{{3}}[-－ー‐]?[0-9０-９]{{4}}\\s*', '')"
    # 「(?\\:」: a non-capturing group, its colon escaped from SQLAlchemy's bind parameters.
    # The shortest head that ends in a number and a separator: 「…第２号1234-」 keeps the town
    # 「…第２号」 whole (PostgreSQL: the first quantifier, non-greedy, makes the whole RE so).
    return f"coalesce(substring({stripped} from '^.*?[0-9０-９]+(?\\:丁目|[-‐‑–—−ー－の番])'), {stripped})"


def _grouped(connection: Any, source: Source, settings: dict[str, Any]) -> dict[str, Any]:
    columns = source.columns
    group = settings["group"]
    municipality = place = "NULL::text"
    if group == TOWN:
        written = [f"nullif(btrim({identifier(columns[c])}::text), '')" for c in PLACE_COLUMNS if c in columns]
        place = _address_head(written[0] if len(written) == 1 else f"coalesce({', '.join(written)})")
        if MUNICIPALITY_COLUMN in columns:
            municipality = f"{identifier(columns[MUNICIPALITY_COLUMN])}::text"
    elif group != FILE:
        place = f"nullif(btrim({identifier(columns[group])}::text), '')"
    if settings["measure"] == "sum":
        measured = identifier(columns[settings["value"]])
        number = values.number_sql(measured)
        value = f"sum({number})"
        skipped = f"count(*) FILTER (WHERE nullif(btrim({measured}::text), '') IS NOT NULL AND {number} IS NULL)"
    else:
        value, skipped = "count(*)", "0"
    found = connection.execute(sa.text(
        f"SELECT {municipality} AS municipality, {place} AS place, {value} AS value, count(*) AS n, "
        f"{skipped} AS skipped FROM {identifier(source.resource_id)}{_where(source)} GROUP BY 1, 2 "
        f"ORDER BY 4 DESC LIMIT {MAX_GROUPS + 1}")).all()
    groups = [{"municipality": r.municipality, "place": r.place, "value": aggregate.plain_number(r.value),
               "rows": int(r.n)} for r in found[:MAX_GROUPS]]
    return {"groups": groups, "truncated": len(found) > MAX_GROUPS,
            "skipped": sum(int(r.skipped) for r in found[:MAX_GROUPS])}


def _population(files: list[Source], resource_id: str | None) -> population_files.Residents | None:
    """The residents per town: of the population file asked for; else of every file of the
    latest survey, added up — the ward publishes 日本人 and 外国人 as two files of one date, and
    its residents are both."""
    read = [p for p in (population_files.read(s) for s in files) if p is not None and p.residents]
    if resource_id:
        read = [p for p in read if p.source.resource_id == resource_id]
    elif read:
        latest = max(population_files.sortable_month(p.date) for p in read)
        read = [p for p in read if population_files.sortable_month(p.date) == latest]
    return population_files.Residents.of(read) if read else None


def _file_entry(source: Source, missing: list[str]) -> dict[str, Any]:
    return {"resource_id": source.resource_id, "name": source.resource_name, "dataset": source.dataset_name,
            "dataset_title": source.dataset_title, "dataset_title_en": source.dataset_title_en,
            "mapped": [list(pair) for pair in source.mapped], "missing": missing, "used": not missing,
            "rows_counted": 0, "skipped": 0, "truncated": False}


def _versions(sources: list[Source]) -> str:
    with get_read_engine().begin() as connection:
        return ",".join(f"{s.resource_id}.{aggregate.table_version(connection, s.resource_id)}" for s in sources)


def analyse(settings: dict[str, Any]) -> dict[str, Any]:
    """The answer of ``nakano_analysis_data`` for validated ``settings`` (standard, group,
    measure, value, per_1000, population)."""
    standard = settings["standard"]
    sources = comparable(standard)
    options = choices(standard, sources)
    settings = {**settings, "group": settings.get("group") or options["groups"][0]}   # the first that works
    if settings["group"] not in options["groups"]:
        raise ChartError("analysis-no-such-group", column=readable(str(settings["group"]))[:80])
    if settings["measure"] == "sum" and settings.get("value") not in options["values"]:
        present = any(settings.get("value") in s.columns for s in sources)
        raise ChartError("chart-not-a-number" if present else "chart-no-such-column",
                         column=readable(str(settings.get("value") or ""))[:80])
    if settings.get("per_1000") and settings["group"] != TOWN:
        raise ChartError("analysis-per-1000-needs-towns")
    # The population files' versions are in the key: which one is read, and its towns, follow
    # from their contents; they are read only when the answer is computed.
    population_sources = comparable(population_files.STANDARD) if settings["group"] == TOWN else []
    wanted = json.dumps(settings, sort_keys=True, ensure_ascii=False, default=str)
    key = _PREFIX + hashlib.sha256((wanted + _versions(sources + population_sources)).encode()).hexdigest()[:40]
    found = aggregate.kept(key)
    if found is not None:
        return {**found, "cached": True}
    if settings.get("population") and settings["population"] not in {s.resource_id for s in population_sources}:
        raise ChartError("analysis-no-such-population", population=readable(str(settings["population"]))[:80])
    people = _population(population_sources, settings.get("population")) if population_sources else None
    if settings.get("per_1000") and people is None:
        raise ChartError("analysis-no-population")
    answer = _compute(standard, sources, settings, people)
    answer["choices"] = {**options, "populations": [
        {"resource_id": s.resource_id, "dataset_title": s.dataset_title, "name": s.resource_name}
        for s in population_sources]}
    aggregate.keep(key, answer)
    return {**answer, "cached": False}


def _compute(standard: str, sources: list[Source], settings: dict[str, Any],
             people: population_files.Residents | None) -> dict[str, Any]:
    files = []
    grouped = []
    with get_read_engine().begin() as connection:
        connection.execute(sa.text(f"SET LOCAL statement_timeout = {aggregate.TIMEOUT_MS}"))
        for source in sources:
            entry = _file_entry(source, _needed(source, settings))
            files.append(entry)
            if not entry["used"]:
                continue
            try:
                found = _grouped(connection, source, settings)
            except sa.exc.OperationalError as error:
                if "statement timeout" in str(error.orig):
                    raise ChartError("chart-too-slow", seconds=aggregate.TIMEOUT_MS // 1000) from error
                raise
            entry.update(rows_counted=sum(g["rows"] for g in found["groups"]), skipped=found["skipped"],
                         truncated=found["truncated"])
            grouped.append((source, found["groups"]))
    answer: dict[str, Any] = {"standard": standard, "group": settings["group"], "files": files, "rows": [], "unmatched": None,
                              "no_residents": [], "population": None}
    if settings["group"] == FILE:
        answer["rows"] = [{"label": f"{s.dataset_title} / {s.resource_name}" if s.resource_name else s.dataset_title,
                           "value": sum((g["value"] or 0) for g in groups), "rows": sum(g["rows"] for g in groups),
                           "resource_id": s.resource_id} for s, groups in grouped]
    elif settings["group"] == TOWN:
        _by_town(answer, grouped, settings, people)
    else:
        added: dict[Any, float] = {}
        rows: Counter = Counter()
        for _, groups in grouped:
            for g in groups:
                added[g["place"]] = added.get(g["place"], 0) + (g["value"] or 0)
                rows[g["place"]] += g["rows"]
        answer["rows"] = [{"label": label, "value": value, "rows": rows[label]} for label, value in added.items()]
    answer["rows"].sort(key=lambda r: (-(r["value"] or 0), str(r["label"])))
    return answer


def _by_town(answer: dict[str, Any], grouped: list[tuple[Source, list[dict[str, Any]]]], settings: dict[str, Any],
             people: population_files.Residents | None) -> None:
    known = [Town(WARD, name) for name in vocab.towns()]    # first: the ward's spelling wins
    if people is not None:
        known += list(people.residents)
    names = TownNames(known)
    totals: dict[Town, float] = {}
    rows: Counter = Counter()
    unmatched: Counter = Counter()
    for _, groups in grouped:
        for g in groups:
            town = names.find(g["place"], g["municipality"])
            if town is None:
                unmatched[g["place"] or ""] += g["rows"]
                continue
            totals[town] = totals.get(town, 0) + (g["value"] or 0)
            rows[town] += g["rows"]
    if unmatched:
        answer["unmatched"] = {"rows": sum(unmatched.values()), "places": len(unmatched),
                               "examples": [p for p, _ in unmatched.most_common(UNMATCHED_SHOWN)]}
    if people is not None:
        answer["population"] = {"files": [{"resource_id": s.resource_id, "dataset": s.dataset_name,
                                           "dataset_title": s.dataset_title, "name": s.resource_name}
                                          for s in people.sources],
                                "date": population_files.survey_date(people.date), "towns": len(people.residents)}
    if not settings.get("per_1000"):
        answer["rows"] = [{"label": t.label, "value": v, "rows": rows[t], "ward": t.municipality == WARD}
                          for t, v in totals.items()]
        return
    # Per 1,000 residents: every town of the population file, 0 where no file has a row there
    # (no AED in a town is a figure too); towns with rows but no residents figure are said.
    own_spelling = {(t.municipality, key(t.name)): t for t in people.residents}
    counted: dict[Town, tuple[float, int]] = {}
    for town, value in totals.items():
        own = own_spelling.get((town.municipality, key(town.name)))
        if own is None or people.residents[own] <= 0:     # no rate without residents: said, not dropped
            answer["no_residents"].append(town.label)
        else:
            counted[own] = (value, rows[town])
    # Only the municipalities some row is in: a file of another city is no 0 for each town here.
    covered = {town.municipality for town in counted}
    for town, residents in people.residents.items():
        if residents <= 0 or town.municipality not in covered:
            continue
        value, counted_rows = counted.get(town, (0, 0))
        answer["rows"].append({"label": town.label, "value": round(float(Decimal(str(value)) * 1000 / residents), 2),
                               "count": value, "residents": residents, "rows": counted_rows,
                               "few_residents": residents < FEW_RESIDENTS,
                               "ward": town.municipality == WARD})
    answer["no_residents"].sort()

