"""ckanext-harvest's pages that change things on a GET (refresh, clear,
delete, abort: ``/harvest/refresh/<id>`` …). A GET carries no CSRF token, and
the session cookie goes with a cross-site link: a page of another site could
start, empty or delete a source with a sysadmin's session. Here a GET of them
only shows what would happen, with a button that posts the form (and its
CSRF token) to the same address; the POST runs ckanext-harvest's own view."""
from __future__ import annotations

import flask
from flask import request

import ckan.plugins.toolkit as tk
from ckanext.harvest import views as harvest_views

__all__ = ["confirm_first", "CHANGES", "delete", "job_abort"]


def N_(message: str) -> str:
    """Marks a text for translation; it is translated where it is shown."""
    return message


# endpoint → what it does (translated when the page is shown)
CHANGES = {
    "harvester.refresh": N_("Run the harvest now."),
    "harvester.clear": N_("Delete every dataset this source made."),
    "harvester.delete": N_("Deactivate this source (and delete its datasets when clear=true)."),
    "harvester.job_abort": N_("Stop the running harvest job."),
}


def confirm_first() -> str | None:
    """Flask ``before_request``: a GET of a changing harvest page answers a
    confirmation form instead of acting."""
    if request.method != "GET" or request.endpoint not in CHANGES:
        return None
    return tk.render("nakano/harvest_confirm.html", {"change": tk._(CHANGES[request.endpoint]),
                                                     "action": request.full_path.rstrip("?")})


def delete(id: str) -> flask.Response:
    """POST /harvest/delete/<id>: ckanext-harvest's delete, once confirmed."""
    return harvest_views.delete(id)


def job_abort(source: str, id: str) -> flask.Response:
    """POST /harvest/<source>/job/<id>/abort: ckanext-harvest's abort, once confirmed."""
    return harvest_views.job_abort(source, id)
