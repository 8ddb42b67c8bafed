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
# Characters left as they are when an IRI is percent-encoded (its syntax, and
# the percent signs of what is encoded already).
SAFE_IRI_CHARACTERS = ":/?#[]@!$&'()*+,;=%~-._"


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
        values = {c["value"] for c in vocab.categories()}
        for keyword in g.objects(dataset_ref, DCAT.keyword):
            if str(keyword) in values:
                dataset_dict["category"] = str(keyword)
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

        category = next((c for c in vocab.categories() if c["value"] == dataset_dict.get("category")), None)
        if category:
            theme = URIRef(vocab.EU_THEME + category["eu_theme"])
            g.add((dataset_ref, DCAT.theme, theme))
            g.add((theme, SKOS.prefLabel, Literal(vocab.eu_theme_labels()[category["eu_theme"]], lang="en")))
            g.add((dataset_ref, DCAT.keyword, Literal(category["value"], lang="ja")))

        standards = vocab.standard_datasets()
        standard = standards["by_value"].get(dataset_dict.get("standard_dataset") or "")
        if standard:
            ref = URIRef(f"{standards['standard_url']}#{standard['value']}")
            g.add((dataset_ref, DCT.conformsTo, ref))
            g.add((ref, RDF.type, DCT.Standard))
            g.add((ref, RDFS.label, Literal(f"自治体標準オープンデータセット {standard['ja']}", lang="ja")))

        self._publisher(dataset_dict, dataset_ref)
        self._contact_phones(dataset_dict, dataset_ref)

        for resource in dataset_dict.get("resources", []):
            distribution = URIRef(resource_uri(resource))
            self._resource_license(resource, distribution)
            self._checksums(resource, distribution)
            if resource.get("encoding"):
                g.add((distribution, CNT.characterEncoding, Literal(resource["encoding"])))
            if resource.get("name_en"):
                g.add((distribution, DCT.title, Literal(resource["name_en"], lang="en")))
        self._typed_nodes(dataset_ref)

    def graph_from_catalog(self, catalog_dict: dict[str, Any], catalog_ref: URIRef) -> None:
        g = self.g
        for predicate in (DCT.publisher,):
            g.remove((catalog_ref, predicate, None))
        g.add((catalog_ref, DCT.publisher, self._ward_agent()))
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
        for value in [v for v in g.objects(dist, DCT.format) if isinstance(v, Literal)]:
            g.remove((dist, DCT.format, value))
            known = vocab.file_format(str(value))
            node = URIRef(FILE_TYPE + known["code"]) if known else BNode()
            g.add((dist, DCT.format, node))
            g.add((node, RDF.type, DCT.MediaTypeOrExtent))
            if not known:
                g.add((node, RDFS.label, Literal(str(value))))
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
        ref = URIRef(tk.url_for("organization.read", id=org["name"], _external=True))
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

