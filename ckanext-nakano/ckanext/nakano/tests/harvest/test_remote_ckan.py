"""The Tokyo catalog's real records (../shared/data/tokyo-catalog) replayed by a
loopback server that answers the CKAN API calls the harvester makes."""
from __future__ import annotations

import functools
import http.server
import json
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from ckan.tests import helpers

from ckanext.nakano.demo import loader
from ckanext.nakano.harvest import mapping
from ckanext.nakano.messages import readable   # errors are stored coded; said in the site's language

from .conftest import run

pytestmark = pytest.mark.usefixtures("with_plugins")


class Replay:
    def __init__(self, folder: Path):
        self.records = [json.loads(p.read_text(encoding="utf-8"))["result"]
                        for sub in ("nakano", "other-tokyo") for p in sorted((folder / sub).glob("*.json"))]
        self.empty_body = (folder / "edge-cases" / "0438ea59-973a-409b-b34a-9790de6b2632.json").read_bytes()
        self.empty = False
        self.calls: list[str] = []

    def search(self, params: dict[str, list[str]]) -> dict[str, Any]:
        fq = params.get("fq", [""])[0]
        found = self.records
        orgs = [term.split(":", 1)[1] for term in fq.split(" OR ") if term.strip().startswith("organization:")]
        if orgs:
            found = [r for r in found if r["organization"]["name"] in {o.split()[0] for o in orgs}]
        if "metadata_modified:[" in fq:
            since = fq.split("metadata_modified:[", 1)[1].split(" TO", 1)[0].rstrip("Z")
            found = [r for r in found if r["metadata_modified"] >= since]
        found = sorted(found, key=lambda r: r["id"])
        start, rows = int(params.get("start", ["0"])[0]), int(params.get("rows", ["10"])[0])
        return {"success": True, "result": {"count": len(found), "results": found[start:start + rows]}}


@pytest.fixture()
def replay(shared_dir):
    state = Replay(shared_dir / "data" / "tokyo-catalog")

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            url = urlparse(self.path)
            state.calls.append(url.path)
            if state.empty:
                body = state.empty_body  # the crawl's failed, 0-byte response
            elif url.path == "/api/3/action/package_search":
                body = json.dumps(state.search(parse_qs(url.query)), ensure_ascii=False).encode()
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", state
    server.shutdown()
    server.server_close()


@pytest.fixture()
def tokyo(clean_index, declare, replay):
    base, state = replay
    source = declare(id="tokyo-replay", type="ckan", url=base, allow_private=True,
                     config={"organizations_filter_include": ["t131148"]})
    return source, state


TOKYO_CLINICS = "07093b22-8a16-41f2-8ceb-855a669de205"


def ward_datasets() -> dict[str, dict[str, Any]]:
    found = helpers.call_action("package_search", rows=1000, include_private=True)["results"]
    return {d["id"]: d for d in found}


def test_tokyo_records_become_ward_datasets(tokyo, shared_dir):
    source, _ = tokyo
    result = run(source)
    assert result.counts == {"added": 46}, result.errors[:3]
    datasets = ward_datasets()
    assert len(datasets) == 46   # the 10 records of other municipalities were filtered out

    # 医療機関一覧, maintainer 健康福祉部生活衛生課: Tokyo's id named, not taken.
    clinics = next(d for d in datasets.values() if d.get("source_identifier") == TOKYO_CLINICS)
    assert clinics["id"] != TOKYO_CLINICS and clinics["source_system"].endswith(TOKYO_CLINICS)
    shown = helpers.call_action("package_show", id=clinics["id"])
    assert shown["organization"]["name"] == "kenko-fukushi"
    assert shown["contact"][0]["name"] == "健康福祉部生活衛生課"
    assert shown["frequency_note"] == "1年に2回程度" and shown["frequency"].startswith("http")
    assert shown["license_id"] == "cc-by"
    assert shown["resources"][0]["url"].startswith("https://www.city.tokyo-nakano.lg.jp/")
    by_org = {d["organization"]["name"] for d in datasets.values()}
    assert {"kikaku", "kodomo-kyoiku", "kankyo", "toshi-kiban", "somu"} <= by_org


