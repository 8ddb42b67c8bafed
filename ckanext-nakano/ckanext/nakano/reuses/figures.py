"""Counts of published reuses (活用事例): per dataset (the quality score) and per department
(the leaderboard of /metrics, the department page)."""
from __future__ import annotations

import sqlalchemy as sa

from ckan import model

from ..model import Reuse, ReuseDataset
from ..submissions import choices

__all__ = ["published_count", "per_department", "published_rows"]


def published_count(package_id: str) -> int:
    """Published reuses that use the dataset."""
    return int(model.Session.query(sa.func.count(sa.distinct(Reuse.id)))
               .join(ReuseDataset, ReuseDataset.reuse_id == Reuse.id)
               .filter(ReuseDataset.package_id == package_id, Reuse.state == "published").scalar() or 0)


def per_department() -> dict[str, int]:
    """Department id → published reuses using at least one of its public datasets."""
    rows = (model.Session.query(model.Package.owner_org, sa.func.count(sa.distinct(Reuse.id)))
            .select_from(Reuse).join(ReuseDataset, ReuseDataset.reuse_id == Reuse.id)
            .join(model.Package, model.Package.id == ReuseDataset.package_id)
            .filter(Reuse.state == "published", model.Package.state == "active", model.Package.private.is_(False),
                    model.Package.owner_org.isnot(None))
            .group_by(model.Package.owner_org).all())
    return {org: int(n) for org, n in rows}


def published_rows() -> list[list[object]]:
    """The published reuses, oldest first, as 「ポータル利用統計」's reuses.csv gives them: what
    the submitter published (no account, no address), with the public datasets they use."""
    reuses = model.Session.query(Reuse).filter(Reuse.state == "published").order_by(Reuse.published, Reuse.id).all()
    used: dict[str, list[str]] = {r.id: [] for r in reuses}
    if used:
        for reuse_id, name in (model.Session.query(ReuseDataset.reuse_id, model.Package.name)
                               .join(model.Package, model.Package.id == ReuseDataset.package_id)
                               .filter(ReuseDataset.reuse_id.in_(list(used)), model.Package.state == "active",
                                       model.Package.private.is_(False)).order_by(model.Package.name)):
            used[reuse_id].append(name)
    return [[r.name, r.title, r.kind, choices.label("reuse", "kind", r.kind, "ja"), r.provider, r.provider_kind,
             r.url, r.published.date().isoformat() if r.published else "", " ".join(used[r.id])] for r in reuses]
