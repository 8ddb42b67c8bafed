"""A stored validation report as people read it: one line, then its groups, in one language.

Reads every stored shape: reports stored before groups existed (version 1:
issues only, frictionless's English notes as ``schema-error``) are grouped
here, so old reports render like new ones without a migration.
"""
from __future__ import annotations

from typing import Any

from .report import MAX_EXAMPLES, complete_fix, example_text, group_text, known, render

OLD_FRICTIONLESS_LIMIT = 300   # version 1 stopped frictionless there without saying so

HEADLINES = {
    "pending": ("検証待ち", "Validation pending"),
    "error": ("検証できませんでした", "Could not be validated"),
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


def _text(group: dict[str, Any], lang: str) -> tuple[str, str]:
    """The group's line and its 「直し方」, rendered from its code when the catalog knows it."""
    code, params = group.get("code", ""), group.get("params")
    if params is None:   # version 1: the stored text, counted
        text = group.get(f"message_{lang}") or group.get("message_ja", "")
        if group.get("count", 1) > 1:
            rows = ("、" if lang == "ja" else ", ").join(
                example_text(lang, e.get("row"), None) for e in group.get("examples") or [])
            text += (f"（{group['count']} 件。例: {rows}）" if lang == "ja" else
                     f" ({group['count']} times; e.g. {rows})") if rows else (
                     f"（{group['count']} 件）" if lang == "ja" else f" ({group['count']} times)")
        return text, render(code, lang, {}, "fix") if complete_fix(code, lang) else ""
    params = dict(params)
    if code == "schema-error":   # version 1: frictionless's English note; say it in the reader's words
        values = {**params, "count": group["count"],
                  "examples": ("、" if lang == "ja" else ", ").join(
                      example_text(lang, e.get("row"), None) for e in group.get("examples") or [])}
        return render(code, lang, values, "group"), render(code, lang, values, "fix")
    if known(code) and (params or group.get("examples") or not group.get(f"message_{lang}")):
        return (group_text(code, lang, group["count"], params, group.get("examples") or []),
                render(code, lang, params, "fix"))
    return group.get(f"message_{lang}") or group.get("message_ja", ""), group.get(f"fix_{lang}", "")


def view(validation: dict[str, Any], lang: str) -> dict[str, Any]:
    """What the resource page shows: a headline, the groups (problems first) and the detailed rows."""
    lang = "en" if lang == "en" else "ja"
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
        headline = HEADLINES[status][lang == "en"]
    elif problems:
        headline = f"{problems} problem{'s' if problems > 1 else ''}" if lang == "en" else f"{problems}件の問題"
    else:
        headline = "Machine-readable: no problems" if lang == "en" else "機械判読に問題なし"
    if notes and status not in HEADLINES:
        headline += f" ({notes} note{'s' if notes > 1 else ''})" if lang == "en" else f"（注意 {notes} 件）"
    rows = []
    for issue in report.get("issues") or []:
        params = issue.get("params")
        text = render(issue["code"], lang, params) if params is not None and known(issue.get("code", "")) else ""
        rows.append({"row": issue.get("row"), "column": issue.get("column_name") or issue.get("column"),
                     "severity": issue.get("severity", "error"),
                     "text": text or issue.get(f"message_{lang}") or issue.get("message_ja", "")})
    listed, total = len(rows), report.get("issues_total") or len(rows)
    truncated = ""
    if report.get("issues_truncated") and total > listed:
        truncated = (f"The list shows {listed} of {total} issues; the groups above count them all."
                     if lang == "en" else f"一覧は全 {total} 件のうち {listed} 件です（上のまとめは全件を数えています）。")
    return {"status": status, "headline": headline, "problems": problems, "notes": notes, "groups": groups,
            "rows": rows, "truncated": truncated, "encoding": report.get("encoding"),
            "row_count": report.get("rows") or 0, "standard": report.get("standard"),
            "copies": report.get("copies") or {}}
