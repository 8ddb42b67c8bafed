"""The ``nakano_chart_view`` resource view: a chart saved from the builder by the editors of
the dataset's department (charts/pages.py save). Its settings are the view's config, in the
builder's address form (charts/settings.py), so the view, its API record and the builder's
link say the same; it is drawn like the builder's (charts/pages.py chart_page_data)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from . import settings as chart_settings
from .pages import VIEW_TYPE, chart_page_data, uid_for

__all__ = ["view_info", "template_variables", "FORM_TEMPLATE"]

FORM_TEMPLATE = "nakano/chart_view_form.html"


def N_(message: str) -> str:
    """Marks a message for translation where it is defined; translated where it is used."""
    return message


TITLE = N_("Chart")


def view_info() -> dict[str, Any]:
    text = [tk.get_validator("ignore_missing"), tk.get_validator("unicode_safe")]
    return {
        "name": VIEW_TYPE,
        "title": tk._(TITLE),
        "icon": "chart-column",
        "requires_datastore": True,
        "iframed": False,          # an SVG and a table: read in the page like the rest of it
        "preview_enabled": False,
        "schema": {**{arg: text for arg in chart_settings.ARGS},
                   "pinned": [tk.get_validator("ignore_missing"), tk.get_validator("boolean_validator")]},
    }


def template_variables(data_dict: dict[str, Any]) -> dict[str, Any]:
    view = data_dict["resource_view"]
    chart = chart_page_data(data_dict["package"], data_dict["resource"], chart_settings.from_args(view),
                            uid_for(view.get("id") or ""))
    return {"chart": chart}
