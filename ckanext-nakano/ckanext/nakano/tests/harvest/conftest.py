"""Harvest fixtures: departments, declared sources, folders under the test
folder root (test.ini's ckanext.nakano.harvest.folder_roots), and in-process runs."""
from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.nakano.harvest import schedule
from ckanext.nakano.harvest.sources import sync

@pytest.fixture()
def departments(clean_db) -> dict[str, dict[str, Any]]:
    """The ward's real departments (demo/departments.yaml)."""
    from ckanext.nakano.demo import loader

    listed = yaml.safe_load((Path(loader.__file__).parent / "departments.yaml").read_text(encoding="utf-8"))
    return {d["name"]: factories.Organization(name=d["name"], title=d["title"]) for d in listed}


@pytest.fixture()
def share() -> Path:
    """A fresh folder inside the allowed folder root."""
    root = Path(tk.config["ckanext.nakano.harvest.folder_roots"][0]) / uuid.uuid4().hex
    root.mkdir(parents=True)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture()
def declare(departments, tmp_path) -> Callable[..., str]:
    """Declare one source (as a harvesters/*.yaml entry) and sync it; returns its name."""
    declared = tmp_path / "declared"
    declared.mkdir()

    def make(**source: Any) -> str:
        source.setdefault("id", f"src-{uuid.uuid4().hex[:8]}")
        source.setdefault("department", "kikaku")
        (declared / f"{source['id']}.yaml").write_text(
            yaml.safe_dump({"sources": [source]}, allow_unicode=True), encoding="utf-8")
        sync(declared, admin_context())
        return source["id"]
    return make


def admin_context() -> dict[str, Any]:
    return {"user": helpers.call_action("get_site_user")["name"], "ignore_auth": True}


def run(source: str) -> schedule.Summary:
    return schedule.run_now(source)


def harvested(source: str) -> list[dict[str, Any]]:
    """Datasets of the source's department created by harvests (any source)."""
    from ckan import model
    from ckanext.nakano.model import HarvestFile

    source_id = helpers.call_action("harvest_source_show", id=source)["id"]
    ids = [f.package_id for f in model.Session.query(HarvestFile).filter_by(source_id=source_id)]
    return [helpers.call_action("package_show", id=i) for i in ids if i]


def activity_count(dataset_id: str) -> int:
    """Activities in the table (the API hides the site user's, i.e. the harvester's, by default)."""
    from ckan import model
    from ckanext.activity.model import Activity

    return model.Session.query(Activity).filter_by(object_id=dataset_id).count()


def stored_bytes(resource: dict[str, Any]) -> bytes:
    from ckan.lib.uploader import get_resource_uploader

    return Path(get_resource_uploader(resource).get_path(resource["id"])).read_bytes()


class ShareHandler:
    """Behaviour switches of the loopback file server (see ``http_share``)."""

    failing: set[str] = set()       # paths answered with HTTP 500
    slow: set[str] = set()          # paths trickled one byte every 0.2 s
    redirects: dict[str, str] = {}  # path → Location


@pytest.fixture()
def http_share(share):
    """A real HTTP server on loopback serving ``share`` with Apache-like directory
    listings; yields (base URL, switches)."""
    import functools
    import http.server
    import threading
    import time

    switches = ShareHandler()
    switches.failing, switches.slow, switches.redirects = set(), set(), {}

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path in switches.failing:
                self.send_error(500, "broken on purpose")
                return
            if path in switches.redirects:
                self.send_response(302)
                self.send_header("Location", switches.redirects[path])
                self.end_headers()
                return
            if path in switches.slow:
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                try:
                    for _ in range(100000):
                        self.wfile.write(b"a")
                        self.wfile.flush()
                        time.sleep(0.2)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                return
            super().do_GET()

    handler = functools.partial(Handler, directory=str(share))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", switches
    server.shutdown()
    server.server_close()
