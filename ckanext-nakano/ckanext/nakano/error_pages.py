"""Error pages (templates/error_document_template.html) and a view that lets
CKAN's "not found" or "not authorized" escape answers 404 or 403, not 500: some
core and extension views call actions without catching them
(``/api/2/util/user/autocomplete`` for a visitor, ``/dataset/changes_multiple``
with ids that do not exist). The Action API catches them itself; these
handlers only see pages.

An error page says what happened in the page's language (the template's own
text for each status) and shows the message the code that stopped gave, which
is already in the page's language (gettext) — but not werkzeug's default
English description of the status, which every error carries when its code gave
none: that one is told apart by comparing it with werkzeug's descriptions."""
from __future__ import annotations

from functools import cache
from typing import Any

from werkzeug import exceptions

import ckan.plugins.toolkit as tk

__all__ = ["register", "message"]

# What CKAN's error handler passes for an exception that is not an HTTP error.
CKAN_DEFAULT = "Internal server error"


@cache
def _default_descriptions() -> frozenset[str]:
    """werkzeug's default description of every HTTP error class (and of its
    subclasses: a library's own NotFound keeps werkzeug's text)."""
    found: set[str] = set()
    pending = [exceptions.HTTPException]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if isinstance(cls.__dict__.get("description"), str):
            found.add(cls.__dict__["description"])
    return frozenset(found | {CKAN_DEFAULT})


def message(content: Any) -> str:
    """The message an error page shows besides its own text: the one given by
    the code that stopped (abort(404, _("…")), an action's NotFound), or "" when
    there is none or only werkzeug's default English description."""
    text = str(content or "").strip()
    return "" if text in _default_descriptions() else text


def _page(code: int, exc: Exception) -> tuple[str, int]:
    # A ValidationError's text is its dict of field errors, not a sentence for a page.
    shown = "" if isinstance(exc, tk.ValidationError) else str(exc)
    return tk.render("error_document_template.html", {"code": code, "content": shown}), code


def register(app: Any) -> None:
    app.jinja_env.globals["nakano_error_message"] = message
    app.register_error_handler(tk.ObjectNotFound, lambda exc: _page(404, exc))
    app.register_error_handler(tk.NotAuthorized, lambda exc: _page(403, exc))
    app.register_error_handler(tk.ValidationError, lambda exc: _page(400, exc))
