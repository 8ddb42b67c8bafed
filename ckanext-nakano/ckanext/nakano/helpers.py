"""Template helpers: choice lists for the scheming forms, from the vocabularies."""
from __future__ import annotations

from typing import Any

from . import vocab

__all__ = [
    "nakano_category_choices", "nakano_standard_dataset_choices",
    "nakano_frequency_choices", "nakano_area_choices", "nakano_validation", "nakano_harvest_missing",
]

Choices = list[dict[str, Any]]


def nakano_category_choices(field: dict[str, Any]) -> Choices:
    return [{"value": c["value"], "label": {"ja": c["value"], "en": c["en"]}}
            for c in vocab.categories()]


def nakano_standard_dataset_choices(field: dict[str, Any]) -> Choices:
    return [{"value": d["value"], "label": {"ja": d["ja"], "en": d["en"]}}
            for d in vocab.standard_datasets()["datasets"]]


def nakano_frequency_choices(field: dict[str, Any]) -> Choices:
    f = vocab.frequencies()
    return [{"value": f["base_uri"] + c["code"], "label": {"ja": c["ja"], "en": c["en"]}}
            for c in f["choices"]]


def nakano_area_choices(field: dict[str, Any]) -> Choices:
    whole = {"value": vocab.WHOLE_WARD, "label": {"ja": vocab.WHOLE_WARD, "en": "Whole of Nakano City"}}
    return [whole] + [{"value": t, "label": t} for t in vocab.towns()]


def nakano_validation(resource_id: str) -> dict[str, Any] | None:
    """The resource's validation report for templates, or None if there is none."""
    import ckan.plugins.toolkit as tk

    try:
        shown = tk.get_action("nakano_validation_show")({}, {"id": resource_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None
    return shown if shown["status"] != "none" else None


def nakano_harvest_missing(package_id: str) -> dict[str, Any] | None:
    """When a harvested dataset's file has left its source: guid and since when
    (shown on the dataset page until someone decides)."""
    from .model import HarvestFile
    from ckan import model

    item = model.Session.query(HarvestFile).filter_by(package_id=package_id, state="missing").first()
    if item is None:
        return None
    return {"guid": item.guid, "since": item.missing_since.strftime("%Y-%m-%d") if item.missing_since else ""}
