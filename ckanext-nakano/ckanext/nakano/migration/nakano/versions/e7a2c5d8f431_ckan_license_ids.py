"""Licence ids CKAN itself knows: CC BY 4.0 is ``cc-by`` and CC0 ``cc-zero``
(they were ``CC-BY-4.0`` and ``CC0-1.0``), so that a stock CKAN harvesting the
portal finds the licence in its own list and shows the data as open
(docs/interoperability.md). Datasets and a file's own licence move; the
datasets' modification time moves too, so that the periodic index check
re-indexes them. The old ids stay accepted on input (licenses.json ``formerly``).

Revision ID: e7a2c5d8f431
Revises: d1f3a9c6e720
Create Date: 2026-12-06
"""
from alembic import op

revision = "e7a2c5d8f431"
down_revision = "d1f3a9c6e720"
branch_labels = None
depends_on = None

RENAMED = {"CC-BY-4.0": "cc-by", "CC0-1.0": "cc-zero"}


def _rename(old: str, new: str) -> None:
    op.execute(f"""
        update package p set metadata_modified = now() at time zone 'utc'
         where p.license_id = '{old}'
            or exists (select 1 from resource r where r.package_id = p.id
                        and coalesce(nullif(r.extras, ''), '{{}}')::jsonb ->> 'license' = '{old}')
    """)
    op.execute(f"update package set license_id = '{new}' where license_id = '{old}'")
    op.execute(f"""
        update resource set extras = (extras::jsonb || jsonb_build_object('license', '{new}'))::text
         where coalesce(nullif(extras, ''), '{{}}')::jsonb ->> 'license' = '{old}'
    """)


def upgrade():
    for old, new in RENAMED.items():
        _rename(old, new)


def downgrade():
    for old, new in RENAMED.items():
        _rename(new, old)
