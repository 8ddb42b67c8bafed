"""活用事例 (reuses) and データ要望 (data requests): their tables, the e-mail confirmations
of visitors without an account, and the departments' staff's mail preference.

Revision ID: c9e5a3b7d210
Revises: b7d4e1f0a9c3
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "c9e5a3b7d210"
down_revision = "b7d4e1f0a9c3"
branch_labels = None
depends_on = None


def _times():
    return [sa.Column("created", sa.DateTime, nullable=False, server_default=sa.func.now()),
            sa.Column("modified", sa.DateTime, nullable=False, server_default=sa.func.now())]


def upgrade():
    op.create_table(
        "nakano_reuse",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("name", sa.UnicodeText, nullable=False, unique=True),
        sa.Column("title", sa.UnicodeText, nullable=False),
        sa.Column("kind", sa.UnicodeText, nullable=False),
        sa.Column("url", sa.UnicodeText, nullable=False),
        sa.Column("description", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("provider", sa.UnicodeText, nullable=False),
        sa.Column("provider_kind", sa.UnicodeText, nullable=False),
        sa.Column("image", sa.UnicodeText),
        sa.Column("state", sa.UnicodeText, nullable=False),
        sa.Column("proposed", JSONB),
        sa.Column("submitter_id", sa.UnicodeText),
        sa.Column("submitter_email", sa.UnicodeText),
        sa.Column("reject_reason", sa.UnicodeText),
        sa.Column("moderated_by", sa.UnicodeText),
        sa.Column("search_text", sa.UnicodeText, nullable=False, server_default=""),
        *_times(),
        sa.Column("published", sa.DateTime),
    )
    op.create_index("ix_nakano_reuse_state", "nakano_reuse", ["state"])
    op.create_index("ix_nakano_reuse_submitter_id", "nakano_reuse", ["submitter_id"])
    op.create_table(
        "nakano_reuse_dataset",
        sa.Column("reuse_id", sa.UnicodeText, sa.ForeignKey("nakano_reuse.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("package_id", sa.UnicodeText, primary_key=True),
    )
    op.create_index("ix_nakano_reuse_dataset_package_id", "nakano_reuse_dataset", ["package_id"])

    op.create_table(
        "nakano_data_request",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("title", sa.UnicodeText, nullable=False),
        sa.Column("description", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("purpose", sa.UnicodeText, nullable=False),
        sa.Column("purpose_text", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("format_wanted", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("organization_id", sa.UnicodeText),
        sa.Column("status", sa.UnicodeText, nullable=False, server_default="received"),
        sa.Column("status_since", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("planned_month", sa.UnicodeText),
        sa.Column("dataset_id", sa.UnicodeText),
        sa.Column("inventory_item_id", sa.UnicodeText),
        sa.Column("decline_reason", sa.UnicodeText),
        sa.Column("answer", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("first_answer", sa.DateTime),
        sa.Column("state", sa.UnicodeText, nullable=False),
        sa.Column("held_reason", sa.UnicodeText),
        sa.Column("merged_into", sa.Integer),
        sa.Column("requester_id", sa.UnicodeText),
        sa.Column("requester_email", sa.UnicodeText),
        sa.Column("show_name", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("supporters", sa.Integer, nullable=False, server_default="0"),
        sa.Column("search_text", sa.UnicodeText, nullable=False, server_default=""),
        *_times(),
    )
    for column in ("organization_id", "inventory_item_id", "state", "requester_id"):
        op.create_index(f"ix_nakano_data_request_{column}", "nakano_data_request", [column])
    op.create_table(
        "nakano_data_request_change",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.Integer, nullable=False),
        sa.Column("ts", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("user_id", sa.UnicodeText),
        sa.Column("kind", sa.UnicodeText, nullable=False),
        sa.Column("changes", JSONB, nullable=False, server_default="{}"),
        sa.Column("note", sa.UnicodeText, nullable=False, server_default=""),
    )
    op.create_index("ix_nakano_data_request_change_request_id", "nakano_data_request_change", ["request_id"])
    for table in ("nakano_data_request_support", "nakano_data_request_follow"):
        op.create_table(
            table,
            sa.Column("request_id", sa.Integer, primary_key=True),
            sa.Column("user_id", sa.UnicodeText, primary_key=True),
            sa.Column("created", sa.DateTime, nullable=False, server_default=sa.func.now()),
        )
        op.create_index(f"ix_{table}_user_id", table, ["user_id"])

    op.create_table(
        "nakano_email_confirmation",
        sa.Column("token_hash", sa.UnicodeText, primary_key=True),
        sa.Column("object_type", sa.UnicodeText, nullable=False),
        sa.Column("object_id", sa.UnicodeText, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("confirmed", sa.DateTime),
    )
    op.create_table(
        "nakano_mail_preference",
        sa.Column("user_id", sa.UnicodeText, primary_key=True),
        sa.Column("department_mail", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade():
    for table in ("nakano_mail_preference", "nakano_email_confirmation", "nakano_data_request_follow",
                  "nakano_data_request_support", "nakano_data_request_change", "nakano_data_request",
                  "nakano_reuse_dataset", "nakano_reuse"):
        op.drop_table(table)
