"""Activities of private datasets carry the dataset's current labels.

CKAN labels an activity when it is recorded: a dataset created public and
then made private kept its earlier activities public (title, notes, tags in
anonymous activity lists). From now on ``subscriptions.py`` relabels them
when a dataset becomes private; this migration does it once for the
datasets that are private already.

Revision ID: c4d8e2a7b915
Revises: b3e9a1d4c5f0
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "c4d8e2a7b915"
down_revision = "b3e9a1d4c5f0"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if not sa.inspect(bind).has_table("activity"):
        return
    # CKAN's label of a private dataset (DefaultPermissionLabels): its organization's
    # members, or its creator when it has no organization.
    op.execute("""
        update activity a set permission_labels = case when p.owner_org is not null
                   then array['member-' || p.owner_org] else array['creator-' || p.creator_user_id] end
          from package p
         where a.object_id = p.id and p.private and 'public' = any(a.permission_labels)
    """)


def downgrade():
    # The earlier labels were the disclosure this fixes; they are not brought back.
    pass
