"""What a search that found nothing offers next (the page is
``templates/nakano/zero_results.html``): 「もしかして」 datasets found by a looser
search of the same words, the categories, and the most viewed datasets."""
from __future__ import annotations

import re
from typing import Any

import ckan.plugins.toolkit as tk

from . import home, language_text, search_words, vocab

SUGGESTED = 3
# The bigram companion fields: a word that matches nothing whole (a typo such as
# 避難場書, a compound the catalog does not use such as 図書室) still shares
# two-character pieces with what the catalog holds.
LOOSE_FIELDS = "title_cjk^2 text_cjk"
_CJK_RUN = re.compile(r"[\u3041-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f々〆ー]+")


def loose_terms(q: str) -> list[str]:
    """The query's words with every run of Japanese characters cut into
    overlapping bigrams (避難場書 → 避難 難場 場書); other words kept."""
    terms: list[str] = []
    for word in search_words.plain_words_query(q or "").split():
        pieces = _CJK_RUN.split(word)
        terms.extend(p for p in pieces if p)
        for run in _CJK_RUN.findall(word):
            terms.extend([run] if len(run) < 3 else [run[i:i + 2] for i in range(len(run) - 1)])
    return list(dict.fromkeys(terms))


def did_you_mean(q: str) -> list[dict[str, Any]]:
    """Up to three datasets sharing the most pieces with ``q`` (any filters
    the visitor chose are left out: they may be why nothing was found)."""
    terms = loose_terms(q)
    if not terms:
        return []
    result = tk.get_action("package_search")({}, {
        "q": " ".join(terms), "qf": LOOSE_FIELDS, "mm": "1", "rows": SUGGESTED})
    return result["results"]


def next_steps(q: str) -> dict[str, Any]:
    """Everything the zero-result page offers, in the page's language."""
    popular = home.popular()
    return {
        "maybe": did_you_mean(q),
        "categories": [{"value": c["value"], "label": language_text.text(c, japanese="value")}
                       for c in vocab.categories()],
        "popular": popular,
        # Before any view is recorded (a new portal), the newest updates instead.
        "updated": [] if popular else tk.get_action("package_search")(
            {}, {"rows": home.LISTED, "sort": "metadata_modified desc"})["results"],
    }
