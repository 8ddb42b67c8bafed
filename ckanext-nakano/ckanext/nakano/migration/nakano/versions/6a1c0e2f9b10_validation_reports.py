"""Validation reports of tabular resources.

Revision ID: 6a1c0e2f9b10
Revises:
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "6a1c0e2f9b10"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "nakano_validation",
        sa.Column("resource_id", sa.UnicodeText, primary_key=True),
        sa.Column("status", sa.UnicodeText, nullable=False),
        sa.Column("report", JSONB, nullable=True),
        sa.Column("updated", sa.DateTime, nullable=False, server_default=sa.func.now()),
    )


def downgrade():
    op.drop_table("nakano_validation")
