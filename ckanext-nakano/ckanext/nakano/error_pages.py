"""A view that lets CKAN's "not found" or "not authorized" escape answers 404
or 403, not 500: some core and extension views call actions without catching
them (``/api/2/util/user/autocomplete`` for a visitor,
``/dataset/changes_multiple`` with ids that do not exist). The Action API
catches them itself; these handlers only see pages."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

__all__ = ["register"]


def _page(code: int, exc: Exception) -> tuple[str, int]:
    message = str(exc) if " / " in str(exc) else ""
    return tk.render("error_document_template.html", {"code": code, "content": message}), code


def register(app: Any) -> None:
    app.register_error_handler(tk.ObjectNotFound, lambda exc: _page(404, exc))
    app.register_error_handler(tk.NotAuthorized, lambda exc: _page(403, exc))
    app.register_error_handler(tk.ValidationError, lambda exc: _page(400, exc))
