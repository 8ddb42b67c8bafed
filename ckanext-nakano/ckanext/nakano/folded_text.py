"""Search of the portal's own tables (the data inventory, reuses, data requests) in PostgreSQL:
the searchable fields of a row are kept folded in its ``search_text`` column, and every word
of a query must be inside it.

A word inside a Japanese text has no spaces around it, so the match is an infix one
(``LIKE '%公園%'``), which no B-tree serves and pg_trgm serves only from three characters on
(公園, 保育, 人口 are two). Each of those tables has a GIN index on the two-character pieces of
its text (``nakano_text_grams``, created by migration d5b8e1c4a302): a word's pieces must all
be in a row's pieces — found in the index — and ``LIKE`` then checks that they are in a row,
as pg_bigm does (not packaged for Debian's PostgreSQL). Why not Solr: docs/architecture.md,
"Search of the portal's own tables".
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

import pykakasi
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

__all__ = ["fold", "searchable", "GRAMS_FUNCTION", "grams", "contains_words"]

_KATAKANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ]")


@functools.cache
def _kakasi() -> pykakasi.kakasi:
    return pykakasi.kakasi()

# The SQL function of the indexes and of the queries: the same expression, or PostgreSQL does
# not use the index.
GRAMS_FUNCTION = "nakano_text_grams"


def fold(text: str) -> str:
    """What search compares: NFKC (ｺｳｴﾝ → コウエン), lower case, katakana as hiragana (コウエン → こうえん)."""
    return unicodedata.normalize("NFKC", text or "").lower().translate(_KATAKANA)


def searchable(text: str) -> str:
    """The folded text and, when it holds kanji, its reading in hiragana (pykakasi's
    dictionary), so that a person who types こうえん finds 公園 as the dataset search does.
    A guessed reading can be wrong (四丁目 → していめ): it only adds matches, never hides one."""
    folded = fold(text)
    if not _KANJI.search(folded):
        return folded
    reading = fold("".join(part["hira"] for part in _kakasi().convert(folded)))
    return folded if reading == folded else f"{folded} {reading}"


def grams(word: str) -> list[str]:
    """The two-character pieces of one folded word, as ``nakano_text_grams`` cuts a text
    (a one-character word has none: only ``LIKE`` finds it)."""
    return sorted({word[i:i + 2] for i in range(len(word) - 1)})


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_words(column: Any, q: str) -> list[sa.ColumnElement[bool]]:
    """Conditions that every word of ``q`` (folded) is in ``column``, the folded text."""
    conditions: list[sa.ColumnElement[bool]] = []
    for word in fold(q).split():
        pieces = grams(word)
        if pieces:
            conditions.append(getattr(sa.func, GRAMS_FUNCTION)(column).op("@>")(
                sa.bindparam(None, pieces, type_=ARRAY(sa.UnicodeText))))
        conditions.append(column.like(f"%{_escaped(word)}%", escape="\\"))
    return conditions
