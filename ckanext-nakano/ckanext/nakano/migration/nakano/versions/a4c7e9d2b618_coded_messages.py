"""Harvest and load errors stored as "日本語 / English" become coded messages.

The portal stored its harvest object and gather errors (ckanext-harvest's
``harvest_object_error.message`` and ``harvest_gather_error.message``) and the
errors of its xloader downloads (``task_status.error`` of xloader's tasks,
xloader's ``jobs.error``) as one text in two languages. They are now stored as
``{"code": …, "values": {…}}`` (messages.py: ``stored``) and said in the
reader's language when shown. Each old text whose English half one of the
catalogs' English templates made (a regular expression built from the template,
one group per ``{placeholder}``: messages.py ``from_legacy``) is turned
into its code and values; a text that matches no template keeps its text (it is
then shown as it is, as ckanext-harvest's own English messages are).

Revision ID: a4c7e9d2b618
Revises: f3c1d7e9a2b4
Create Date: 2026-12-08
"""
import json

import sqlalchemy as sa
from alembic import op

from ckanext.nakano.messages import from_legacy, parse, say

revision = "a4c7e9d2b618"
down_revision = "f3c1d7e9a2b4"
branch_labels = None
depends_on = None

HARVEST_TABLES = ("harvest_object_error", "harvest_gather_error")


def _columns(bind, table: str) -> set[str]:
    inspector = sa.inspect(bind)
    return {c["name"] for c in inspector.get_columns(table)} if inspector.has_table(table) else set()


def _converted_error(text):
    """An xloader error (JSON: a string, or {"message": string}) with its message converted; None if unchanged."""
    try:
        error = json.loads(text)
    except (TypeError, ValueError):
        error = text
    message = error.get("message") if isinstance(error, dict) else error
    new = from_legacy(message) if isinstance(message, str) else None
    if new is None:
        return None
    return json.dumps({**error, "message": new} if isinstance(error, dict) else new, ensure_ascii=False)


def _rewrite(bind, select: str, update: str, convert) -> None:
    """Each (id, text) row of ``select`` that ``convert`` changes, written back by ``update``."""
    for row_id, value in bind.execute(sa.text(select)).fetchall():
        new = convert(value)
        if new is not None:
            bind.execute(sa.text(update), {"new": new, "id": row_id})


def upgrade():
    bind = op.get_bind()
    for table in HARVEST_TABLES:
        if "message" in _columns(bind, table):
            _rewrite(bind, f"select id, message from {table} where message like '% / %'",
                     f"update {table} set message = :new where id = :id", from_legacy)
    if "error" in _columns(bind, "task_status"):
        _rewrite(bind, "select id, error from task_status where task_type = 'xloader' and error like '% / %'",
                 "update task_status set error = :new where id = :id", _converted_error)
    if {"job_id", "error", "status"} <= _columns(bind, "jobs"):   # xloader's own table
        _rewrite(bind, "select job_id, error from jobs where error like '% / %'",
                 "update jobs set error = :new where job_id = :id", _converted_error)


def _both_languages(message: str) -> str | None:
    found = parse(message)
    return f"{say(found[0], found[1], lang='ja')} / {say(found[0], found[1], lang='en')}" if found else None


def downgrade():
    # The harvest errors in both languages again, as the code before this revision showed them.
    bind = op.get_bind()
    for table in HARVEST_TABLES:
        if "message" in _columns(bind, table):
            _rewrite(bind, f"select id, message from {table} where message like '{{\"code\": %'",
                     f"update {table} set message = :new where id = :id", _both_languages)
