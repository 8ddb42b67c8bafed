"""The 町丁目 a cell or an address names, among the towns of known municipalities.

A file writes a town in many ways: 「中野五丁目」, 「中野5丁目」, 「中野区中野５丁目3番」,
「東京都中野区中野5-3-1」 (the first number of a Tokyo address is the 丁目 when the town has
丁目), 「松ケ丘」 for 「松が丘」. Towns are looked up per municipality: the ward's own 85
(schemas/vocab/nakano-towns.json) and those that a population file of the catalog names for
its municipality. An address that names another municipality (「杉並区本町1-2」, 「静岡県焼津市本町2-16」)
is none of them, even where a town of the same name exists here.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from . import vocab

__all__ = ["Town", "TownNames", "key", "without_prefecture", "WARD"]

WARD = "中野区"
_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_CHOME = re.compile(r"([〇一二三四五六七八九十]+)丁目")
_NUMBER_AFTER = re.compile(r"([0-9]+)(?:丁目|[-‐‑–—−ー－の]|番)")
_CHOME_KEY = re.compile(r"^(.+?)([0-9]+)丁目$")
_PREFECTURE = re.compile(r"^(〒?[0-9]{3}-?[0-9]{4})?(東京都|北海道|京都府|大阪府|.{2,3}県)?")


def _kanji_number(text: str) -> int:
    """一 … 九十九 as a number (the 丁目 of a town)."""
    if "十" not in text:
        return int("".join(str(_KANJI_DIGITS[c]) for c in text))
    tens, _, ones = text.partition("十")
    return (_KANJI_DIGITS[tens] if tens else 1) * 10 + (_KANJI_DIGITS[ones] if ones else 0)


def key(text: str) -> str:
    """A town name as compared: NFKC, no spaces, 丁目 in Arabic digits, ケ/ヶ as が."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text).replace("ヶ", "が").replace("ケ", "が")
    return _KANJI_CHOME.sub(lambda m: f"{_kanji_number(m.group(1))}丁目", text)


def without_prefecture(text: str) -> str:
    """「東京都中野区…」 → 「中野区…」 (a postal code before it dropped too)."""
    return _PREFECTURE.sub("", text)


@dataclass(frozen=True)
class Town:
    municipality: str   # 「中野区」, 「高松市」
    name: str           # as the ward's list or the population file writes it

    @property
    def label(self) -> str:
        """The ward's towns by their name; another municipality's with its name first."""
        return self.name if self.municipality == WARD else f"{self.municipality} {self.name}"


class TownNames:
    """Towns of some municipalities, found in the text of a cell."""

    def __init__(self, towns: Iterable[Town]) -> None:
        self._by_key: dict[tuple[str, str], Town] = {}
        self._municipalities: dict[str, str] = {}       # key of a municipality's name → its name
        bases: set[str] = set()
        for town in towns:
            town_key = key(town.name)
            if not town_key:
                continue
            self._by_key.setdefault((town.municipality, town_key), town)
            self._municipalities[key(town.municipality)] = town.municipality
            chome = _CHOME_KEY.match(town_key)
            bases.add(chome.group(1) if chome else town_key)
        self._towns_of: dict[str, set[str]] = {}
        for municipality, town_key in self._by_key:
            self._towns_of.setdefault(town_key, set()).add(municipality)
        longest_first = sorted(bases, key=lambda b: (-len(b), b))
        self._pattern = re.compile("|".join(re.escape(b) for b in longest_first)) if longest_first else None

    @classmethod
    @cache
    def of_ward(cls) -> "TownNames":
        return cls(Town(WARD, name) for name in vocab.towns())

    def _municipality_before(self, prefix: str) -> str | None:
        """The municipality that the text before a town names: "" when it names none, None
        when it names one that is not known here."""
        rest = _PREFECTURE.sub("", prefix)
        if not rest:
            return ""
        return self._municipalities.get(rest)

    def find(self, text: object, municipality: str | None = None) -> Town | None:
        """The town that ``text`` names, or None. ``municipality`` is the row's own (its
        地方公共団体名 cell), used when the text names none; without either, the ward's."""
        if text is None or self._pattern is None:
            return None
        written = key(str(text))
        position = 0
        while True:
            found = self._pattern.search(written, position)
            if found is None:
                return None
            named = self._municipality_before(written[:found.start()])
            if named is not None:
                town = self._town(found.group(), written[found.end():], named or self._own(municipality))
                if town is not None:
                    return town
            position = found.start() + 1

    def _own(self, municipality: str | None) -> str:
        if municipality:
            written = _PREFECTURE.sub("", key(municipality))
            return self._municipalities.get(written, written)
        return WARD

    def _town(self, base: str, after: str, municipality: str) -> Town | None:
        number = _NUMBER_AFTER.match(after)
        if number:
            town = self._by_key.get((municipality, f"{base}{int(number.group(1))}丁目"))
            if town is not None:
                return town
        return self._by_key.get((municipality, base))
