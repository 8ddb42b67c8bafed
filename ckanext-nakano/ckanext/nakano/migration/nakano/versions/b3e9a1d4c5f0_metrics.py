"""Usage and publishing metrics: raw events, daily rollups, quality, link checks.

Revision ID: b3e9a1d4c5f0
Revises: 8d2f4b7c1e20
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "b3e9a1d4c5f0"
down_revision = "8d2f4b7c1e20"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "nakano_metric_event",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("ts", sa.DateTime, nullable=False),
        sa.Column("kind", sa.UnicodeText, nullable=False),
        sa.Column("page", sa.UnicodeText),
        sa.Column("package_id", sa.UnicodeText),
        sa.Column("resource_id", sa.UnicodeText),
        sa.Column("organization_id", sa.UnicodeText),
        sa.Column("action", sa.UnicodeText),
        sa.Column("auth", sa.UnicodeText, nullable=False, server_default="anonymous"),
        sa.Column("visitor", sa.UnicodeText),
        sa.Column("bot", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("query", sa.UnicodeText),
        sa.Column("filters", JSONB),
        sa.Column("results", sa.Integer),
    )
    op.create_index("nakano_metric_event_ts", "nakano_metric_event", ["ts"])
    op.create_table(
        "nakano_metric_daily",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("kind", sa.UnicodeText, primary_key=True),
        sa.Column("scope", sa.UnicodeText, primary_key=True),
        sa.Column("subject", sa.UnicodeText, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("visitors", sa.Integer, nullable=False, server_default="0"),
        sa.Column("authenticated", sa.Integer, nullable=False, server_default="0"),
        sa.Column("bots", sa.Integer, nullable=False, server_default="0"),
    )
    # Per-dataset and per-department totals read by scope/subject over all days.
    op.create_index("nakano_metric_daily_subject", "nakano_metric_daily", ["scope", "subject", "kind"])
    op.create_table(
        "nakano_search_daily",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("query", sa.UnicodeText, primary_key=True),
        sa.Column("searches", sa.Integer, nullable=False),
        sa.Column("zero_results", sa.Integer, nullable=False),
        sa.Column("visitors", sa.Integer, nullable=False),
    )
    op.create_table(
        "nakano_quality",
        sa.Column("package_id", sa.UnicodeText, primary_key=True),
        sa.Column("organization_id", sa.UnicodeText),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("max_score", sa.Integer, nullable=False),
        sa.Column("freshness", sa.UnicodeText, nullable=False),
        sa.Column("detail", JSONB, nullable=False),
        sa.Column("computed", sa.DateTime, nullable=False),
    )
    op.create_index("nakano_quality_organization_id", "nakano_quality", ["organization_id"])
    op.create_table(
        "nakano_link_check",
        sa.Column("resource_id", sa.UnicodeText, primary_key=True),
        sa.Column("package_id", sa.UnicodeText, nullable=False),
        sa.Column("url", sa.UnicodeText, nullable=False),
        sa.Column("status", sa.UnicodeText, nullable=False),
        sa.Column("http_status", sa.Integer),
        sa.Column("message", sa.UnicodeText),
        sa.Column("checked", sa.DateTime, nullable=False),
    )
    op.create_index("nakano_link_check_package_id", "nakano_link_check", ["package_id"])


def downgrade():
    for table in ("nakano_link_check", "nakano_quality", "nakano_search_daily",
                  "nakano_metric_daily", "nakano_metric_event"):
        op.drop_table(table)
