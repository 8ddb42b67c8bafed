"""The ward's 17 分類 as a published SKOS vocabulary (``/vocab/categories``).

A dataset's category is a ``dcat:theme``: the concept of this scheme (a stable
URI per category, ``<site>/vocab/categories#<code>``, codes from
schemas/vocab/categories.yaml) and the EU data theme it maps to. It used to be a
``dcat:keyword``, which CKAN's tag rules refuse (「社会保障・衛生」 has a 「・」),
so a stock DCAT harvester lost 57 of 63 datasets (issue 17).
"""
from __future__ import annotations

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS as DCT, RDF, SKOS

import ckan.plugins.toolkit as tk

from .. import vocab

PATH = "/vocab/categories"
EU_THEME = Namespace(vocab.EU_THEME)


def scheme_uri() -> URIRef:
    return URIRef(tk.config["ckan.site_url"].rstrip("/") + PATH)


def concept_uri(category: dict[str, str]) -> URIRef:
    return URIRef(f"{scheme_uri()}#{category['code']}")


def by_value(value: str | None) -> dict[str, str] | None:
    return next((c for c in vocab.categories() if c["value"] == value), None)


def category_of(uri: str) -> str | None:
    """The category (its Japanese value) a theme URI of this scheme names."""
    prefix = f"{scheme_uri()}#"
    if not str(uri).startswith(prefix):
        return None
    code = str(uri)[len(prefix):]
    return next((c["value"] for c in vocab.categories() if c["code"] == code), None)


def describe(g: Graph, category: dict[str, str]) -> URIRef:
    """The category's concept in ``g``, with its labels and scheme."""
    ref = concept_uri(category)
    g.add((ref, RDF.type, SKOS.Concept))
    g.add((ref, SKOS.prefLabel, Literal(category["value"], lang="ja")))
    g.add((ref, SKOS.prefLabel, Literal(category["en"], lang="en")))
    g.add((ref, SKOS.notation, Literal(category["code"])))
    g.add((ref, SKOS.inScheme, scheme_uri()))
    return ref


def scheme() -> Graph:
    """The whole vocabulary: the scheme, its 17 concepts and their EU themes."""
    g = Graph()
    g.bind("skos", SKOS)
    g.bind("dct", DCT)
    ref = scheme_uri()
    g.add((ref, RDF.type, SKOS.ConceptScheme))
    g.add((ref, DCT.title, Literal("中野区オープンデータ 分類", lang="ja")))
    g.add((ref, DCT.title, Literal("Nakano City open data categories", lang="en")))
    g.add((ref, DCT.description, Literal(
        "e-Stat の17統計分野にもとづく、データセットの分類。各分類は EU のデータテーマに対応づけています。", lang="ja")))
    g.add((ref, DCT.description, Literal(
        "Dataset categories after e-Stat's 17 statistical fields, each mapped to an EU data theme.", lang="en")))
    for category in vocab.categories():
        concept = describe(g, category)
        g.add((ref, SKOS.hasTopConcept, concept))
        g.add((concept, SKOS.topConceptOf, ref))
        if category.get("eu_theme"):
            # One EU theme covers several categories (ECON): close, not exact.
            g.add((concept, SKOS.closeMatch, EU_THEME[category["eu_theme"]]))
    return g
