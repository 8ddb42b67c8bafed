"""Readings in the search of the portal's own tables: the ``search_text`` of inventory items,
reuses and data requests gains the hiragana reading of its kanji (folded_text.searchable), so
that こうえん finds 公園 there as in the dataset search. New and edited rows get it from the
application; this gives it to the rows written before.

Revision ID: e1a6c3f8b257
Revises: d5b8e1c4a302
Create Date: 2026-12-07
"""
import re

import pykakasi
import sqlalchemy as sa
from alembic import op

revision = "e1a6c3f8b257"
down_revision = "d5b8e1c4a302"
branch_labels = None
depends_on = None

TABLES = ("nakano_inventory_item", "nakano_reuse", "nakano_data_request")
# As folded_text.searchable at the time of this migration (a migration does not change with the code).
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ]")
_KATAKANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}


def _with_reading(kakasi: pykakasi.kakasi, folded: str) -> str:
    if not _KANJI.search(folded):
        return folded
    reading = "".join(part["hira"] for part in kakasi.convert(folded)).lower().translate(_KATAKANA)
    return folded if reading == folded else f"{folded} {reading}"


def upgrade():
    kakasi = pykakasi.kakasi()
    connection = op.get_bind()
    for table in TABLES:
        rows = connection.execute(sa.text(f"SELECT id, search_text FROM {table}")).fetchall()
        for row_id, text in rows:
            changed = _with_reading(kakasi, text or "")
            if changed != text:
                connection.execute(sa.text(f"UPDATE {table} SET search_text = :t WHERE id = :id"),
                                   {"t": changed, "id": row_id})


def downgrade():
    # Nothing to undo: a reading only adds matches, and the code before this revision writes a
    # row's search_text again, without it, on the row's next change.
    pass
