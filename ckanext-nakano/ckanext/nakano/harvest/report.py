"""Per-department harvest report: each source's last run, its counts, its
errors (Japanese first) and the files that left their source."""
from __future__ import annotations

from typing import Any

from ckan import model
from ckanext.harvest.model import HarvestJob, HarvestSource

from ..model import HarvestFile
from .runner import summary

COUNTS = ("added", "updated", "not modified", "errored")


def department_report(departments: list[str] | None = None) -> list[dict[str, Any]]:
    """``departments``: organization names to include (None: all)."""
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
    for department in by_department.values():
        department["totals"] = {k: sum(s["counts"].get(k, 0) for s in department["sources"]) for k in COUNTS}
    return list(by_department.values())


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
        "errors": last.errors if last else [],
        "missing": [{"guid": f.guid, "package_id": f.package_id,
                     "since": f.missing_since.isoformat() if f.missing_since else None} for f in missing],
    }
