"""Resource URLs other than http(s) (javascript:, data:, vbscript: …) leave
the URL field: the ward schema refuses them from now on, and a stored one
must not be shown as a link. The value is kept in the resource's extras as
``url_refused`` (nothing is lost), and the dataset's modification time moves
so that the periodic index check re-indexes it.

Revision ID: d1f3a9c6e720
Revises: c4d8e2a7b915
Create Date: 2026-12-05
"""
from alembic import op

revision = "d1f3a9c6e720"
down_revision = "c4d8e2a7b915"
branch_labels = None
depends_on = None

_BAD = "coalesce(r.url_type, '') = '' and r.url <> '' and r.url !~* '^https?://'"


def upgrade():
    op.execute(f"""
        update package p set metadata_modified = now() at time zone 'utc'
          from resource r where r.package_id = p.id and {_BAD}
    """)
    op.execute(f"""
        update resource r
           set extras = (coalesce(nullif(r.extras, ''), '{{}}')::jsonb
                         || jsonb_build_object('url_refused', r.url))::text,
               url = ''
         where {_BAD}
    """)


def downgrade():
    op.execute("""
        update resource set url = (extras::jsonb)->>'url_refused', extras = ((extras::jsonb) - 'url_refused')::text
         where extras like '%url_refused%'
    """)
