"""The numbers of a chart as people read them: the table beside the drawing, the CSV, the
drawing's input and the sentence that sums it up — all made from one ``nakano_chart_data``
answer, so the picture, the table and the download cannot disagree."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import flask_babel

import ckan.plugins.toolkit as tk

from . import towns

__all__ = ["ChartTable", "chart_table", "number_text", "measure_name", "summary", "readable",
           "MAX_CATEGORIES", "MAX_SERIES"]

# What one page draws and lists: more bars or lines than this are not read, only scrolled (a
# stacked chart of 1,000,000 rows by 名称 was a 16 MB page: the walk of issue 21).
MAX_CATEGORIES = 100
MAX_SERIES = 8

# Not in a label: control characters and non-characters (an SVG with them is not XML), and
# the bidi controls that make a label read backwards (「x\u202eevil」 drawn as 「xlive」).
_UNREADABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def readable(text: str) -> str:
    """A cell or a column name as a label of a chart."""
    return _UNREADABLE.sub("", text)


@dataclass
class ChartTable:
    """Categories (rows) × series (columns) of numbers; or points for a scatter chart."""
    kind: str
    x_name: str
    value_name: str
    categories: list[str] = field(default_factory=list)
    series: list[str] = field(default_factory=list)        # [] when there is one series
    cells: list[list[float | None]] = field(default_factory=list)   # [category][series]
    points: list[tuple[float, float]] = field(default_factory=list)
    y_name: str = ""
    unmatched: list[str] = field(default_factory=list)   # towns kind: labels naming no town
    cut: bool = False     # more categories or series than one chart shows (MAX_CATEGORIES, MAX_SERIES)

    @property
    def totals(self) -> list[float]:
        return [sum(v or 0 for v in row) for row in self.cells]

    @property
    def headers(self) -> list[str]:
        if self.kind == "scatter":
            return [self.x_name, self.y_name]
        return [self.x_name, *(self.series or [self.value_name])]

    def rows(self) -> list[list[Any]]:
        """The table's body: a row per category (or per point), numbers as numbers."""
        if self.kind == "scatter":
            return [[x, y] for x, y in self.points]
        return [[label, *row] for label, row in zip(self.categories, self.cells)]


def blank_label() -> str:
    return tk._("(blank)")


def number_text(value: float | None) -> str:
    """A number in the page's language (thousands separated, at most two decimals)."""
    if value is None:
        return "—"
    return flask_babel.format_decimal(value, format="#,##0.##")


def measure_name(settings: dict[str, Any]) -> str:
    """What the numbers are: 「件数」, 「人口の合計」 …"""
    measure, column = settings.get("measure", "count"), settings.get("value") or ""
    if measure == "count":
        return tk._("Number of rows")
    return {"sum": tk._("Sum of %(column)s"), "avg": tk._("Average of %(column)s"),
            "min": tk._("Smallest %(column)s"), "max": tk._("Largest %(column)s")}[measure] % {"column": column}


def chart_table(answer: dict[str, Any], settings: dict[str, Any]) -> ChartTable:
    """The answer of ``nakano_chart_data`` for ``settings``, as a table."""
    kind = settings.get("kind", "bar")
    if kind == "scatter":
        return ChartTable(kind, readable(settings.get("x", "")), readable(settings.get("value", "")),
                          y_name=readable(settings.get("value", "")),
                          points=[(r["x"], r["y"]) for r in answer["rows"]])
    table = ChartTable(kind, readable(settings.get("x", "")), readable(measure_name(settings)))
    if kind == "towns":
        merged, table.unmatched = towns.by_town(answer["rows"], settings.get("measure", "count"))
        table.categories = sorted(merged, key=lambda t: (-merged[t], t))
        table.cells = [[merged[t]] for t in table.categories]
        return table
    categories: dict[str, int] = {}
    series: dict[str, int] = {}
    values: dict[tuple[int, int], float | None] = {}
    with_series = bool(settings.get("series"))
    for row in answer["rows"]:
        label = blank_label() if row["label"] is None else readable(str(row["label"]))
        name = (blank_label() if row["series"] is None else readable(str(row["series"]))) if with_series else ""
        c = categories.setdefault(label, len(categories))
        s = series.setdefault(name, len(series))
        values[(c, s)] = row["value"]
    empty = 0 if settings.get("measure", "count") in ("count", "sum") else None
    names = list(series) if with_series else [""]
    cells = [[values.get((c, s), empty) for s in range(len(names))] for c in range(len(categories))]
    labels = list(categories)
    if len(labels) > MAX_CATEGORIES:         # the groups come in the asked order: the first ones
        labels, cells = labels[:MAX_CATEGORIES], cells[:MAX_CATEGORIES]
        table.cut = True
    if with_series and len(names) > MAX_SERIES and settings.get("measure", "count") in ("count", "sum"):
        # The largest series by total, the others added up as one: 「その他」.
        totals = [sum(row[s] or 0 for row in cells) for s in range(len(names))]
        kept = sorted(range(len(names)), key=lambda s: -totals[s])[:MAX_SERIES - 1]
        rest = [s for s in range(len(names)) if s not in kept]
        cells = [[row[s] for s in kept] + [sum(row[s] or 0 for s in rest)] for row in cells]
        names = [names[s] for s in kept] + [tk._("Others")]
        table.cut = True
    elif with_series and len(names) > MAX_SERIES:   # an average of others is no number: left out
        cells = [row[:MAX_SERIES] for row in cells]
        names = names[:MAX_SERIES]
        table.cut = True
    table.categories, table.cells = labels, cells
    table.series = names if with_series else []
    return table


def summary(table: ChartTable, answer: dict[str, Any]) -> str:
    """One or two sentences that say what the chart shows (for screen readers and the text
    beside the chart): the largest category, the span of a line, or the number of points."""
    if table.kind == "scatter":
        return tk._("%(points)s points of %(y)s against %(x)s.") % {
            "points": number_text(len(table.points)), "y": table.y_name, "x": table.x_name}
    if not table.categories:
        return tk._("No rows match these settings.")
    totals = table.totals
    if table.kind == "towns":
        parts = [tk._("%(count)s of the ward's %(all)s towns have rows.") % {
            "count": number_text(len(totals)), "all": number_text(len(towns.cells()))}]
    else:
        parts = [tk._("%(count)s categories of %(column)s.") % {"count": number_text(len(totals)),
                                                                "column": table.x_name}]
    if table.kind == "line" and len(totals) > 1:
        parts.append(tk._("From %(first)s (%(first_value)s) to %(last)s (%(last_value)s).") % {
            "first": table.categories[0], "first_value": number_text(totals[0]),
            "last": table.categories[-1], "last_value": number_text(totals[-1])})
    top = max(range(len(totals)), key=lambda i: totals[i])
    parts.append(tk._("The largest is %(label)s (%(value)s).") % {"label": table.categories[top],
                                                                  "value": number_text(totals[top])})
    if table.unmatched:
        parts.append(tk._("%(count)s values of %(column)s name no town of the ward and are not on the map.") % {
            "count": number_text(len(table.unmatched)), "column": table.x_name})
    if answer.get("skipped"):
        parts.append(tk._("%(count)s cells that are not numbers were left out.") % {
            "count": number_text(answer["skipped"])})
    if answer.get("truncated") or table.cut:
        parts.append(tk._("Only the first %(categories)s categories and %(series)s series are shown; choose a filter or fewer categories for the others.") % {
            "categories": number_text(MAX_CATEGORIES), "series": number_text(MAX_SERIES)})
    return " ".join(parts)
