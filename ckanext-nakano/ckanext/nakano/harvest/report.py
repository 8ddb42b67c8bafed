"""Per-department harvest report: each source's last run, its counts, its
errors (in the reader's language) and the files that left their source."""
from __future__ import annotations

import re
from typing import Any

from ckan import model
from ckanext.harvest.model import HarvestGatherError, HarvestJob, HarvestObject, HarvestObjectError, HarvestSource

from ..model import HarvestFile
from .. import messages
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
    errors = job_errors(job) if job else []
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
        "outcome": outcome(job.status, last.counts, errors) if job and last else None,
        "errors": errors,
        "missing": [{"guid": f.guid, "package_id": f.package_id,
                     "since": f.missing_since.isoformat() if f.missing_since else None} for f in missing],
    }


def outcome(status: str, counts: dict[str, int], errors: list[Any]) -> dict[str, str]:
    """How a run ended, as people say it: a finished job whose gathering failed
    (nothing added, updated or unchanged, and errors) failed; ckanext-harvest
    calls it "Finished". ``{"code", "text"}``, the text in the reader's language."""
    done = sum(counts.get(k, 0) for k in ("added", "updated", "not modified"))
    if status == "New":
        return {"code": "waiting", "text": messages.pgettext("harvest run", "Waiting")}
    if status == "Running":
        return {"code": "running", "text": messages.pgettext("harvest run", "Running")}
    if errors and not done:
        return {"code": "failed", "text": messages.pgettext("harvest run", "Failed")}
    if counts.get("errored"):
        return {"code": "partial", "text": messages.pgettext("harvest run", "Partly failed")}
    return {"code": "finished", "text": messages.pgettext("harvest run", "Finished")}


# ckanext-harvest's own harvesters report in English, with the exception text.
_ENGLISH_ERRORS = [
    (re.compile(r"NameResolution|Name or service not known|Temporary failure in name resolution|"
                r"nodename nor servname|Failed to resolve|Connection refused|timed out|Max retries", re.I),
     "source-unreachable"),
    (re.compile(r"\b(404|410)\b"), "source-not-found"),
]


def job_errors(job: HarvestJob) -> list[dict[str, Any]]:
    """The job's gather errors, then its objects' errors (``item``: the object's guid), readable."""
    errors = [readable_error(e.message) for e in
              model.Session.query(HarvestGatherError).filter_by(harvest_job_id=job.id)]
    for error, guid in (model.Session.query(HarvestObjectError, HarvestObject.guid)
                        .join(HarvestObject, HarvestObjectError.harvest_object_id == HarvestObject.id)
                        .filter(HarvestObject.harvest_job_id == job.id)):
        errors.append({**readable_error(error.message), "item": guid})
    return errors


def readable_error(stored: str, lang: str | None = None) -> dict[str, Any]:
    """``{"code", "text", "detail", "item"}`` of a stored error, the text in the reader's
    language: the portal's own (coded) messages are said from their code; English ones of
    ckanext-harvest are recognised where possible and kept as the technical detail."""
    parsed = messages.parse(stored)
    if parsed:
        code, values = parsed
        # A detail the message does not say (ckanext-harvest's English under remote-*) is technical.
        detail = "" if "{detail}" in messages.template(code) else str(values.get("detail") or "")
        return {"code": code, "text": messages.say(code, values, lang=lang), "detail": detail, "item": None}
    for pattern, code in _ENGLISH_ERRORS:
        found = pattern.search(stored)
        if found:
            return {"code": code, "text": messages.say(code, {"detail": found.group(0)}, lang=lang),
                    "detail": messages.readable(stored, lang)[:500], "item": None}
    return {"code": "source-error", "text": messages.say("source-error", lang=lang),
            "detail": messages.readable(stored, lang)[:500], "item": None}