def test_rerun_changes_nothing(tokyo):
    source, state = tokyo
    run(source)
    before = {i: d["metadata_modified"] for i, d in ward_datasets().items()}
    result = run(source)
    assert "added" not in result.counts and "updated" not in result.counts and "errored" not in result.counts
    assert {i: d["metadata_modified"] for i, d in ward_datasets().items()} == before
    assert any("metadata_modified" in c or c.endswith("package_search") for c in state.calls)


def test_empty_response_fails_the_run_and_keeps_the_datasets(tokyo):
    source, state = tokyo
    run(source)
    state.empty = True
    result = run(source)
    assert result.status == "Finished"
    assert any(e.startswith("他のカタログを検索できませんでした") for e in map(readable, result.errors))
    assert "added" not in result.counts
    assert len(ward_datasets()) == 46


def test_loader_and_harvester_map_a_record_alike(departments, shared_dir):
    record = json.loads((shared_dir / "data" / "tokyo-catalog" / "nakano" /
                         "07093b22-8a16-41f2-8ceb-855a669de205.json").read_text(encoding="utf-8"))["result"]
    departments = yaml.safe_load((Path(loader.__file__).parent / "departments.yaml").read_text(encoding="utf-8"))
    mapped = loader.dataset_dict(record, departments)
    assert mapped["owner_org"] == "kenko-fukushi"
    # Tokyo's id is named, never taken: an aggregator harvesting both catalogs
    # would otherwise find one dataset by that id and skip or overwrite it.
    assert mapped["id"] != record["id"] and mapped["source_identifier"] == record["id"]
    assert mapped["source_system"].endswith(record["id"])
    harvested = mapping.from_ckan(record, [mapping.Department(d["name"], d["prefix"]) for d in departments],
                                  source_label="東京都オープンデータカタログ")
    assert harvested["id"] == mapped["id"], "the loader's copy and a later harvest are one dataset"


def test_a_copy_made_before_ids_were_kept_is_updated_not_duplicated(tokyo, shared_dir):
    """A dataset loaded with another id but naming the remote record in source_system."""
    source, _ = tokyo
    record = json.loads((shared_dir / "data" / "tokyo-catalog" / "nakano" /
                         "07093b22-8a16-41f2-8ceb-855a669de205.json").read_text(encoding="utf-8"))["result"]
    departments = yaml.safe_load((Path(loader.__file__).parent / "departments.yaml").read_text(encoding="utf-8"))
    older = loader.dataset_dict(record, departments)
    older.pop("id")
    older["modified"] = "2020-01-01"
    site_user = helpers.call_action("get_site_user")["name"]
    created = helpers.call_action("package_create", context={"user": site_user}, **older)
    result = run(source)
    assert result.counts.get("added") == 45, result.errors[:3]
    assert len(ward_datasets()) == 46
    assert helpers.call_action("package_show", id=created["id"])["name"] == record["name"]


def test_a_remote_record_cannot_take_over_a_local_dataset(tokyo):
    """A remote catalog that answers with the id and name of a local dataset made
    by hand (here a private one of another department) gets a new dataset of its
    own; the local one keeps its department, privacy, text and resources."""
    source, state = tokyo
    site_user = helpers.call_action("get_site_user")["name"]
    target = helpers.call_action("package_create", context={"user": site_user}, name="kf-private",
                                 title="健康福祉部の非公開データ", notes="秘密", owner_org="kenko-fukushi", private=True,
                                 category="その他", license_id="cc-by",
                                 resources=[{"name": "secret.csv", "url": "https://example.org/secret.csv"}])
    forged = dict(state.records[0], id=target["id"], name=target["name"], title="乗っ取り",
                  metadata_modified="2099-01-01T00:00:00", maintainer="企画部企画課")
    state.records = [forged]
    result = run(source)
    assert result.counts.get("added") == 1, result.errors[:3]
    after = helpers.call_action("package_show", id=target["id"])
    assert (after["title"], after["owner_org"], after["private"], after["notes"]) == \
        (target["title"], target["owner_org"], True, "秘密")
    assert [r["name"] for r in after["resources"]] == ["secret.csv"]
    copies = helpers.call_action("package_search", q="乗っ取り", include_private=True)["results"]
    assert len(copies) == 1 and copies[0]["id"] != target["id"]
