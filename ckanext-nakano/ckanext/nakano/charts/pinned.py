"""Saved charts pinned by their department's editors: shown on the dataset's page and, the
latest few, on the department's page (``pinned`` in a ``nakano_chart_view``'s config)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from .pages import VIEW_TYPE, chart_page_data, uid_for
from .settings import from_args

__all__ = ["dataset_charts", "department_charts", "DEPARTMENT_LIMIT"]

DEPARTMENT_LIMIT = 4


def _is_pinned(view: model.ResourceView) -> bool:
    return str((view.config or {}).get("pinned", "")).lower() in ("true", "on", "1")


def _views(query: Any) -> list[tuple[model.ResourceView, model.Resource]]:
    return [(view, resource) for view, resource in query if _is_pinned(view)]


def _drawn(view: model.ResourceView, resource: dict[str, Any], dataset: dict[str, Any]) -> dict[str, Any]:
    config = dict(view.config or {})
    chart = chart_page_data(dataset, resource, from_args(config), uid_for(view.id))
    chart.update(view_id=view.id, view_title=view.title)
    return chart


def dataset_charts(dataset: dict[str, Any]) -> list[dict[str, Any]]:
    """The pinned charts of a dataset's files, drawn (their numbers are kept: charts/aggregate)."""
    ids = {r["id"]: r for r in dataset.get("resources", [])}
    if not ids:
        return []
    query = (model.Session.query(model.ResourceView, model.Resource)
             .join(model.Resource, model.Resource.id == model.ResourceView.resource_id)
             .filter(model.ResourceView.view_type == VIEW_TYPE, model.Resource.id.in_(list(ids)),
                     model.Resource.state == "active")
             .order_by(model.Resource.position, model.ResourceView.order))
    return [_drawn(view, ids[resource.id], dataset) for view, resource in _views(query)]


def department_charts(organization_id: str) -> list[dict[str, Any]]:
    """The latest pinned charts of a department's public datasets (at most DEPARTMENT_LIMIT)."""
    query = (model.Session.query(model.ResourceView, model.Resource)
             .join(model.Resource, model.Resource.id == model.ResourceView.resource_id)
             .join(model.Package, model.Package.id == model.Resource.package_id)
             .filter(model.ResourceView.view_type == VIEW_TYPE, model.Resource.state == "active",
                     model.Package.owner_org == organization_id, model.Package.state == "active",
                     model.Package.private.is_(False))
             .order_by(model.Package.metadata_modified.desc()))
    found = []
    for view, resource in _views(query)[:DEPARTMENT_LIMIT]:
        try:
            dataset = tk.get_action("package_show")({}, {"id": resource.package_id})
        except (tk.ObjectNotFound, tk.NotAuthorized):
            continue
        shown = next((r for r in dataset["resources"] if r["id"] == resource.id), None)
        if shown:
            found.append(_drawn(view, shown, dataset))
    return found
