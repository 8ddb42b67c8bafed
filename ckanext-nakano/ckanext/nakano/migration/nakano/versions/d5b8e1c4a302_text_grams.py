"""An index for the search of the portal's own tables: the two-character pieces of the
folded ``search_text`` of inventory items, reuses and data requests (folded_text.py).

Revision ID: d5b8e1c4a302
Revises: c9e5a3b7d210
Create Date: 2026-12-07
"""
from alembic import op

revision = "d5b8e1c4a302"
down_revision = "c9e5a3b7d210"
branch_labels = None
depends_on = None

TABLES = ("nakano_inventory_item", "nakano_reuse", "nakano_data_request")

# IMMUTABLE, so an index may be built on it; pieces with a space are left out (a searched
# word has none).
GRAMS = """
CREATE OR REPLACE FUNCTION nakano_text_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT piece), '{}'::text[])
  FROM (SELECT substr(t, i, 2) AS piece FROM generate_series(1, length(t) - 1) AS i) AS pieces
  WHERE position(' ' IN piece) = 0
$$
"""


def upgrade():
    op.execute(GRAMS)
    for table in TABLES:
        op.execute(f"CREATE INDEX {table}_grams ON {table} USING gin (nakano_text_grams(search_text))")


def downgrade():
    for table in TABLES:
        op.execute(f"DROP INDEX IF EXISTS {table}_grams")
    op.execute("DROP FUNCTION IF EXISTS nakano_text_grams(text)")
