"""The ward's departments (CKAN organizations) as the portal's own lists name them: looked up
in one query per page, not one per row or facet value (a list of 20 requests named 9–30
departments one by one: bench/README.md, issue 20)."""
from __future__ import annotations

from typing import Any, Iterable

import cachetools

import ckan.plugins.toolkit as tk
from ckan import model

__all__ = ["departments", "department_ids", "english_titles", "named_for_page", "title_for_page"]

# Pages whose readers are better served by a department's English name than by its kanji
# (Chinese readers read the kanji of 子ども教育部 as they are).
_ENGLISH_NAMES_FOR = ("en", "ko_KR", "vi")
_english: cachetools.TTLCache = cachetools.TTLCache(maxsize=1, ttl=60)


def departments(org_ids: Iterable[str | None]) -> dict[str, dict[str, Any]]:
    """id → {id, name, title} of the departments named."""
    ids = {o for o in org_ids if o}
    if not ids:
        return {}
    rows = model.Session.query(model.Group.id, model.Group.name, model.Group.title).filter(model.Group.id.in_(ids))
    return {r.id: {"id": r.id, "name": r.name, "title": r.title} for r in rows}


def department_ids(refs: Iterable[str]) -> list[str]:
    """Departments given by name or id, as ids (a reference that names none is kept: it then
    matches nothing, as an unknown filter value should)."""
    refs = list(refs)
    known = dict(model.Session.query(model.Group.name, model.Group.id).filter(model.Group.name.in_(refs)).all())
    return [known.get(ref, ref) for ref in refs]


@cachetools.cached(_english)
def english_titles() -> dict[str, str]:
    """id and name → English name (the department's ``title_en``) of the departments that have one;
    one query a minute at most (a renamed department shows within a minute)."""
    rows = (model.Session.query(model.Group.id, model.Group.name, model.Group.extras["title_en"].astext)
            .filter(model.Group.extras.has_key("title_en"), model.Group.is_organization.is_(True),
                    model.Group.state == "active"))
    found: dict[str, str] = {}
    for org_id, name, title_en in rows:
        if title_en and title_en.strip():
            found[org_id] = found[name] = title_en.strip()
    return found


def _reads_english() -> bool:
    try:
        return (tk.h.lang() or "ja") in _ENGLISH_NAMES_FOR
    except RuntimeError:   # no request (a job, the CLI): the stored name
        return False


def title_for_page(org: dict[str, Any] | None, fallback: str = "") -> str:
    """A department's name as this page's reader reads it best: its English name on English,
    Korean and Vietnamese pages when it has one, else its Japanese name."""
    if not org:
        return fallback
    title = org.get("title") or org.get("display_name") or org.get("name") or fallback
    if _reads_english():
        return org.get("title_en") or english_titles().get(org.get("id") or "") \
            or english_titles().get(org.get("name") or "") or title
    return title


def named_for_page(org: dict[str, Any]) -> dict[str, Any]:
    """The department dict a page shows, named for its reader (title and display_name)."""
    if _reads_english():
        named = title_for_page(org)
        if named != (org.get("title") or org.get("name")):
            org["title"] = org["display_name"] = named
    return org
