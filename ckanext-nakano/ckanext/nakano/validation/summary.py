"""A stored validation report as people read it: one line, then its groups, in the reader's language.

Reads every stored shape: reports stored before groups existed (version 1:
issues only, frictionless's English notes as ``schema-error``) are grouped
here, so old reports render like new ones without a migration. Reports of
versions 1 and 2 also kept their texts in Japanese and English
(``message_ja``/``message_en``): a group or issue without a code the catalogs
know is shown with them (Japanese to Japanese readers, English to the others).
"""
from __future__ import annotations

from typing import Any

from ..messages import gettext, ngettext, pgettext, reader_locale
from .report import MAX_EXAMPLES, complete_fix, counted, example_text, group_text, known, render

OLD_FRICTIONLESS_LIMIT = 300   # version 1 stopped frictionless there without saying so


def N_(message: str) -> str:
    """Marks a text for translation; it is translated where it is shown."""
    return message


HEADLINES = {
    "pending": N_("Validation pending"),
    "error": N_("Could not be validated"),
}


def upgraded(report: dict[str, Any] | None) -> dict[str, Any] | None:
    """The report with ``groups`` and ``issues_total``, whatever version it was stored as."""
    if not report or report.get("groups") is not None:
        return report
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for issue in report.get("issues") or []:
        code = issue.get("code", "")
        key = (code, issue.get("severity"), issue.get("column"))
        group = groups.setdefault(key, {
            "code": code, "severity": issue.get("severity", "error"), "count": 0,
            "column": issue.get("column"), "column_name": issue.get("column_name"),
            # Version 1 kept no parameters: its stored texts are used (None marks that).
            "params": {"column": issue.get("column_name") or ""} if code == "schema-error" else None,
            "examples": [], "message_ja": issue.get("message_ja", ""), "message_en": issue.get("message_en", ""),
            "fix_ja": "", "fix_en": ""})
        group["count"] += 1
        if len(group["examples"]) < MAX_EXAMPLES and issue.get("row"):
            group["examples"].append({"row": issue["row"], "value": None})
    result = dict(report, groups=list(groups.values()), issues_total=len(report.get("issues") or []))
    stopped = sum(g["count"] for g in result["groups"] if g["code"] == "schema-error")
    if stopped >= OLD_FRICTIONLESS_LIMIT:
        rows = [i.get("row") or 0 for i in report.get("issues") or [] if i.get("code") == "schema-error"]
        result["groups"].append({"code": "checks-stopped", "severity": "warning", "count": 1, "column": None,
                                 "column_name": None, "params": {"limit": stopped, "row": max(rows)},
                                 "examples": [], "message_ja": "", "message_en": "", "fix_ja": "", "fix_en": ""})
        result["issues_truncated"] = True
    return result


def _stored(item: dict[str, Any], name: str, lang: str | None) -> str:
    """``message``/``fix`` as a report of version 1 or 2 stored it: Japanese, or English."""
    japanese = item.get(f"{name}_ja", "")
    return japanese if reader_locale(lang) == "ja" else (item.get(f"{name}_en") or japanese)


def _neutral(params: dict[str, Any], lang: str | None) -> dict[str, Any]:
    """Values of version 2 that were stored in both languages (``type_ja``/``type_en`` …) as
    the one value the templates now name (``type``), in the reader's language."""
    params = dict(params)
    for key in [k for k in params if k.endswith("_ja")]:
        base = key[:-3]
        if base not in params and f"{base}_en" in params:
            params[base] = params[key] if reader_locale(lang) == "ja" else params[f"{base}_en"]
    return params


def _examples(group: dict[str, Any], lang: str | None) -> str:
    return pgettext("list separator", ", ", lang).join(
        example_text(lang, e.get("row"), None) for e in group.get("examples") or [])


