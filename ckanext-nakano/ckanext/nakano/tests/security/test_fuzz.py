"""Bad input never gets a 500: Solr syntax, control characters, over-long
values, numbers out of range and values of the wrong JSON type, sent to every
action of the OpenAPI document (GET parameters and JSON bodies), to the HTML
search pages and to the routes a visitor can put parameters on.

Bounded and on loopback: the portal of the ``portal`` fixture (gunicorn, no
nginx, so no rate limit), a fixed list of values, about 3,000 requests.
Every answer below 500 passes; the test lists every 5xx it saw.
"""
from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.services

TEXT = [
    "NOT", "a:b:c", "text:(a", "{!lucene}*:*", "+", "&&", "||", "*:*", "[NOW-1DAY TO NOW]", "name:[* TO *]",
    "\x00", "a\x00b", "\x01\x1f", "\u202e\u0000", "'\"<>&", "%", "%00", "\\", "x" * 5000, "-1", "0",
    "99999999999999999999", "1e309", "NaN", "true", "null", "[]", "{}", '{"a":', "../../etc/passwd",
    "javascript:alert(1)", "ｺｳｴﾝ", "😀" * 50, " ", "",
]
JSON_VALUES: list[Any] = [None, True, -1, 10**20, 1.5, [], ["a", {"b": 1}], {}, {"$gt": 1}, "x" * 5000, "\x00"]


@pytest.fixture(scope="module")
def target(portal) -> dict[str, Any]:
    url = portal["url"]
    session = requests.Session()
    spec = session.get(url + "/api/openapi.json", timeout=60).json()
    # The usage statistics' table is loaded by the worker after `make up`,
    # behind the demo's own jobs: wait for it rather than assume it is there.
    deadline = time.monotonic() + 900
    while True:
        pkg = session.get(url + "/api/3/action/package_show", params={"id": "portal-usage-statistics"},
                          timeout=60).json()["result"]
        resource = next((r for r in pkg["resources"] if r.get("datastore_active")), None)
        if resource or time.monotonic() > deadline:
            break
        time.sleep(3)
    assert resource, "the usage statistics were not loaded into the DataStore in 15 minutes"
    valid = {"id": pkg["name"], "resource_id": resource["id"]}
    return {"url": url, "session": session, "spec": spec, "pkg": pkg, "resource": resource, "valid": valid}


def _actions(spec: dict[str, Any]) -> list[tuple[str, list[str]]]:
    found = []
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            found.append((path.rsplit("/", 1)[-1], [p["name"] for p in operation.get("parameters", [])]))
    return found


def _send(target, method: str, path: str, **kwargs: Any) -> tuple[int, str]:
    answer = target["session"].request(method, target["url"] + path, timeout=120, allow_redirects=False, **kwargs)
    return answer.status_code, answer.text[:200]


def test_no_action_of_the_openapi_document_answers_5xx(target):
    failures = []
    actions = _actions(target["spec"])
    assert len(actions) >= 16
    for action, params in actions:
        for param in params or ["q"]:
            base = {p: target["valid"][p] for p in params if p in target["valid"] and p != param}
            for value in TEXT:
                status, text = _send(target, "GET", f"/api/3/action/{action}", params={**base, param: value})
                if status >= 500:
                    failures.append(f"GET {action} {param}={value[:40]!r}: {status} {text}")
            for value in JSON_VALUES + TEXT[:12]:
                status, text = _send(target, "POST", f"/api/3/action/{action}", data=json.dumps({**base, param: value}),
                                     headers={"Content-Type": "application/json"})
                if status >= 500:
                    failures.append(f"POST {action} {param}={str(value)[:40]!r}: {status} {text}")
    # Bodies that are not JSON objects at all.
    for body in ("[1, 2]", '"text"', "{broken", "\x00", "null"):
        status, text = _send(target, "POST", "/api/3/action/package_search", data=body,
                             headers={"Content-Type": "application/json"})
        if status >= 500:
            failures.append(f"POST package_search body {body!r}: {status} {text}")
    assert not failures, f"{len(failures)} answers were 5xx:\n" + "\n".join(failures[:60])


