"""Validation reports: coded issues with row/column, grouped for people, in Japanese and English.

Every issue keeps its message code and parameters (``messages.yaml``), so a
page renders it in the reader's language; ``message_ja``/``message_en`` stay
in the stored report for API readers and for reports stored before groups.

Issues are counted into groups as they are added (one per message code and
column, or per code for the file-wide ones), so the summary stays exact
however many issues the detailed list leaves out.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

MAX_ISSUES = 500      # detailed issues kept per report: enough to act on, bounded in size
MAX_EXAMPLES = 3      # rows quoted per group
MAX_NAMES = 30        # columns named by a group of the whole file (unknown columns …)
REPORT_VERSION = 2    # 1: issues only (before groups); 2: groups, issue params, issues_total


@cache
def _messages() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(Path(__file__).with_name("messages.yaml").read_text(encoding="utf-8"))


def known(code: str) -> bool:
    return code in _messages()


class _Blank(dict):
    """Format values: a placeholder the stored parameters lack renders empty, never a KeyError."""

    def __missing__(self, key: str) -> str:
        return ""


def render(code: str, lang: str, params: dict[str, Any], part: str = "") -> str:
    """The message ``code`` (or its ``group``/``fix`` part) in ``lang`` ("ja" or "en")."""
    entry = _messages().get(code) or {}
    if part:
        entry = entry.get(part) or {}
    text = entry.get("en" if lang == "en" else "ja", "")
    return text.format_map(_Blank(params)) if text else ""


def complete_fix(code: str, lang: str) -> bool:
    """The code's 「直し方」 needs no parameters (so it can be shown for a report that kept none)."""
    text = ((_messages().get(code) or {}).get("fix") or {}).get(lang, "")
    return bool(text) and "{" not in text


def example_text(lang: str, row: int | None, value: str | None) -> str:
    """「3 行目 "054 626 1139"」 / 'row 3: "054 626 1139"'."""
    if value is None or value == "":
        return (f"row {row}" if lang == "en" else f"{row} 行目") if row else ""
    quoted = f'"{value[:40]}"'
    if not row:
        return quoted
    return f"row {row}: {quoted}" if lang == "en" else f"{row} 行目 {quoted}"


@dataclass
class Issue:
    code: str
    severity: str                  # "error" (the file breaks a rule) or "warning"
    message_ja: str
    message_en: str
    row: int | None = None         # 1-based row of the file (header = 1)
    column: int | None = None      # 1-based column
    column_name: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Group:
    """Issues of one kind: one code in one column (or in the whole file)."""
    code: str
    severity: str
    count: int = 0
    column: int | None = None
    column_name: str | None = None
    params: dict[str, Any] = field(default_factory=dict)      # of the first issue
    examples: list[dict[str, Any]] = field(default_factory=list)   # {row, value}
    message_ja: str = ""
    message_en: str = ""
    fix_ja: str = ""
    fix_en: str = ""


@dataclass
class Report:
    status: str = "valid"          # valid / invalid / error
    encoding: str | None = None
    declared_encoding: str | None = None
    file_format: str | None = None
    standard: str | None = None    # Table Schema suffix validated against
    recognised: list[dict[str, str]] = field(default_factory=list)
    rows: int = 0
    issues: list[Issue] = field(default_factory=list)
    issues_truncated: bool = False  # true when ``issues`` is not every issue found, or checks stopped early
    copies: dict[str, str] = field(default_factory=dict)   # kind → file name of a derived copy
    issues_total: int = 0          # every issue found (``issues`` keeps the first MAX_ISSUES)
    groups: list[Group] = field(default_factory=list)
    number_columns: list[str] = field(default_factory=list)   # only numbers: typed in the DataStore
    version: int = REPORT_VERSION

    def __post_init__(self) -> None:
        self._index: dict[tuple[Any, ...], Group] = {}   # not a field: not stored

    def add(self, code: str, severity: str = "error", *, row: int | None = None,
            column: int | None = None, column_name: str | None = None, listed: bool = True,
            **values: Any) -> None:
        """Counts the issue in its group; lists it unless ``listed`` is false or the list is full."""
        self.issues_total += 1
        params = {k: v for k, v in values.items() if v is not None}
        if column_name and "column" not in params:
            params["column"] = column_name
        if row is not None and "row" not in params:
            params["row"] = row
        self._group(code, severity, row, column, column_name, params)
        if not listed or len(self.issues) >= MAX_ISSUES:
            self.issues_truncated = True
        else:
            self.issues.append(Issue(code, severity, render(code, "ja", params), render(code, "en", params),
                                     row, column, column_name, params))
        if severity == "error" and self.status == "valid":
            self.status = "invalid"

    def _group(self, code: str, severity: str, row: int | None, column: int | None,
               column_name: str | None, params: dict[str, Any]) -> None:
        whole_file = (_messages().get(code) or {}).get("group_by") == "file"
        key = (code, severity, None if whole_file else column)
        group = self._index.get(key)
        if group is None:
            group = self._index[key] = Group(code, severity, column=None if whole_file else column,
                                             column_name=None if whole_file else column_name, params=dict(params))
            self.groups.append(group)
        group.count += 1
        if len(group.examples) < (MAX_NAMES if whole_file else MAX_EXAMPLES) and (
                row or params.get("value") or params.get("name")):
            group.examples.append({"row": row, "value": params.get("value", params.get("name"))})

    def fail(self, code: str, **values: Any) -> "Report":
        """The file cannot be validated at all."""
        self.add(code, **values)
        self.status = "error"
        return self

    def as_dict(self) -> dict[str, Any]:
        """The stored form; group texts are written here, once, not on every issue."""
        for group in self.groups:
            for lang in ("ja", "en"):
                setattr(group, f"message_{lang}", group_text(group.code, lang, group.count, group.params,
                                                             group.examples))
                setattr(group, f"fix_{lang}", render(group.code, lang, group.params, "fix"))
        return asdict(self)


def group_text(code: str, lang: str, count: int, params: dict[str, Any],
               examples: list[dict[str, Any]]) -> str:
    """One line for a group: the code's ``group`` text, or its message with the count and examples."""
    shown = [example_text(lang, e.get("row"), e.get("value")) for e in examples]
    shown = [s for s in shown if s]
    named = [e["value"] for e in examples if e.get("value")]
    names = ("、" if lang == "ja" else ", ").join(f"「{n}」" if lang == "ja" else f'"{n}"' for n in named)
    if count > len(named) and named:
        names += f" ほか {count - len(named)} 件" if lang == "ja" else f" and {count - len(named)} more"
    values = {**params, "count": count, "example": shown[0] if shown else "",
              "examples": ("、" if lang == "ja" else "; ").join(shown[:MAX_EXAMPLES]), "names": names,
              "more": count - len(examples)}
    text = render(code, lang, values, "group") if count > 1 or (_messages().get(code) or {}).get(
        "group_by") == "file" else ""
    if text:
        return text
    text = render(code, lang, values) if known(code) else ""
    if count > 1:
        text += (f"（{count} 件。例: {values['examples']}）" if lang == "ja"
                 else f" ({count} times; e.g. {values['examples']})") if shown else (
                 f"（{count} 件）" if lang == "ja" else f" ({count} times)")
    return text
