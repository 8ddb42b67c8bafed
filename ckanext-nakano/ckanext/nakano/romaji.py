"""Japanese text in Latin letters (Hepburn), for URL names people can read.

pykakasi (dictionary-based, pure Python) rather than cutlet: cutlet reads
better but needs MeCab (fugashi) and a 50 MB dictionary in every process.
"""
from __future__ import annotations

from functools import cache

import pykakasi
from slugify import slugify


@cache
def _kakasi() -> pykakasi.kakasi:
    return pykakasi.kakasi()


def romanised_slug(text: str, max_length: int = 80) -> str:
    """``救護所一覧`` → ``kyuugo-tokoro-ichiran``; "" when nothing Latin comes out."""
    words = " ".join(part["hepburn"] or part["orig"] for part in _kakasi().convert(text or ""))
    return slugify(words, max_length=max_length, word_boundary=True)
