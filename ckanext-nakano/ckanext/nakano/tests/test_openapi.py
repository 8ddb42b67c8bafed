"""The OpenAPI document: valid OpenAPI 3.1, every documented action exists, and
every documented read action answers on the demo catalog as documented
(the `make up` portal, read-only)."""
from __future__ import annotations

import time

import jsonschema
import pytest
import requests
from openapi_spec_validator import validate

import ckan.plugins.toolkit as tk

from ckanext.nakano import openapi

pytestmark = pytest.mark.usefixtures("with_plugins")


def test_document_is_valid_openapi_3_1():
    doc = openapi.document()
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert len(doc["paths"]) == len(openapi.actions()["actions"]) >= 15


def test_every_documented_action_is_a_read_action_of_this_site():
    for name in openapi.actions()["actions"]:
        action = tk.get_action(name)
        assert getattr(action, "side_effect_free", False), f"{name} is not a GET action"


def _fill(params: dict, dataset: str, resource: str, table: str) -> dict:
    return {k: (str(v).replace("{dataset}", dataset).replace("{resource}", resource).replace("{table}", table)
                if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else v)
            for k, v in params.items()}


# A demo dataset whose sample file make up uploads once (公共施設一覧（公園等）): its
# DataStore table is not replaced later, unlike the daily usage files, which
# xloader reloads whenever their figures change.
TABLE_DATASET = "t131148d0000000010"


def _loaded_table(url: str) -> str:
    """A file of the demo catalog once the xloader job on the portal's worker has
    loaded it into the DataStore and its table answers."""
    deadline = time.monotonic() + 480
    while time.monotonic() < deadline:
        pkg = requests.get(url + "/api/3/action/package_show", params={"id": TABLE_DATASET}, timeout=30).json()["result"]
        for resource in (r["id"] for r in pkg["resources"] if r.get("datastore_active")):
            answer = requests.get(url + "/api/3/action/datastore_search", params={"resource_id": resource, "limit": 0},
                                  timeout=30)
            if answer.status_code == 200:
                return resource
        time.sleep(2)
    pytest.fail(f"no file of {TABLE_DATASET} was loaded into the DataStore within 480 s (xloader worker)")


@pytest.mark.services
def test_every_read_action_answers_as_documented(portal):
    served = requests.get(portal["url"] + "/api/openapi.json", timeout=30)
    assert served.status_code == 200 and served.headers["Access-Control-Allow-Origin"] == "*"
    doc = served.json()
    validate(doc)
    dataset = openapi.actions()["datasets"]["example_dataset"]
    shown = requests.get(portal["url"] + "/api/3/action/package_show", params={"id": dataset}, timeout=30).json()
    resource = shown["result"]["resources"][0]["id"]
    checked = []
    for path, item in doc["paths"].items():
        operation = item["get"]
        example = openapi.actions()["actions"][operation["operationId"]].get("example") or {}
        table = _loaded_table(portal["url"]) if "{table}" in str(example) else ""
        answer = requests.get(portal["url"] + path, params=_fill(example, dataset, resource, table), timeout=60)
        assert answer.status_code == 200, (path, answer.text[:300])
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        validator = jsonschema.Draft202012Validator({**schema, "components": doc["components"]})
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(answer.json())]
        assert not errors, (path, errors[:5])
        checked.append(operation["operationId"])
    assert {"package_search", "nakano_metrics_site", "datastore_search"} <= set(checked)
    # A schema that could fail: a dataset without its resources is refused.
    schema = doc["paths"]["/api/3/action/package_show"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    broken = dict(shown, result={k: v for k, v in shown["result"].items() if k != "resources"})
    assert not jsonschema.Draft202012Validator({**schema, "components": doc["components"]}).is_valid(broken)


@pytest.mark.services
def test_docs_page_lists_every_action(portal):
    page = requests.get(portal["url"] + "/api/docs", timeout=30)
    assert page.status_code == 200
    for name in openapi.actions()["actions"]:
        assert f"/api/3/action/{name}" in page.text
