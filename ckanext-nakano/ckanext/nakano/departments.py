"""The ward's departments (CKAN organizations) as the portal's own lists name them: looked up
in one query per page, not one per row or facet value (a list of 20 requests named 9–30
departments one by one: bench/README.md, issue 20)."""
from __future__ import annotations

from typing import Any, Iterable

from ckan import model

__all__ = ["departments", "department_ids"]


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
