"""DCAT profile ``nakano``: what the ward's schema has and DCAT-AP 3 lacks.

Runs after ``euro_dcat_ap_3`` (``ckanext.dcat.rdf.profiles = euro_dcat_ap_3
nakano``), which already serializes the fields named as in ckanext-dcat's
scheming schema (contact, frequency, temporal/spatial coverage, language,
issued/modified, licence, distributions).
"""
from __future__ import annotations

from typing import Any

import re
from urllib.parse import quote

from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT, FOAF, RDF, RDFS, SKOS, XSD
from rdflib.term import _is_valid_uri

import ckan.plugins.toolkit as tk
from ckanext.dcat.profiles.base import RDFProfile
from ckanext.dcat.utils import resource_uri

from .. import vocab
from ..uris import department_uri
from . import categories

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
CNT = Namespace("http://www.w3.org/2011/content#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
PUBLISHER_TYPE = URIRef("http://purl.org/adms/publishertype/LocalAuthority")
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
IANA = "https://www.iana.org/assignments/media-types/"
WARD_JA, WARD_EN = "中野区", "Nakano City"
MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
# Checksum algorithms by the names a resource's ``hash_algorithm`` may give
# (also SPDX's own IRIs), and by digest length when none is given: xloader
# stores an MD5 in ``hash`` without naming it.
ALGORITHMS = {"md5": "md5", "sha1": "sha1", "sha224": "sha224", "sha256": "sha256", "sha384": "sha384",
              "sha512": "sha512"}
ALGORITHM_BY_LENGTH = {32: "md5", 40: "sha1", 56: "sha224", 64: "sha256", 96: "sha384", 128: "sha512"}
HEX = re.compile(r"^[0-9a-f]+$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Characters left as they are when an IRI is percent-encoded (its syntax, and
# the percent signs of what is encoded already).
SAFE_IRI_CHARACTERS = ":/?#[]@!$&'()*+,;=%~-._"
LOCN = Namespace("http://www.w3.org/ns/locn#")
# Properties whose values are text in a language.
TEXT_PREDICATES = (DCT.title, DCT.description, DCAT.keyword, FOAF.name, VCARD.fn, SKOS.prefLabel,
                   RDFS.label, LOCN.geographicName, VCARD["organization-name"])


class NakanoDCATProfile(RDFProfile):
    def parse_dataset(self, dataset_dict: dict[str, Any], dataset_ref: URIRef) -> dict[str, Any]:
        """Read back what graph_from_dataset adds (ckanext-dcat's parser, harvesting)."""
        g = self.g
        for field, predicate in (("title_en", DCT.title), ("notes_en", DCT.description)):
            english = [o for o in g.objects(dataset_ref, predicate) if getattr(o, "language", None) == "en"]
            if english:
                dataset_dict[field] = str(english[0])
                # The base profile took one of the titles; keep the Japanese one.
                japanese = [o for o in g.objects(dataset_ref, predicate)
                            if getattr(o, "language", None) != "en"]
                if japanese:
                    dataset_dict["title" if field == "title_en" else "notes"] = str(japanese[0])
        for theme in g.objects(dataset_ref, DCAT.theme):
            category = categories.category_of(str(theme))
            if category:
                dataset_dict["category"] = category
        # Catalogs of before issue 17 sent the category as a keyword.
        values = {c["value"] for c in vocab.categories()}
        for keyword in g.objects(dataset_ref, DCAT.keyword):
            if str(keyword) in values:
                dataset_dict.setdefault("category", str(keyword))
                dataset_dict["tags"] = [t for t in dataset_dict.get("tags", []) if t.get("name") != str(keyword)]
        prefix = vocab.standard_datasets()["standard_url"] + "#"
        for ref in g.objects(dataset_ref, DCT.conformsTo):
            if str(ref).startswith(prefix):
                dataset_dict["standard_dataset"] = str(ref)[len(prefix):]
                dataset_dict["conforms_to"] = [c for c in dataset_dict.get("conforms_to") or []
                                               if c != str(ref)]
        return dataset_dict

    def graph_from_dataset(self, dataset_dict: dict[str, Any], dataset_ref: URIRef) -> None:
        g = self.g
        for field, predicate in (("title_en", DCT.title), ("notes_en", DCT.description)):
            if dataset_dict.get(field):
                g.add((dataset_ref, predicate, Literal(dataset_dict[field], lang="en")))

        # The category as themes (the ward's concept and the EU theme), never
        # as a keyword: CKAN's tag rules refuse 「・」.
        category = categories.by_value(dataset_dict.get("category"))
        if category:
            g.add((dataset_ref, DCAT.theme, categories.describe(g, category)))
            theme = URIRef(vocab.EU_THEME + category["eu_theme"])
            g.add((dataset_ref, DCAT.theme, theme))
            g.add((theme, SKOS.prefLabel, Literal(vocab.eu_theme_labels()[category["eu_theme"]], lang="en")))
        for keyword in list(g.objects(dataset_ref, DCAT.keyword)):
            if str(keyword) == dataset_dict.get("category"):
                g.remove((dataset_ref, DCAT.keyword, keyword))

        standards = vocab.standard_datasets()
        standard = standards["by_value"].get(dataset_dict.get("standard_dataset") or "")
        if standard:
            ref = URIRef(f"{standards['standard_url']}#{standard['value']}")
            g.add((dataset_ref, DCT.conformsTo, ref))
            g.add((ref, RDF.type, DCT.Standard))
            g.add((ref, RDFS.label, Literal(f"自治体標準オープンデータセット {standard['ja']}", lang="ja")))

        self._publisher(dataset_dict, dataset_ref)
        self._contact_phones(dataset_dict, dataset_ref)

        self._dataset_license(dataset_dict, dataset_ref)
        self._source_identifier(dataset_dict, dataset_ref)
        for resource in dataset_dict.get("resources", []):
            distribution = URIRef(resource_uri(resource))
            self._resource_license(resource, distribution)
            self._checksums(resource, distribution)
            if resource.get("encoding"):
                g.add((distribution, CNT.characterEncoding, Literal(resource["encoding"])))
            if resource.get("name_en"):
                g.add((distribution, DCT.title, Literal(resource["name_en"], lang="en")))
        self._typed_nodes(dataset_ref)
        self._licence_titles(dataset_ref)
        self._language_tags(dataset_ref)

    def graph_from_catalog(self, catalog_dict: dict[str, Any], catalog_ref: URIRef) -> None:
        g = self.g
        for predicate in (DCT.publisher,):
            g.remove((catalog_ref, predicate, None))
        g.add((catalog_ref, DCT.publisher, self._ward_agent()))
        for predicate in (DCT.title, DCT.description):  # the site's title and description are Japanese
            for value in list(g.objects(catalog_ref, predicate)):
                if isinstance(value, Literal) and not value.language:
                    g.remove((catalog_ref, predicate, value))
                    g.add((catalog_ref, predicate, Literal(str(value), lang="ja")))
        g.add((catalog_ref, DCT.title, Literal("Nakano City Open Data Catalog", lang="en")))
        # The base profile states the site's locale as a literal ("ja"); DCAT-AP
        # asks for the EU language authority's IRI, a dct:LinguisticSystem.
        for language in list(g.objects(catalog_ref, DCT.language)):
            if isinstance(language, Literal):
                g.remove((catalog_ref, DCT.language, language))
        language = URIRef("http://publications.europa.eu/resource/authority/language/JPN")
        g.add((catalog_ref, DCT.language, language))
        g.add((language, RDF.type, DCT.LinguisticSystem))
        for homepage in g.objects(catalog_ref, FOAF.homepage):
            g.add((homepage, RDF.type, FOAF.Document))

    # -- helpers ------------------------------------------------------------

    def _publisher_type(self, agent: URIRef) -> None:
        self.g.add((agent, DCT.type, PUBLISHER_TYPE))
        self.g.add((PUBLISHER_TYPE, SKOS.prefLabel, Literal("Local Authority", lang="en")))

    def _typed_nodes(self, dataset_ref: URIRef) -> None:
        """DCAT-AP 3's range shapes check classes without inference: state them,
        and give format and media type as the controlled IRIs DCAT-AP asks for."""
        g = self.g
        for node in g.objects(dataset_ref, DCAT.contactPoint):
            g.add((node, RDF.type, VCARD.Kind))
        for theme in g.objects(dataset_ref, DCAT.theme):
            g.add((theme, RDF.type, SKOS.Concept))
        for publisher in g.objects(dataset_ref, DCT.publisher):
            for kind in g.objects(publisher, DCT.type):
                g.add((kind, RDF.type, SKOS.Concept))
        for dist in g.objects(dataset_ref, DCAT.distribution):
            for predicate in (DCAT.accessURL, DCAT.downloadURL):
                for url in g.objects(dist, predicate):
                    g.add((url, RDF.type, RDFS.Resource))
            for license_ in g.objects(dist, DCT.license):
                g.add((license_, RDF.type, DCT.LicenseDocument))
                for kind in g.objects(license_, DCT.type):
                    g.add((kind, RDF.type, SKOS.Concept))
                    if g.value(kind, SKOS.prefLabel) is None:
                        g.add((kind, SKOS.prefLabel, Literal(str(kind).rstrip("/").rsplit("/", 1)[-1])))
            self._formats(dist)
        self._safe_iris(dataset_ref)

    def _formats(self, dist: URIRef) -> None:
        """dct:format and dcat:mediaType as the controlled IRIs DCAT-AP asks for
        (「Excel 2016」 → file-type/XLSX, schemas/vocab/formats.yaml); a value
        that names no single known format (「PDF, CSV」) becomes a described
        format instead of an IRI made of free text."""
        g = self.g
        media_of_format = None
        for value in [v for v in g.objects(dist, DCT.format) if isinstance(v, Literal)]:
            g.remove((dist, DCT.format, value))
            known = vocab.file_format(str(value))
            node = URIRef(FILE_TYPE + known["code"]) if known else BNode()
            g.add((dist, DCT.format, node))
            g.add((node, RDF.type, DCT.MediaTypeOrExtent))
            if not known:
                g.add((node, RDFS.label, Literal(str(value))))
            media_of_format = known and known.get("media")
        # A linked file has no media type of its own (CKAN stores none): the
        # format's. Without one, a stock CKAN guessed it on the second harvest
        # only, and every linked file "changed".
        if media_of_format and g.value(dist, DCAT.mediaType) is None:
            g.add((dist, DCAT.mediaType, Literal(media_of_format)))
        for value in [v for v in g.objects(dist, DCAT.mediaType) if isinstance(v, Literal)]:
            g.remove((dist, DCAT.mediaType, value))
            media = str(value).split(";", 1)[0].strip().lower()
            if MEDIA_TYPE.match(media):
                ref = URIRef(IANA + media)
                g.add((dist, DCAT.mediaType, ref))
                g.add((ref, RDF.type, DCT.MediaType))

    def _safe_iris(self, dataset_ref: URIRef) -> None:
        """Every IRI of the dataset's description made serializable: a space,
        quote or brace that a user typed into a URL field is percent-encoded
        (rdflib refuses to write it, and the whole catalog failed with it)."""
        g = self.g
        triples, seen, todo = [], set(), [dataset_ref]
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            for predicate, obj in g.predicate_objects(node):
                triples.append((node, predicate, obj))
                if isinstance(obj, (URIRef, BNode)) and obj not in seen:
                    todo.append(obj)
        for subject, predicate, obj in triples:
            fixed = (_serializable(subject), predicate, _serializable(obj))
            if fixed != (subject, predicate, obj):
                g.remove((subject, predicate, obj))
                g.add(fixed)

    def _ward_agent(self) -> URIRef:
        ref = URIRef(tk.config["ckan.site_url"].rstrip("/") + "/#publisher")
        g = self.g
        g.add((ref, RDF.type, FOAF.Agent))
        g.add((ref, FOAF.name, Literal(WARD_JA, lang="ja")))
        g.add((ref, FOAF.name, Literal(WARD_EN, lang="en")))
        self._publisher_type(ref)
        g.add((ref, DCT.identifier, Literal(tk.config["ckanext.nakano.ward_code"])))
        return ref

    def _publisher(self, dataset_dict: dict[str, Any], dataset_ref: URIRef) -> None:
        """The department (部) publishes, as part of the ward."""
        org = dataset_dict.get("organization")
        if not org:
            self.g.set((dataset_ref, DCT.publisher, self._ward_agent()))
            return
        ref = URIRef(department_uri(org["name"]))
        g = self.g
        for old in list(g.objects(dataset_ref, DCT.publisher)):
            g.remove((dataset_ref, DCT.publisher, old))
            if old != ref:
                # The base profile's node for the same department (named by its
                # id): dropped whole, or the catalog has two agents for one 部.
                g.remove((old, None, None))
        g.add((dataset_ref, DCT.publisher, ref))
        g.add((ref, RDF.type, FOAF.Agent))
        g.add((ref, FOAF.name, Literal(f"{WARD_JA}{org['title']}", lang="ja")))
        if org.get("title_en"):
            g.add((ref, FOAF.name, Literal(f"{WARD_EN} {org['title_en']}", lang="en")))
        self._publisher_type(ref)

    def _resource_license(self, resource: dict[str, Any], distribution: URIRef) -> None:
        """A file under another licence than its dataset (a sample file of
        another municipality) says so with the resource field ``license``, a
        licence id of the portal's list; the distribution gets that licence's
        document instead of the dataset's."""
        known = vocab.license_urls()
        url = known.get(resource.get("license") or "")
        if not url:
            return
        g = self.g
        for old in list(g.objects(distribution, DCT.license)):
            g.remove((distribution, DCT.license, old))
        document = URIRef(url)
        g.add((distribution, DCT.license, document))
        g.add((document, RDF.type, DCT.LicenseDocument))

    def _dataset_license(self, dataset_dict: dict[str, Any], dataset_ref: URIRef) -> None:
        """The dataset's licence on the dataset too (DCAT's dct:license of a
        dcat:Resource), not only on each distribution."""
        url = vocab.license_urls().get(dataset_dict.get("license_id") or "")
        if url:
            self.g.add((dataset_ref, DCT.license, URIRef(url)))

    def _source_identifier(self, dataset_dict: dict[str, Any], dataset_ref: URIRef) -> None:
        """The id the dataset has in the catalog it was taken from, as another
        identifier (adms:identifier), never as its own dct:identifier."""
        if not dataset_dict.get("source_identifier"):
            return
        g = self.g
        # An IRI, not a blank node: ckanext-dcat 2.4.4's parser keeps the node
        # itself as the value of adms:identifier (a blank node's generated id,
        # other on every harvest, so every record "changed").
        value = dataset_dict["source_identifier"]
        node = URIRef(f"urn:uuid:{value.lower()}" if UUID.match(value) else f"{dataset_ref}#source-identifier")
        g.add((dataset_ref, ADMS.identifier, node))
        g.add((node, RDF.type, ADMS.Identifier))
        g.add((node, SKOS.notation, Literal(dataset_dict["source_identifier"])))
        label = (dataset_dict.get("source_system") or "").removesuffix(dataset_dict["source_identifier"]).strip()
        if label:
            g.add((node, ADMS.schemaAgency, Literal(label, lang="ja")))

    def _licence_titles(self, dataset_ref: URIRef) -> None:
        """Each licence document titled as CKAN's own list titles the same
        licence (in English and in CKAN's Japanese): a stock DCAT harvester finds
        the licence in its list by URL or by the title in its default language,
        and our URLs (the Japanese deeds) are not CKAN's."""
        g = self.g
        by_url = {entry["url"]: entry for entry in vocab.licenses() if entry.get("url")}
        documents = set(g.objects(dataset_ref, DCT.license))
        for dist in g.objects(dataset_ref, DCAT.distribution):
            documents.update(g.objects(dist, DCT.license))
        for document in documents:
            entry = by_url.get(str(document))
            if not entry:
                continue
            g.add((document, RDF.type, DCT.LicenseDocument))
            g.remove((document, DCT.title, None))
            titles = entry.get("ckan_title") or {"ja": entry["title"]}
            for lang, title in titles.items():
                g.add((document, DCT.title, Literal(title, lang=lang)))
            if entry.get("ckan_title"):
                g.add((document, RDFS.label, Literal(entry["title"], lang="ja")))

    def _language_tags(self, dataset_ref: URIRef) -> None:
        """Text without a language tag is the ward's Japanese: tagged @ja, so
        that a consumer tells it from the @en translations (an aggregator picks
        a title by its own default language, and took the English one)."""
        g = self.g
        nodes = {dataset_ref}
        for predicate in (DCAT.distribution, DCAT.contactPoint, DCT.publisher, DCT.spatial):
            nodes.update(g.objects(dataset_ref, predicate))
        for node in nodes:
            for predicate in TEXT_PREDICATES:
                for value in list(g.objects(node, predicate)):
                    if isinstance(value, Literal) and not value.language and value.datatype is None:
                        g.remove((node, predicate, value))
                        g.add((node, predicate, Literal(str(value), lang="ja")))

    def _checksums(self, resource: dict[str, Any], distribution: URIRef) -> None:
        """spdx:checksum as DCAT-AP 3 asks: a lower-case hex digest and the
        algorithm as an SPDX IRI. xloader stores an MD5 without naming it, a
        harvested record may name it in words (「SHA-256」) or prefix the digest
        (``sha256:…``); a digest that cannot be told apart is left out."""
        g = self.g
        for checksum in list(g.objects(distribution, SPDX.checksum)):
            value = str(g.value(checksum, SPDX.checksumValue) or "").strip().lower()
            named = str(resource.get("hash_algorithm") or "")
            if ":" in value and not named:
                named, value = value.split(":", 1)
            algorithm = _algorithm(named) if named else ALGORITHM_BY_LENGTH.get(len(value))
            g.remove((checksum, None, None))
            g.remove((distribution, SPDX.checksum, checksum))
            if not algorithm or not HEX.match(value) or len(value) % 2:
                continue
            ref = SPDX["checksumAlgorithm_" + algorithm]
            g.add((distribution, SPDX.checksum, checksum))
            g.add((checksum, RDF.type, SPDX.Checksum))
            g.add((checksum, SPDX.checksumValue, Literal(value, datatype=XSD.hexBinary)))
            g.add((checksum, SPDX.algorithm, ref))
            g.add((ref, RDF.type, SPDX.ChecksumAlgorithm))

    def _contact_phones(self, dataset_dict: dict[str, Any], dataset_ref: URIRef) -> None:
        phones = {c.get("name"): c.get("phone") for c in dataset_dict.get("contact") or [] if c.get("phone")}
        for node in self.g.objects(dataset_ref, DCAT.contactPoint):
            name = str(self.g.value(node, VCARD.fn) or "")
            if phones.get(name):
                self.g.add((node, VCARD.hasTelephone, URIRef("tel:" + phones[name])))


def _algorithm(name: str) -> str | None:
    """``sha256`` from 「SHA-256」, ``sha_256`` or SPDX's ``…#checksumAlgorithm_sha256``."""
    key = re.sub(r"[^a-z0-9]", "", name.lower().rsplit("checksumalgorithm_", 1)[-1])
    return ALGORITHMS.get(key)


def _serializable(term: Any) -> Any:
    if isinstance(term, URIRef) and not _is_valid_uri(str(term)):
        return URIRef(quote(str(term), safe=SAFE_IRI_CHARACTERS))
    return term

