"""Per-department harvest report: each source's last run, its counts, its
errors (Japanese first) and the files that left their source."""
from __future__ import annotations

import re
from typing import Any

from ckan import model
from ckanext.harvest.model import HarvestJob, HarvestSource

from ..model import HarvestFile
from . import messages
from .schedule import summary

COUNTS = ("added", "updated", "not modified", "errored")


def department_report(departments: list[str] | None = None) -> list[dict[str, Any]]:
    """``departments``: organization names to include (None: all). A department
    without a source is listed too, with no sources (the page explains)."""
    query = (model.Session.query(HarvestSource, model.Package, model.Group)
             .join(model.Package, model.Package.id == HarvestSource.id)
             .outerjoin(model.Group, model.Group.id == model.Package.owner_org)
             .filter(model.Package.state == "active"))
    if departments is not None:
        query = query.filter(model.Group.name.in_(departments))
    by_department: dict[str, dict[str, Any]] = {}
    for source, package, group in query.order_by(model.Group.name, model.Package.name):
        name = group.name if group else ""
        department = by_department.setdefault(name, {
            "name": name, "title": group.title if group else "", "sources": []})
        department["sources"].append(_source_entry(source, package))
    organizations = model.Session.query(model.Group.name, model.Group.title).filter(
        model.Group.is_organization.is_(True), model.Group.state == "active")
    if departments is not None:
        organizations = organizations.filter(model.Group.name.in_(departments))
    for name, title in organizations.order_by(model.Group.name):
        by_department.setdefault(name, {"name": name, "title": title, "sources": []})
    for department in by_department.values():
        department["totals"] = {k: sum(s["counts"].get(k, 0) for s in department["sources"]) for k in COUNTS}
    return sorted(by_department.values(), key=lambda d: (not d["sources"], d["name"]))


def _source_entry(source: HarvestSource, package: model.Package) -> dict[str, Any]:
    job = (model.Session.query(HarvestJob).filter_by(source_id=source.id)
           .order_by(HarvestJob.created.desc()).first())
    last = summary(job) if job else None
    missing = (model.Session.query(HarvestFile).filter_by(source_id=source.id, state="missing")
               .order_by(HarvestFile.guid).all())
    return {
        "name": package.name,
        "title": source.title or package.name,
        "type": source.type,
        "url": source.url,
        "last_run": {"job_id": job.id, "status": job.status,
                     "started": job.gather_started.isoformat() if job.gather_started else None,
                     "finished": job.finished.isoformat() if job.finished else None} if job else None,
        "counts": {k: (last.counts.get(k, 0) if last else 0) for k in COUNTS},
        "outcome": outcome(job.status, last.counts, last.errors) if job and last else None,
        "errors": [readable_error(e) for e in last.errors] if last else [],
        "missing": [{"guid": f.guid, "package_id": f.package_id,
                     "since": f.missing_since.isoformat() if f.missing_since else None} for f in missing],
    }


def outcome(status: str, counts: dict[str, int], errors: list[str]) -> dict[str, str]:
    """How a run ended, as people say it: a finished job whose gathering failed
    (nothing added, updated or unchanged, and errors) failed; ckanext-harvest
    calls it "Finished"."""
    done = sum(counts.get(k, 0) for k in ("added", "updated", "not modified"))
    if status == "New":
        return {"code": "waiting", "ja": "待機中", "en": "Waiting"}
    if status == "Running":
        return {"code": "running", "ja": "実行中", "en": "Running"}
    if errors and not done:
        return {"code": "failed", "ja": "失敗", "en": "Failed"}
    if counts.get("errored"):
        return {"code": "partial", "ja": "一部失敗", "en": "Partly failed"}
    return {"code": "finished", "ja": "完了", "en": "Finished"}


# ckanext-harvest's own harvesters report in English, with the exception text.
_ENGLISH_ERRORS = [
    (re.compile(r"NameResolution|Name or service not known|Temporary failure in name resolution|"
                r"nodename nor servname|Failed to resolve|Connection refused|timed out|Max retries", re.I),
     "source-unreachable"),
    (re.compile(r"\b(404|410)\b"), "source-not-found"),
]


def readable_error(stored: str) -> dict[str, str]:
    """``{"ja", "en", "detail"}`` of a stored error: the portal's own messages
    are bilingual already; English ones are said in Japanese and kept as the
    technical detail."""
    own = messages.bilingual(stored)
    if own:
        return {"ja": own[0], "en": own[1], "detail": ""}
    for pattern, code in _ENGLISH_ERRORS:
        found = pattern.search(stored)
        if found:
            ja, en = messages.text(code, detail=found.group(0)).split(" / ", 1)
            return {"ja": ja, "en": en, "detail": stored[:500]}
    ja, en = messages.text("source-error").split(" / ", 1)
    return {"ja": ja, "en": en, "detail": stored[:500]}

