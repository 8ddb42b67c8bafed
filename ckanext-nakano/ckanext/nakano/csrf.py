"""CSRF exemptions that last one request, not the life of the process.

CKAN 2.12 exempts a view from the CSRF check when a request identifies its
user by API token, or by nothing at all (``ckan_before_request`` in
``ckan/config/middleware/flask_app.py`` calls ``csrf.exempt(view)``; the flag
is set for anonymous requests too). Flask-WTF keeps exempted views in a set
for good, so after the first anonymous or token request to a form view or to
the Action API, session-cookie POSTs to it were no longer checked: a page on
another site could make a signed-in editor's browser change a dataset.

The request's own exemption stays (a token cannot be forged by another site;
an anonymous request has nothing to steal); it just no longer outlives the
request. docs/security.md has the write-up for an upstream issue.
"""
from __future__ import annotations

from typing import Any

from flask import Response, g, has_request_context, jsonify, request
from flask_wtf.csrf import CSRFError

import ckan.plugins.toolkit as tk
from ckan.config.middleware.flask_app import csrf

__all__ = ["RequestScopedExemptions", "install", "refused", "MESSAGE"]

def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is used (tk._)."""
    return message


# The English msgid; tk._(MESSAGE) is the text in the request's language.
MESSAGE = N_("Not accepted: the page expired or the request came from another site. Reload the page and send again "
             "(the browser's Back button returns to what you typed).")


class RequestScopedExemptions(set):
    """Flask-WTF's set of exempt views: what is added while a request runs
    counts for that request only; what is added at start-up counts always."""

    def add(self, view: Any) -> None:
        if has_request_context():
            g.nakano_csrf_exempt = view
        else:
            super().add(view)

    def __contains__(self, view: object) -> bool:
        return super().__contains__(view) or (has_request_context() and g.get("nakano_csrf_exempt") == view)


def install() -> None:
    """After Flask-WTF's ``init_app`` (plugins' middleware is made after it)."""
    if not isinstance(csrf._exempt_views, RequestScopedExemptions):
        csrf._exempt_views = RequestScopedExemptions(csrf._exempt_views)


def refused(error: CSRFError) -> tuple[Response | str, int]:
    """The answer to a POST without a valid CSRF token: CKAN's JSON error for the
    Action API, a page for forms, in the request's language (werkzeug's own
    text is English only)."""
    message = tk._(MESSAGE)
    if request.blueprint == "api":
        return jsonify({"success": False, "error": {"__type": "CSRF Error", "message": message}}), 400
    return tk.render("error_document_template.html", {"code": 400, "content": message, "name": "Bad Request"}), 400

