"""The OpenAPI document: valid OpenAPI 3.1 in each language, every documented
action exists, and on the `make up` portal every example — in the document,
on /api/docs and on /developers — runs as printed on real open data and
answers as documented."""
from __future__ import annotations

import html
import re
import time
from urllib.parse import urlencode

import jsonschema
import pytest
import requests
from openapi_spec_validator import validate

import ckan.plugins.toolkit as tk

from ckanext.nakano import api_examples, openapi

pytestmark = pytest.mark.usefixtures("with_plugins")

EXAMPLE_DATASET = "t131148d0000000014"   # 医療機関一覧 of the demo catalog (config default)
USAGE_DATASET = "portal-usage-statistics"
CURL = re.compile(r"curl (?:-[A-Za-z] \S+ )*'([^']+)'")


@pytest.mark.parametrize("lang", [None, "ja", "en"])
def test_document_is_valid_openapi_3_1(lang):
    doc = openapi.document(lang)
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    reads = {path: item for path, item in doc["paths"].items() if "get" in item}
    assert len(reads) == len(openapi.actions()["actions"]) >= 15
    writes = {item["post"]["operationId"] for item in doc["paths"].values() if "post" in item}
    assert writes == set(openapi.actions()["write_actions"])
    summaries = [next(iter(item.values()))["summary"] for item in doc["paths"].values()]
    if lang is None:
        assert all(" / " in s for s in summaries)
    else:
        assert not any(" / " in s for s in summaries), "one language only"
        japanese = [s for s in summaries if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", s)]
        assert (len(japanese) == len(summaries)) if lang == "ja" else not japanese


def test_every_documented_action_is_a_read_action_of_this_site():
    for name in openapi.actions()["actions"]:
        action = tk.get_action(name)
        assert getattr(action, "side_effect_free", False), f"{name} is not a GET action"
    for name in openapi.actions()["write_actions"]:
        assert not getattr(tk.get_action(name), "side_effect_free", False), f"{name} is a GET action"


def test_write_actions_document_the_register_fields():
    doc = openapi.document("en")
    create = doc["paths"]["/api/3/action/nakano_inventory_item_create"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert {"department", "local_id", "title", "status", "internal_memo"} <= set(body["properties"])
    assert "closed" in body["properties"]["status"]["enum"] and create["security"] == [{"apiToken": []}]
    upload = doc["paths"]["/api/3/action/nakano_inventory_import"]["post"]["requestBody"]["content"]
    assert upload["multipart/form-data"]["schema"]["properties"]["upload"]["format"] == "binary"


def _served(portal, lang: str | None = None) -> dict:
    served = requests.get(portal["url"] + "/api/openapi.json", params={"lang": lang} if lang else None, timeout=60)
    assert served.status_code == 200 and served.headers["Access-Control-Allow-Origin"] == "*"
    return served.json()


def _complete(doc: dict) -> bool:
    """Every required parameter has its example and every action its answer."""
    for item in doc["paths"].values():
        if "get" not in item:
            continue
        operation = item["get"]
        if any(p["required"] and "example" not in p for p in operation["parameters"]):
            return False
        if "example" not in operation["responses"]["200"]["content"]["application/json"]:
            return False
    return True


@pytest.fixture()
def document(portal) -> dict:
    """The served document once the example dataset's table is in the DataStore
    (the demo catalog's xloader jobs run after `make up`): polled, up to 15 minutes."""
    deadline = time.monotonic() + 900
    while True:
        doc = _served(portal)
        show = doc["paths"]["/api/3/action/package_show"]["get"]["parameters"]
        if _complete(doc) and show[0].get("example") == EXAMPLE_DATASET:
            return doc
        assert time.monotonic() < deadline, "the example dataset's table never reached the DataStore"
        time.sleep(10)


def _schema(doc: dict, path: str) -> dict:
    schema = doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    return {**schema, "components": doc["components"]}


def _errors(doc: dict, path: str, answer: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(_schema(doc, path))
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(answer)]


@pytest.mark.services
def test_every_example_runs_as_printed(portal, document):
    doc = document
    validate(doc)
    assert doc["servers"][0]["url"].rstrip("/") == portal["url"].rstrip("/")
    checked = []
    for path, item in doc["paths"].items():
        if "get" not in item:
            continue
        operation = item["get"]
        query = {p["name"]: api_examples.as_query(p["example"]) for p in operation["parameters"] if "example" in p}
        url = portal["url"].rstrip("/") + path + ("?" + urlencode(query) if query else "")
        answer = requests.get(url, timeout=60)
        assert answer.status_code == 200, (url, answer.text[:300])
        assert answer.json()["success"] is True
        assert not _errors(doc, path, answer.json()), (url, _errors(doc, path, answer.json())[:5])
        # The example answer printed in the document has the documented shape too.
        example = operation["responses"]["200"]["content"]["application/json"]["example"]
        assert not _errors(doc, path, example), (path, _errors(doc, path, example)[:5])
        checked.append(operation["operationId"])
    assert set(checked) == set(openapi.actions()["actions"])

    # Real open data, not the portal's own usage figures.
    examples = {p["name"]: p["example"] for item in doc["paths"].values() if "get" in item
                for p in item["get"]["parameters"] if "example" in p}
    assert USAGE_DATASET not in str(examples)
    shown = requests.get(portal["url"] + "/api/3/action/package_show", params={"id": EXAMPLE_DATASET},
                         timeout=30).json()["result"]
    table = doc["paths"]["/api/3/action/datastore_search"]["get"]["parameters"][0]["example"]
    assert table in {r["id"] for r in shown["resources"] if r.get("datastore_active")}
    rows = doc["paths"]["/api/3/action/datastore_search"]["get"]["responses"]["200"]["content"][
        "application/json"]["example"]["result"]["records"]
    assert rows and any("病院" in str(row) or "医院" in str(row) or "クリニック" in str(row) for row in rows)

    # A schema that could fail: a dataset without its resources is refused.
    broken = {"help": "", "success": True, "result": {k: v for k, v in shown.items() if k != "resources"}}
    assert _errors(doc, "/api/3/action/package_show", broken)


@pytest.mark.services
@pytest.mark.parametrize("page", ["/api/docs", "/en/api/docs", "/developers", "/en/developers"])
def test_every_printed_curl_runs(portal, document, page):
    text = requests.get(portal["url"] + page, timeout=60).text
    urls = [html.unescape(u) for u in CURL.findall(text) if "YOUR_TOKEN" not in u and "package_patch" not in u]
    reads = [item for item in document["paths"].values() if "get" in item]
    assert len(urls) >= (len(reads) if "api/docs" in page else 8), urls
    for url in urls:
        assert url.startswith(portal["url"].rstrip("/") + "/"), url
        answer = requests.get(url, timeout=60)
        assert answer.status_code == 200, (url, answer.text[:300])
        if "/api/3/action/" in url:
            assert answer.json()["success"] is True, url
    assert USAGE_DATASET + "'" not in text and f"id={USAGE_DATASET}" not in text


@pytest.mark.services
@pytest.mark.parametrize("prefix,lang", [("", "ja"), ("/en", "en")])
def test_docs_page_loads_swagger_ui_in_its_language(portal, prefix, lang):
    page = requests.get(portal["url"] + prefix + "/api/docs", timeout=30)
    assert page.status_code == 200
    for name in openapi.actions()["actions"]:
        assert f"/api/3/action/{name}" in page.text
    assert f'data-spec-url="/api/openapi.json?lang={lang}"' in page.text or \
        f'data-spec-url="{prefix}/api/openapi.json?lang={lang}"' in page.text
    scripts = re.findall(r'<script[^>]*src="([^"]+api-docs[^"]*\.js)"', page.text)
    assert scripts, "the Swagger UI bundle is on the page"
    bundle = requests.get(portal["url"] + scripts[0], timeout=30)
    assert bundle.status_code == 200 and "SwaggerUIBundle" in bundle.text
    assert "<script>" not in page.text and " onclick=" not in page.text