def test_no_search_page_or_parameter_route_answers_5xx(target):
    pkg, resource = target["pkg"], target["resource"]
    org = pkg["organization"]["name"]
    routes = {
        "/dataset/": ["q", "sort", "page", "ext_bbox", "res_format", "vocab_category", "organization", "tags"],
        "/en/dataset/": ["q", "page"],
        f"/organization/{org}": ["q", "sort", "page"],
        "/organization/": ["q", "sort", "page"],
        "/group/": ["q", "sort", "page"],
        "/catalog.ttl": ["q", "fq", "page", "modified_since"],
        "/catalog.jsonld": ["page", "modified_since"],
        f"/dataset/{pkg['name']}.ttl": ["profiles"],
        "/api/2/util/tag/autocomplete": ["incomplete", "limit"],
        "/api/2/util/resource/format_autocomplete": ["incomplete"],
        f"/datastore/dump/{resource['id']}": ["format", "limit", "offset", "q", "sort", "filters", "fields", "bom"],
        f"/dataset/{pkg['name']}/resource/{resource['id']}": ["filters", "view_id"],
        f"/dataset/{pkg['name']}/resource/{resource['id']}/excel.csv": ["x"],
        f"/metrics/department/{org}": ["days"],
        "/metrics": ["days"],
        "/user/login": ["came_from", "next"],
        "/sitemap.xml": ["page"],
        "/sitemap/datasets-0.xml": ["page"],
    }
    failures = []
    for path, params in routes.items():
        for param in params:
            for value in TEXT:
                status, text = _send(target, "GET", path, params={param: value})
                if status >= 500:
                    failures.append(f"GET {path} {param}={value[:40]!r}: {status} {text}")
    # Paths that are themselves the bad input.
    for path in ("/dataset/%00", "/dataset/" + "x" * 3000, "/organization/{!lucene}", "/dataset/a:b/resource/x",
                 "/datastore/dump/_table_metadata", "/dataset/x.ttl?q=NOT", "/api/3/action/%00",
                 "/sitemap/datasets-99999999999999999999.xml", "/sitemap/datasets--1.xml"):
        status, text = _send(target, "GET", path)
        if status >= 500:
            failures.append(f"GET {path}: {status} {text}")
    assert not failures, f"{len(failures)} answers were 5xx:\n" + "\n".join(failures[:60])


# Values for every route of the portal (fewer than above: about 250 routes).
# (over-long values and the rest of TEXT go to the routes of the test above).
ROUTE_VALUES = ["NOT", "\x00", "99999999999999999999", "{!lucene}*:*"]
BAD_SEGMENTS = ["%00", "x" * 3000, "a:b"]


def _routes(app) -> list[tuple[str, list[str]]]:
    """Every GET route CKAN and its plugins register (the same plugins as the portal's),
    as (rule, names of its path parameters)."""
    found = []
    for rule in app.flask_app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static" or rule.rule.startswith("/webassets"):
            continue
        found.append((rule.rule, sorted(rule.arguments)))
    return found


def test_no_route_of_the_portal_answers_5xx(target, app):
    """Not a hand-picked list: every GET route, with its path parameters filled with real
    names (then with bad ones) and bad values in the parameters pages read."""
    pkg, resource = target["pkg"], target["resource"]
    real = {"id": pkg["name"], "package_id": pkg["name"], "resource_id": resource["id"],
            "name": pkg["organization"]["name"], "group_type": "organization", "package_type": "dataset",
            "kind": "csv", "view_id": "x", "filename": "x.csv", "lang": "en", "_format": "ttl",
            "page": "1"}
    failures = []
    routes = _routes(app)
    assert len(routes) >= 100
    for rule, arguments in routes:
        def build(values: dict[str, str]) -> str:
            path = rule
            for argument in arguments:
                path = re.sub(r"<(?:[^:<>]+:)?" + re.escape(argument) + r">", values.get(argument, "x"), path)
            return path
        path = build(real)
        for param in ("q", "page", "sort"):
            for value in ROUTE_VALUES:
                status, text = _send(target, "GET", path, params={param: value})
                if status >= 500:
                    failures.append(f"GET {path} {param}={value[:40]!r}: {status} {text}")
        for argument in arguments:
            for bad in BAD_SEGMENTS:
                broken = build({**real, argument: bad})
                status, text = _send(target, "GET", broken)
                if status >= 500:
                    failures.append(f"GET {broken[:120]}: {status} {text}")
    assert not failures, f"{len(failures)} answers were 5xx:\n" + "\n".join(failures[:60])
