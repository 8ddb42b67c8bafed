"""Links to a dataset by the id it had before issue 17.

The demo catalog (and a portal loaded from the Tokyo catalog before) used
Tokyo's ids as the datasets' own ids. They now have ids of their own and keep
Tokyo's as ``source_identifier``; a link, bookmark or API script that names a
dataset page by the old id is sent on, 301, to the dataset's page (and the same
sub-page: a resource, ``.ttl``…). Only a path whose id is no dataset's is
looked at, so no dataset can be reached in place of another, and only public
datasets are named.
"""
from __future__ import annotations

import re

import flask

import ckan.plugins.toolkit as tk
from ckan import model

DATASET_PATH = re.compile(r"^/dataset/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?=[/.]|$)(.*)$",
                          re.IGNORECASE)


def redirect() -> flask.Response | None:
    """Flask ``before_request``: a 301 to the dataset's page, or None to go on."""
    if flask.request.method not in ("GET", "HEAD"):
        return None
    found = DATASET_PATH.match(flask.request.path)
    if not found or "//" in found.group(2) or ".." in found.group(2):  # only paths of the dataset itself
        return None
    if model.Package.get(found.group(1)) is not None:  # a dataset's own id: CKAN serves it
        return None
    name = (model.Session.query(model.Package.name)
            .filter(model.Package.extras["source_identifier"].astext == found.group(1).lower(),
                    model.Package.state == "active", model.Package.type == "dataset",
                    model.Package.private.is_(False))  # a private dataset's name is not told
            .scalar())
    if name is None:
        return None
    target = tk.url_for("dataset.read", id=name) + found.group(2)
    if flask.request.query_string:
        target += "?" + flask.request.query_string.decode("latin-1")
    return flask.redirect(target, code=301)
