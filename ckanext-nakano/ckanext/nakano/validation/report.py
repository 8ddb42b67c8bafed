"""Validation reports: coded issues with row/column, grouped for people, said in the reader's language.

Every issue keeps its message code and parameters (``messages.yaml``); the text is made
when the report is shown, in the reader's language (messages.py: ``say``), so a
stored report holds codes and values only (no text; reports of versions 1 and 2 also kept
``message_ja``/``message_en``, validation/summary.py reads them).

Issues are counted into groups as they are added (one per message code and
column, or per code for the file-wide ones), so the summary stays exact
however many issues the detailed list leaves out.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..messages import catalog, gettext, ngettext, pgettext, say, template
from ..messages import known as _known

MAX_ISSUES = 500      # detailed issues kept per report: enough to act on, bounded in size
MAX_EXAMPLES = 3      # rows quoted per group
MAX_NAMES = 30        # columns named by a group of the whole file (unknown columns …)
REPORT_VERSION = 3    # 1: issues only (before groups); 2: groups, issue params, issues_total;
                      # 3: no stored texts, values said in any language (no ``*_ja``/``*_en`` params)


def known(code: str) -> bool:
    return _known(code)


def render(code: str, lang: str | None, params: dict[str, Any], part: str = "") -> str:
    """The message ``code`` (or its ``group``/``fix`` part) in ``lang`` (None: the reader's)."""
    return say(code, params, part, lang)


def complete_fix(code: str, lang: str | None = None) -> bool:
    """The code's 「直し方」 needs no parameters (so it can be shown for a report that kept none)."""
    text = template(code, "fix")
    return bool(text) and "{" not in text


def example_text(lang: str | None, row: int | None, value: str | None) -> str:
    """「3 行目 "054 626 1139"」 / 'row 3: "054 626 1139"'."""
    if value is None or value == "":
        return gettext("row %(row)s", lang, row=row) if row else ""
    quoted = f'"{value[:40]}"'
    if not row:
        return quoted
    return gettext("row %(row)s: %(value)s", lang, row=row, value=quoted)


def _whole_file(code: str) -> bool:
    return (catalog().get(code) or {}).get("group_by") == "file"


@dataclass
class Issue:
    code: str
    severity: str                  # "error" (the file breaks a rule) or "warning"
    row: int | None = None         # 1-based row of the file (header = 1)
    column: int | None = None      # 1-based column
    column_name: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str | None = None) -> str:
        """The issue in ``lang`` (None: the reader's language)."""
        return say(self.code, self.params, lang=lang)

    # For Python callers that want one language whatever the reader's (not stored).
    @property
    def message_ja(self) -> str:
        return self.message("ja")

    @property
    def message_en(self) -> str:
        return self.message("en")


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
            self.issues.append(Issue(code, severity, row, column, column_name, params))
        if severity == "error" and self.status == "valid":
            self.status = "invalid"

    def _group(self, code: str, severity: str, row: int | None, column: int | None,
               column_name: str | None, params: dict[str, Any]) -> None:
        whole_file = _whole_file(code)
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
        """The stored form: codes and values (the texts are made when it is shown)."""
        return asdict(self)


def group_text(code: str, lang: str | None, count: int, params: dict[str, Any],
               examples: list[dict[str, Any]]) -> str:
    """One line for a group: the code's ``group`` text, or its message with the count and examples."""
    shown = [example_text(lang, e.get("row"), e.get("value")) for e in examples]
    shown = [s for s in shown if s]
    named = [e["value"] for e in examples if e.get("value")]
    # TRANSLATORS: a name quoted in a sentence (Japanese: 「name」).
    names = pgettext("list separator", ", ", lang).join(gettext('"%(name)s"', lang, name=n) for n in named)
    if count > len(named) and named:
        names = ngettext("%(names)s and %(num)d more", "%(names)s and %(num)d more", count - len(named), lang,
                         names=names)
    values = {**params, "count": count, "example": shown[0] if shown else "",
              "examples": pgettext("list separator", "; ", lang).join(shown[:MAX_EXAMPLES]), "names": names,
              "more": count - len(examples)}
    text = render(code, lang, values, "group") if count > 1 or _whole_file(code) else ""
    if text:
        return text
    text = render(code, lang, values) if known(code) else ""
    return counted(text, count, values["examples"] if shown else "", lang)


def counted(text: str, count: int, examples: str, lang: str | None) -> str:
    """A message said once for ``count`` issues: with the count, and the examples if any."""
    if count <= 1:
        return text
    if examples:
        return ngettext("%(text)s (%(num)d time; e.g. %(examples)s)", "%(text)s (%(num)d times; e.g. %(examples)s)",
                        count, lang, text=text, examples=examples)
    return ngettext("%(text)s (%(num)d time)", "%(text)s (%(num)d times)", count, lang, text=text)
