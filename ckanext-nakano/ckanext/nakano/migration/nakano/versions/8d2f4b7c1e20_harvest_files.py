"""What the ward's harvesters published from each file of a source.

Revision ID: 8d2f4b7c1e20
Revises: 6a1c0e2f9b10
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "8d2f4b7c1e20"
down_revision = "6a1c0e2f9b10"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "nakano_harvest_file",
        sa.Column("source_id", sa.UnicodeText, primary_key=True),
        sa.Column("guid", sa.UnicodeText, primary_key=True),
        sa.Column("package_id", sa.UnicodeText, nullable=True),
        sa.Column("fingerprint", sa.UnicodeText, nullable=True),
        sa.Column("state", sa.UnicodeText, nullable=False, server_default="present"),
        sa.Column("missing_since", sa.DateTime, nullable=True),
    )
    op.create_index("nakano_harvest_file_package_id", "nakano_harvest_file", ["package_id"])


def downgrade():
    op.drop_table("nakano_harvest_file")
