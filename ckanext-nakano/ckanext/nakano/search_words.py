"""What people type into a search and how facet values read: no dependency on the index or
the usage statistics, so any page (the register's, reuses', requests') may use it."""
from __future__ import annotations

from . import language_text, vocab

__all__ = ["plain_words_query", "facet_label"]

# Characters with a meaning in Solr's query syntax, and its operators.
_SOLR_SPECIAL = set('+-&|!(){}[]^"~*?:\\/')
_OPERATORS = {"AND", "OR", "NOT", "TO"}


def plain_words_query(text: str) -> str:
    """``text`` as words only: Solr's syntax characters become spaces and its
    operators are dropped, so a query Solr could not parse ("NOT", "text:(a",
    "{!lucene}*:*", "公園 AND") is searched as the words the person typed.
    Empty when no word is left."""
    cleaned = "".join(" " if c in _SOLR_SPECIAL else c for c in text)
    return " ".join(w for w in cleaned.split() if w not in _OPERATORS)


def facet_label(field: str, value: str) -> str:
    """A facet value as people read it, in the page's language."""
    if field == "vocab_standard":
        entry = next((d for d in vocab.standard_datasets()["datasets"] if d["value"] == value), None)
        return language_text.text(entry) if entry else value
    if field == "vocab_category":
        entry = next((c for c in vocab.categories() if c["value"] == value), None)
        return language_text.text(entry, japanese="value") if entry else value
    return value
