"""Dataset quality score: the indicators of schemas/quality.yaml, evaluated on
the dataset, its validation reports and its latest link checks."""
from __future__ import annotations

import datetime
import json
import logging
from functools import cache
from typing import Any, Callable
from urllib.parse import urlparse

import yaml

import ckan.plugins.toolkit as tk
from ckan import model

from .. import vocab
from ..background import queues
from ..language_text import labels
from ..model import LinkCheck, Quality, Validation
from ..reuses import figures as reuse_figures

log = logging.getLogger(__name__)
BAD_LINK = ("broken", "refused", "error")


@cache
def rules() -> dict[str, Any]:
    """schemas/quality.yaml, each rating, dimension and indicator with its texts
    gathered as ``name`` (and each indicator's hint as ``hint``): {language: text},
    which the pages give in their language (h.scheming_language_text)."""
    table = yaml.safe_load((vocab.VOCAB.parent / "quality.yaml").read_text(encoding="utf-8"))
    for entry in table["ratings"] + table["dimensions"]:
        entry["name"] = labels(entry)
    for dim in table["dimensions"]:
        for ind in dim["indicators"]:
            ind["name"], ind["hint"] = labels(ind), labels(ind, "hint_")
    return table


@cache
def _known_licenses() -> set[str]:
    return {lic["id"] for lic in json.loads(vocab.licenses_file().read_text(encoding="utf-8"))}


def _date(value: Any) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.datetime.fromisoformat(str(value)[:19]).date()
    except ValueError:
        try:
            return datetime.date.fromisoformat(str(value)[:10])
        except ValueError:
            return None


def freshness(pkg: dict[str, Any], today: datetime.date | None = None) -> dict[str, Any]:
    """on_time / overdue (with the due date), not_applicable (irregular), undeclared."""
    today = today or datetime.date.today()
    code = (pkg.get("frequency") or "").rstrip("/").rsplit("/", 1)[-1]
    table = rules()
    if not code or code in table["not_on_time"]:
        return {"status": "undeclared", "due": None}
    period = table["periods"].get(code)
    if period is None:
        return {"status": "not_applicable", "due": None}
    modified = _date(pkg.get("modified")) or _date(pkg.get("metadata_modified")) or today
    due = modified + datetime.timedelta(days=round(period * (1 + table["grace"])))
    return {"status": "overdue" if today > due else "on_time", "due": due.isoformat()}


def _every(resources: list[dict[str, Any]], test: Callable[[dict[str, Any]], bool]) -> bool:
    return bool(resources) and all(test(r) for r in resources)


def _direct_file(res: dict[str, Any]) -> bool:
    if res.get("url_type") == "upload":
        return True
    name = urlparse(res.get("url") or "").path.rsplit("/", 1)[-1]
    return "." in name


def indicators(pkg: dict[str, Any], validations: dict[str, str], links: dict[str, str],
               today: datetime.date | None = None, reuses: int = 0) -> dict[str, bool]:
    """Each indicator of quality.yaml → passed?"""
    resources = pkg.get("resources") or []
    table = rules()
    fmt = [(r.get("format") or "").strip().upper().lstrip(".") for r in resources]
    states = [validations.get(r["id"], "none") for r in resources]
    tabular = [s for s in states if s != "none"]
    link_ok = all(links.get(r["id"]) not in BAD_LINK for r in resources)
    return {
        "keywords": bool(pkg.get("tags")),
        "theme": bool(pkg.get("category")),
        "spatial": any(a.get("text") for a in pkg.get("spatial_coverage") or []),
        "temporal": any(t.get("start") for t in pkg.get("temporal_coverage") or []),
        "access_url_ok": bool(resources) and link_ok,
        "download_url": _every(resources, _direct_file),
        "download_url_ok": _every(resources, _direct_file) and link_ok,
        "format": bool(fmt) and all(fmt),
        "media_type": _every(resources, lambda r: bool(r.get("mimetype"))),
        "open_format": any(f in table["open_formats"] for f in fmt),
        "machine_readable": any(f in table["machine_readable_formats"] for f in fmt),
        "conforms": "valid" in tabular and not any(s in ("invalid", "error") for s in tabular),
        "license": bool(pkg.get("license_id")) and pkg.get("license_id") != "notspecified",
        "license_vocabulary": pkg.get("license_id") in _known_licenses(),
        "access_rights": not pkg.get("private"),
        "contact": any(c.get("email") or c.get("phone") or c.get("url") for c in pkg.get("contact") or []),
        "publisher": bool(pkg.get("owner_org")),
        "reused": reuses > 0,
        "byte_size": _every(resources, lambda r: bool(r.get("size"))),
        "issued": bool(pkg.get("issued")),
        "modified": bool(pkg.get("modified")),
        "on_time": freshness(pkg, today)["status"] in ("on_time", "not_applicable"),
    }


