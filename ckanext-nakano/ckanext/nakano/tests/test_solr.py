"""The real Solr core: reachable, serving our Japanese schema."""
from __future__ import annotations

import requests


def _analyse(solr_url: str, field_type: str, text: str, side: str = "query") -> list[str]:
    """Tokens of the query-side (or index-side) analysis of ``text`` by ``field_type``."""
    key = "analysis.query" if side == "query" else "analysis.fieldvalue"
    response = requests.get(f"{solr_url}/analysis/field", params={
        "analysis.fieldtype": field_type, key: text, "wt": "json"}, timeout=10)
    response.raise_for_status()
    stages = response.json()["analysis"]["field_types"][field_type][side]
    return [t["text"] for t in stages[-1]]


def test_core_answers_ping(solr_url):
    response = requests.get(f"{solr_url}/admin/ping", params={"wt": "json"}, timeout=10)
    assert response.json()["status"] == "OK"


def test_schema_is_ckan_2_12_with_japanese_types(solr_url):
    schema = requests.get(f"{solr_url}/schema", params={"wt": "json"}, timeout=10).json()["schema"]
    assert schema["name"] == "ckan-2.12"  # CKAN's start-up check reads this
    types = {t["name"]: t for t in schema["fieldTypes"]}
    for name in ("text", "text_general"):
        assert types[name]["indexAnalyzer"]["tokenizer"]["class"] == "solr.JapaneseTokenizerFactory"
        assert types[name]["queryAnalyzer"]["tokenizer"]["class"] == "solr.JapaneseTokenizerFactory"
    bigram_filters = [f["class"] for f in types["text_cjk_bigram"]["analyzer"]["filters"]]
    assert "solr.CJKBigramFilterFactory" in bigram_filters
    fields = {f["name"]: f["type"] for f in schema["fields"]}
    assert fields["title"] == "text" and fields["notes"] == "text"
    assert fields["res_name"] == "text_general"
    assert fields["title_cjk"] == fields["text_cjk"] == "text_cjk_bigram"


def test_kuromoji_segments_and_normalises(solr_url):
    # Index side: the query side adds the synonyms of 避難場所 (synonyms.txt).
    assert _analyse(solr_url, "text", "指定緊急避難場所", side="index") == ["指定", "緊急", "避難", "場所"]
    assert _analyse(solr_url, "text", "ＡＥＤ", side="index") == ["aed"]
    assert _analyse(solr_url, "text", "ｺﾝﾋﾟｭｰﾀｰ") == _analyse(solr_url, "text", "コンピュータ")
    # Plural-only English stemming: acronyms survive.
    assert _analyse(solr_url, "text", "AED parks", side="index") == ["aed", "park"]


def test_bigram_companion_overlaps(solr_url):
    assert _analyse(solr_url, "text_cjk_bigram", "東京都") == ["東京", "京都"]
