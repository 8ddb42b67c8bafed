"""The data inventory (データ棚卸台帳): items, their changes, and an index on the dataset
field that links a dataset to its item.

Revision ID: b7d4e1f0a9c3
Revises: a4c7e9d2b618
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "b7d4e1f0a9c3"
down_revision = "a4c7e9d2b618"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "nakano_inventory_item",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("organization_id", sa.UnicodeText, nullable=False),
        sa.Column("local_id", sa.UnicodeText, nullable=False),
        sa.Column("title", sa.UnicodeText, nullable=False),
        sa.Column("status", sa.UnicodeText, nullable=False),
        sa.Column("declared_status", sa.UnicodeText, nullable=False),
        sa.Column("status_since", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("listed", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("data", JSONB, nullable=False, server_default="{}"),
        sa.Column("search_text", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("state", sa.UnicodeText, nullable=False, server_default="active"),
        sa.Column("created", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("modified", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("modified_by", sa.UnicodeText),
    )
    op.create_index("ix_nakano_inventory_item_organization_id", "nakano_inventory_item", ["organization_id"])
    op.create_index("nakano_inventory_item_key", "nakano_inventory_item", ["organization_id", "local_id"],
                    unique=True, postgresql_where=sa.text("state = 'active'"))
    op.create_table(
        "nakano_inventory_change",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.UnicodeText, nullable=False),
        sa.Column("ts", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("user_id", sa.UnicodeText),
        sa.Column("kind", sa.UnicodeText, nullable=False),
        sa.Column("changes", JSONB, nullable=False, server_default="{}"),
        sa.Column("note", JSONB),
    )
    op.create_index("ix_nakano_inventory_change_item_id", "nakano_inventory_change", ["item_id"])
    # Datasets of an item: package.extras is JSONB in CKAN 2.12.
    op.execute("create index if not exists nakano_package_inventory_item on package "
               "((extras ->> 'inventory_item')) where extras ? 'inventory_item'")


def downgrade():
    op.execute("drop index if exists nakano_package_inventory_item")
    op.drop_table("nakano_inventory_change")
    op.drop_table("nakano_inventory_item")
