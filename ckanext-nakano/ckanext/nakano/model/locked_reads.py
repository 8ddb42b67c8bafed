"""Rows read ``FOR UPDATE`` are taken from the database, not from the session's memory.

CKAN's session keeps loaded objects after a commit (``expire_on_commit`` is
off) and SQLAlchemy does not overwrite attributes already loaded when it reads
a row again. CKAN's read-modify-write of a dataset (``resource_patch``,
``resource_update``) locks the row with ``FOR UPDATE`` and then builds the
dataset from the object: in a long job (validation, xloader) that loaded the
dataset when it started, that object is the dataset as it was then. The job's
update then indexed the older text with the new ``metadata_modified`` —
search and the API showed it, and the index check, which compares
timestamps, could not see it. A locking read therefore refreshes the objects
it returns (SQLAlchemy's ``populate_existing``), unless the session holds
unflushed changes that a refresh would throw away.
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState

from ckan.model import meta


def _refresh_locked_rows(state: ORMExecuteState) -> None:
    locking = getattr(state.statement, "_for_update_arg", None) is not None
    if state.is_select and locking:
        session = state.session
        if not (session.new or session.dirty or session.deleted):
            state.update_execution_options(populate_existing=True)


def install() -> None:
    """Listen on CKAN's session (once per process)."""
    if not event.contains(meta.Session, "do_orm_execute", _refresh_locked_rows):
        event.listen(meta.Session, "do_orm_execute", _refresh_locked_rows)
