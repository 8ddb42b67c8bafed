"""Datasets taken from another catalog get ids of their own.

The demo load (and so every portal made by `make up` before issue 17) gave
the datasets of the Tokyo catalog Tokyo's own ids: an aggregator harvesting
both catalogs found one package by that id and skipped or overwrote the other.
Each such dataset (its ``source_system`` ends with its own id) gets the id the
loader and the harvester now give it (harvest/mapping.local_id) and keeps the
old one as ``source_identifier``; /dataset/<old id> redirects (former_ids.py).
Every reference to the dataset's id moves with it: the tables that refer to
``package`` (their constraints are dropped and made again around the change),
memberships, activities, follows, and the portal's own tables. Its
modification time moves, so the periodic index check indexes it under the new
id and removes the old document.

Revision ID: f3c1d7e9a2b4
Revises: e7a2c5d8f431
Create Date: 2026-12-06
"""
import json

import sqlalchemy as sa
from alembic import op

from ckanext.nakano.harvest.mapping import local_id

revision = "f3c1d7e9a2b4"
down_revision = "e7a2c5d8f431"
branch_labels = None
depends_on = None

# References to a dataset's id that are not (all) foreign keys.
OTHER_REFERENCES = (("member", "table_id", "table_name = 'package'"), ("activity", "object_id", None),
                    ("activity_detail", "object_id", None), ("user_following_dataset", "object_id", None),
                    ("package_relationship", "subject_package_id", None),
                    ("package_relationship", "object_package_id", None))


def _references(conn) -> list[tuple[str, str, str | None]]:
    found = [(t, c, None) for (t, c) in conn.execute(sa.text(
        "select table_name, column_name from information_schema.columns"
        " where table_schema = current_schema() and column_name = 'package_id'"))]
    tables = {t for (t,) in conn.execute(sa.text(
        "select table_name from information_schema.tables where table_schema = current_schema()"))}
    return found + [r for r in OTHER_REFERENCES if r[0] in tables]


def _rekey(conn, moves: list[tuple[str, str]], keep_old_as_source: bool) -> None:
    if not moves:
        return
    constraints = conn.execute(sa.text(
        "select conrelid::regclass::text, conname, pg_get_constraintdef(oid) from pg_constraint"
        " where confrelid = 'package'::regclass and contype = 'f'")).fetchall()
    for table, name, _ in constraints:
        conn.execute(sa.text(f'alter table {table} drop constraint "{name}"'))
    references = _references(conn)
    for old, new in moves:
        extra = {"source_identifier": old} if keep_old_as_source else {}
        conn.execute(sa.text(
            "update package set id = :new, metadata_modified = now() at time zone 'utc',"
            " extras = (coalesce(extras, '{}'::jsonb) - 'source_identifier') || cast(:extra as jsonb)"
            " where id = :old"), {"new": new, "old": old, "extra": json.dumps(extra)})
        for table, column, where in references:
            conn.execute(sa.text(f"update {table} set {column} = :new where {column} = :old"
                                 + (f" and {where}" if where else "")), {"new": new, "old": old})
    for table, name, definition in constraints:
        conn.execute(sa.text(f'alter table {table} add constraint "{name}" {definition}'))


def upgrade():
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "select id, extras ->> 'source_system' from package"
        " where type = 'dataset' and extras ->> 'source_system' like '% ' || id")).fetchall()
    _rekey(conn, [(old, local_id(source.removesuffix(old).strip(), old)) for old, source in rows], True)


def downgrade():
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "select id, extras ->> 'source_identifier' from package"
        " where type = 'dataset' and extras ->> 'source_identifier' is not null"
        " and extras ->> 'source_system' like '% ' || (extras ->> 'source_identifier')")).fetchall()
    _rekey(conn, [(new, old) for new, old in rows], False)