def _text(group: dict[str, Any], lang: str | None) -> tuple[str, str]:
    """The group's line and its 「直し方」, rendered from its code when the catalog knows it."""
    code, params = group.get("code", ""), group.get("params")
    if params is None:   # version 1: the stored text, counted
        text = counted(_stored(group, "message", lang), group.get("count", 1), _examples(group, lang), lang)
        return text, render(code, lang, {}, "fix") if complete_fix(code) else ""
    params = _neutral(params, lang)
    if code == "schema-error":   # version 1: frictionless's English note; say it in the reader's words
        values = {**params, "count": group["count"], "examples": _examples(group, lang)}
        return render(code, lang, values, "group"), render(code, lang, values, "fix")
    if known(code) and (params or group.get("examples") or not _stored(group, "message", lang)):
        return (group_text(code, lang, group["count"], params, group.get("examples") or []),
                render(code, lang, params, "fix"))
    return _stored(group, "message", lang), _stored(group, "fix", lang)


def _issue_text(issue: dict[str, Any], lang: str | None) -> str:
    params = issue.get("params")
    text = render(issue["code"], lang, _neutral(params, lang)) if params is not None and known(
        issue.get("code", "")) else ""
    return text or _stored(issue, "message", lang)


def with_texts(report: dict[str, Any] | None, lang: str | None = None) -> dict[str, Any] | None:
    """The report (upgraded) with its texts, for the API: each group's ``message`` and ``fix``
    and each issue's ``message`` in the reader's language; ``message_ja``/``message_en`` (and a
    group's ``fix_ja``/``fix_en``), which reports of versions 1 and 2 stored, for the API
    readers of those (made from the codes now, not stored)."""
    report = upgraded(report)
    if not report:
        return report
    groups = []
    for group in report.get("groups") or []:
        (message, fix), (ja, fix_ja), (en, fix_en) = (_text(group, lang), _text(group, "ja"), _text(group, "en"))
        groups.append({**group, "message": message, "fix": fix, "message_ja": ja, "message_en": en,
                       "fix_ja": fix_ja, "fix_en": fix_en})
    issues = [{**issue, "message": _issue_text(issue, lang), "message_ja": _issue_text(issue, "ja"),
               "message_en": _issue_text(issue, "en")} for issue in report.get("issues") or []]
    return {**report, "groups": groups, "issues": issues}


def view(validation: dict[str, Any], lang: str | None = None) -> dict[str, Any]:
    """What the resource page shows: a headline, the groups (problems first) and the detailed rows,
    in ``lang`` (None: the reader's language)."""
    status = validation.get("status", "pending")
    report = upgraded(validation.get("report")) or {}
    groups = []
    for group in report.get("groups") or []:
        text, fix = _text(group, lang)
        groups.append({"severity": group.get("severity", "error"), "count": group.get("count", 1),
                       "text": text, "fix": fix})
    groups.sort(key=lambda g: g["severity"] != "error")
    problems = sum(1 for g in groups if g["severity"] == "error")
    notes = len(groups) - problems
    if status in HEADLINES:
        headline = gettext(HEADLINES[status], lang)
    elif problems:
        headline = ngettext("%(num)d problem", "%(num)d problems", problems, lang)
    else:
        headline = gettext("Machine-readable: no problems", lang)
    if notes and status not in HEADLINES:
        headline = ngettext("%(headline)s (%(num)d note)", "%(headline)s (%(num)d notes)", notes, lang,
                            headline=headline)
    rows = []
    for issue in report.get("issues") or []:
        rows.append({"row": issue.get("row"), "column": issue.get("column_name") or issue.get("column"),
                     "severity": issue.get("severity", "error"), "text": _issue_text(issue, lang)})
    listed, total = len(rows), report.get("issues_total") or len(rows)
    truncated = ""
    if report.get("issues_truncated") and total > listed:
        truncated = gettext("The list shows %(listed)s of %(total)s issues; the groups above count them all.",
                            lang, listed=listed, total=total)
    return {"status": status, "headline": headline, "problems": problems, "notes": notes, "groups": groups,
            "rows": rows, "truncated": truncated, "encoding": report.get("encoding"),
            "row_count": report.get("rows") or 0, "standard": report.get("standard"),
            "copies": report.get("copies") or {}}
