"""Numbers typed as numbers in the DataStore, so that range filters, sorting
and sums work on 緯度, 経度, 収容人数 …

ckanext-xloader loads every column as text (its COPY path; its type guessing
is off because it guesses from a sample and fails whole loads on the first
odd value). The validator names the columns that hold only plain numbers
(validation/column_types.py); once both the table and the report exist —
after xloader's load, or after the validation when the load came first — the
table itself is checked again (the report may be of an earlier file) and those
columns are turned into ``numeric`` in one ``ALTER TABLE``. Nothing is lost:
every value is one ``numeric`` writes back exactly as it was written.

A column a person typed in the Data Dictionary (``type_override``) is left
as they chose. The next load of the file makes text columns again (xloader
sees the types changed and recreates the table); this runs again after it.

Written against the DataStore of CKAN 2.12: the table is the resource id,
its write engine is the DataStore's (the owner of the table).
"""
from __future__ import annotations

import logging

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckanext.datastore.backend.postgres import get_write_engine, identifier
from sqlalchemy.exc import DBAPIError

from ..model import Validation
from .column_types import PLAIN_NUMBER

__all__ = ["apply", "apply_if_loaded"]

log = logging.getLogger(__name__)

LOCK_TIMEOUT = "15s"   # a long read of the table waits us out; the next load tries again


def _text_columns(resource_id: str) -> dict[str, dict]:
    """The table's text columns and their Data Dictionary info ({} without a table)."""
    try:
        info = tk.get_action("datastore_info")({"ignore_auth": True}, {"id": resource_id})
    except (tk.ObjectNotFound, tk.ValidationError):
        return {}
    return {f["id"]: f.get("info") or {} for f in info.get("fields", []) if f.get("type") == "text"}


def _column(name: str) -> str:
    # Quoted, and a colon escaped: sa.text would take 「:分」 for a parameter.
    return identifier(name).replace(":", r"\:")


def apply(resource_id: str) -> list[str]:
    """Type the report's number columns in the resource's table; the names typed."""
    row = Validation.get(resource_id)
    wanted = ((row.report or {}).get("number_columns") or []) if row else []
    if not wanted:
        return []
    text = _text_columns(resource_id)
    candidates = [c for c in wanted if c in text and not text[c].get("type_override")]
    if not candidates:
        return []
    table = _column(resource_id)
    checks = ", ".join(f"bool_and({_column(c)} IS NULL OR {_column(c)} = '' OR {_column(c)} ~ :plain)"
                       for c in candidates)
    try:
        with get_write_engine().begin() as conn:
            conn.execute(sa.text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            # The same lock the ALTER takes, before the check: no row changes in between.
            conn.execute(sa.text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
            plain = conn.execute(sa.text(f"SELECT {checks} FROM {table}"), {"plain": PLAIN_NUMBER}).one()
            typed = [c for c, ok in zip(candidates, plain) if ok]
            if typed:
                conn.execute(sa.text(f"ALTER TABLE {table} " + ", ".join(
                    f"ALTER COLUMN {_column(c)} TYPE numeric USING nullif({_column(c)}, '')::numeric"
                    for c in typed)))
    except DBAPIError as error:   # a lock not had in time, a view on the column: the table stays as loaded
        log.warning("DataStore table of %s left as text: %s", resource_id, str(error).splitlines()[0])
        return []
    if typed:
        log.info("DataStore table of %s: %s typed as numbers", resource_id, ", ".join(typed))
    return typed


def apply_if_loaded(resource_id: str) -> list[str]:
    """After a validation: the table is typed now if xloader finished it first."""
    try:
        status = tk.get_action("xloader_status")({"ignore_auth": True}, {"resource_id": resource_id})
    except (tk.ObjectNotFound, tk.ValidationError):
        return []
    if status.get("status") != "complete":
        return []
    return apply(resource_id)