def score(pkg: dict[str, Any], validations: dict[str, str], links: dict[str, str],
          today: datetime.date | None = None, reuses: int = 0) -> dict[str, Any]:
    """Score, maximum, rating, each dimension with its indicators and what would raise it."""
    passed = indicators(pkg, validations, links, today, reuses)
    dimensions, total, maximum = [], 0, 0
    for dim in rules()["dimensions"]:
        items = [{k: v for k, v in ind.items() if k not in ("name", "hint")}
                 | {"ok": passed[ind["id"]], "max": ind["points"], "points": ind["points"] if passed[ind["id"]] else 0}
                 for ind in dim["indicators"]]
        got, most = sum(i["points"] for i in items), sum(i["max"] for i in items)
        dimensions.append({"id": dim["id"], **dim["name"], "points": got, "max": most, "indicators": items})
        total, maximum = total + got, maximum + most
    rating = next(r for r in rules()["ratings"] if total >= r["min"] * maximum)
    # One figure everywhere: the percentage (department pages average it).
    percent = round(100 * total / maximum) if maximum else 0
    # Texts stay {language: text} (stored with the score); the page picks its language.
    return {"score": total, "max_score": maximum, "percent": percent,
            "rating": dict(rating["name"]),
            "dimensions": dimensions, "freshness": freshness(pkg, today),
            "to_raise": [{**labels(i, "hint_"), "points": i["max"],
                          "percent": round(100 * i["max"] / maximum) if maximum else 0}
                         for d in dimensions for i in d["indicators"] if not i["ok"]]}


def evaluate(pkg: dict[str, Any]) -> dict[str, Any]:
    """Score a dataset as it is now (validation reports and link checks from the database)."""
    ids = [r["id"] for r in pkg.get("resources") or []]
    validations = {v.resource_id: v.status for v in
                   model.Session.query(Validation).filter(Validation.resource_id.in_(ids))} if ids else {}
    links = {c.resource_id: c.status for c in
             model.Session.query(LinkCheck).filter(LinkCheck.resource_id.in_(ids))} if ids else {}
    return score(pkg, validations, links, reuses=reuse_figures.published_count(pkg["id"]))


def store(pkg: dict[str, Any], result: dict[str, Any]) -> None:
    row = Quality.get(pkg["id"]) or Quality(package_id=pkg["id"])
    row.organization_id = pkg.get("owner_org")
    row.score, row.max_score = result["score"], result["max_score"]
    row.freshness = result["freshness"]["status"]
    row.detail = result
    row.computed = datetime.datetime.utcnow()
    model.Session.add(row)
    model.Session.commit()


def refresh(package_id: str) -> dict[str, Any] | None:
    """Recompute and store one dataset's score (a background job after each edit)."""
    context = {"ignore_auth": True, "user": ""}
    try:
        pkg = tk.get_action("package_show")(context, {"id": package_id})
    except tk.ObjectNotFound:
        model.Session.query(Quality).filter_by(package_id=package_id).delete()
        model.Session.commit()
        return None
    if pkg.get("state") != "active" or pkg.get("type") != "dataset":
        model.Session.query(Quality).filter_by(package_id=pkg["id"]).delete()
        model.Session.commit()
        return None
    result = evaluate(pkg)
    store(pkg, result)
    return result


def refresh_all() -> int:
    """Every active dataset (nightly, and after link checks)."""
    ids = [pid for (pid,) in model.Session.query(model.Package.id).filter_by(state="active", type="dataset")]
    stale = model.Session.query(Quality).filter(Quality.package_id.notin_(ids)) if ids else model.Session.query(Quality)
    stale.delete(synchronize_session=False)
    model.Session.commit()
    for package_id in ids:
        refresh(package_id)
    return len(ids)


def enqueue(package_id: str) -> None:
    """Score a dataset again after an edit (in the background worker)."""
    try:
        queues.enqueue_once("quality", package_id, refresh, title=f"nakano quality {package_id}", queue=queues.LOW)
    except Exception:  # Redis away: the nightly refresh catches up
        log.warning("quality refresh of %s not queued", package_id)
