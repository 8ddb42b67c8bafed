"""The OpenAPI document: valid OpenAPI 3.1, every documented action exists, and
every documented read action answers on the demo catalog as documented
(the `make up` portal; one DataStore table is made for the check and purged)."""
from __future__ import annotations

import uuid

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


@pytest.fixture()
def table(portal):
    """A DataStore table of its own, made with datastore_create (as a department's
    system would push rows), so that the check does not wait on the xloader queue;
    purged afterwards (other tests count the catalog)."""
    headers = {"Authorization": (portal["local"] / "admin-api-token").read_text().strip()}

    def call(action: str, **data) -> dict:
        body = requests.post(f"{portal['url']}/api/3/action/{action}", json=data, headers=headers, timeout=60).json()
        assert body["success"], body.get("error")
        return body["result"]

    pkg = call("package_create", name=f"openapi-{uuid.uuid4().hex[:8]}", title="API確認用", notes="テスト",
               category="行財政", license_id="CC-BY-4.0", owner_org="kikaku")
    made = call("datastore_create", resource={"package_id": pkg["id"], "name": "表", "format": "CSV"},
                fields=[{"id": "名称", "type": "text"}, {"id": "件数", "type": "int"}],
                records=[{"名称": "中野区役所", "件数": 1}, {"名称": "中野駅", "件数": 2}], force=True)
    yield made["resource_id"]
    call("datastore_delete", resource_id=made["resource_id"], force=True)
    call("dataset_purge", id=pkg["id"])


@pytest.mark.services
def test_every_read_action_answers_as_documented(portal, table):
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
