"""A realistic Japanese catalog and labelled queries for the search benchmark.

Titles and descriptions are built from the vocabulary of real municipal
catalogs (the ward's own 46 dataset titles and sections in the demo catalog,
Nakano's 85 町丁目, the 自治体標準オープンデータセット names). Deterministic
for a given seed.

Relevance is what a resident expects: a dataset is relevant to a query when
every word of the query occurs in the text its page shows (title,
description, tags, contact section, resource names and descriptions),
compared after
NFKC normalisation and lower-casing (so ＡＥＤ = AED, ｺﾝﾋﾟｭｰﾀ = コンピュータ).
"""
from __future__ import annotations

import json
import random
import unicodedata
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TOWNS_FILE = HERE.parents[1] / "schemas" / "vocab" / "nakano-towns.json"
CATALOG = HERE.parents[1] / "ckanext-nakano" / "ckanext" / "nakano" / "demo" / "catalog"

# Subjects of the 自治体標準オープンデータセット and of the ward's catalog.
SUBJECTS = [
    "指定緊急避難場所", "指定避難所", "公衆トイレ", "ＡＥＤ設置箇所", "医療機関", "介護サービス事業所",
    "子育て施設", "文化財", "観光施設", "イベント", "公衆無線LANアクセスポイント", "消防水利施設",
    "食品等営業許可", "地域・年齢別人口", "公共施設", "自転車駐車場", "都市計画駐車場", "町会・自治会区域",
    "生産緑地地区", "区立小学校標準献立表", "区立中学校標準献立表", "病児・病後児保育実施施設",
    "予防接種実施医療機関", "資源とごみの収集曜日", "有料ごみ処理券取扱所", "住宅宿泊事業届出住宅",
    "都市計画道路", "平和史跡", "災害協定締結団体", "指定管理者制度導入施設", "コンピューター利用端末",
    "図書館", "児童館", "区民活動センター", "公園", "保育園", "幼稚園", "放課後子ども教室",
    "高齢者会館", "スポーツ施設",
]
FORMS = [
    "{town}の{subject}一覧", "{subject}一覧（{town}）", "中野区{subject}一覧",
    "{year}年度{subject}調査結果", "{subject}の所在地と設備（{town}）", "{town}周辺の{subject}",
]
NOTES = [
    "【中野区】{section}が管理する{subject}の一覧です。",
    "区内の{subject}について、名称、所在地、緯度経度、連絡先を掲載しています。",
    "{town}にある{subject}の情報です。更新頻度は{freq}です。",
    "{year}年度に{section}が実施した調査の結果をまとめたデータです。",
    "東京都中野区の{subject}に関するオープンデータです。",
]
ENGLISH = [
    ("Public toilets in {town_en}", "Locations and facilities of public toilets"),
    ("AED locations of Nakano City", "Automated external defibrillators in public buildings"),
    ("Nakano ward parks", "Opening hours of the parks in the ward"),
    ("Population by age and district", "Resident population statistics by age group"),
]
FREQS = ["1年に1回", "変更時", "必要に応じて", "5年に1回", "1ヶ月に1回"]
WIDTH_VARIANTS = {"ＡＥＤ": "AED", "コンピューター": "ｺﾝﾋﾟｭｰﾀｰ"}


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _vocabulary() -> tuple[list[str], list[str]]:
    towns = [t["town"] for t in json.loads(TOWNS_FILE.read_text(encoding="utf-8"))]
    sections = sorted({
        json.loads(p.read_text(encoding="utf-8"))["result"]["maintainer"].split("、")[0]
        for p in CATALOG.glob("*.json")
    })
    return towns, sections


def datasets(n: int = 10_000, seed: int = 131148) -> list[dict[str, Any]]:
    """``n`` dataset dicts shaped like package_show output."""
    rnd = random.Random(seed)
    towns, sections = _vocabulary()
    out = []
    for i in range(n):
        town = rnd.choice(towns)
        subject = rnd.choice(SUBJECTS)
        year = rnd.randint(2015, 2026)
        if rnd.random() < 0.04:
            title, notes = rnd.choice(ENGLISH)
            title = title.format(town_en="Nakano")
        else:
            title = rnd.choice(FORMS).format(town=town, subject=subject, year=year)
            notes = "".join(rnd.sample(NOTES, 2)).format(
                town=town, subject=subject, year=year, section=rnd.choice(sections),
                freq=rnd.choice(FREQS))
        if rnd.random() < 0.1:  # some publishers type half-width / plain forms
            for a, b in WIDTH_VARIANTS.items():
                title = title.replace(a, b)
        ident = str(uuid.UUID(int=rnd.getrandbits(128)))
        fmt = rnd.choice(["CSV", "XLSX", "PDF", "JSON"])
        out.append({
            "id": ident, "name": f"bench-{i:05d}", "title": title, "notes": notes,
            "type": "dataset", "state": "active", "private": False,
            "license_id": "cc-by", "maintainer": rnd.choice(sections),
            "metadata_created": "2024-04-01T00:00:00", "metadata_modified": "2026-04-01T00:00:00",
            "tags": [{"name": subject}] if rnd.random() < 0.3 else [],
            "extras": [{"key": "frequency_note", "value": rnd.choice(FREQS)}],
            "resources": [{"id": str(uuid.UUID(int=rnd.getrandbits(128))), "name": f"{subject}（{fmt}）",
                           "description": f"{town}の{subject}", "format": fmt,
                           "url": f"https://example.org/{i}.{fmt.lower()}"}],
            "groups": [], "organization": None, "owner_org": None,
        })
    return out


QUERIES = [
    # words inside compounds
    "避難場所", "緊急避難", "指定避難所", "避難所", "トイレ", "公衆トイレ", "医療機関", "介護",
    "介護サービス", "子育て", "文化財", "観光", "イベント", "無線LAN", "アクセスポイント", "消防水利",
    "営業許可", "人口", "年齢別人口", "公共施設", "駐車場", "自転車", "自治会", "生産緑地", "献立表",
    "小学校", "中学校", "病後児保育", "予防接種", "ごみ", "収集曜日", "宿泊", "都市計画", "史跡",
    "災害協定", "指定管理者", "図書館", "児童館", "公園", "保育園", "幼稚園", "高齢者",
    # width and long-vowel variants
    "AED", "ａｅｄ", "ＡＥＤ", "コンピュータ", "コンピューター", "無線ＬＡＮ",
    # 町丁目
    "江古田", "新井", "本町", "中央", "沼袋", "鷺宮", "東中野",
    # two words
    "江古田 トイレ", "本町 公園", "新井 避難所", "中央 保育園",
    # substrings morphology splits differently
    "京都", "育て施設",
    # English
    "parks", "public toilets", "population",
]


def page_text(d: dict[str, Any]) -> str:
    parts = [d["title"], d["notes"], d["maintainer"]] + [t["name"] for t in d["tags"]]
    parts += [r[k] for r in d["resources"] for k in ("name", "description")]
    return normalise(" ".join(parts))


def relevant(docs: list[dict[str, Any]], query: str) -> set[str]:
    words = [normalise(w) for w in query.split()]
    return {d["id"] for d in docs if all(w in page_text(d) for w in words)}
