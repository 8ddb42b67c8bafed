"""The fault-and-load suite (`make test-reliability`, docs/reliability.md).

One portal is brought up from nothing by scripts/up.sh on free ports (the
``portal`` fixture of ckanext-nakano's tests, with its demo catalog, nginx,
worker, harvest and metrics processes); the tests stop, kill and restart its
services through the project's scripts and check what users and data went
through. Every test leaves the services running again for the next one.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from ckanext.nakano.tests import portal_api
from ckanext.nakano.tests.conftest import ROOT, free_port, portal, shared_dir  # noqa: F401  (fixtures)

ADMIN = "admin-api-token"


class Site:
    """The portal under test: its addresses, API, services and CLI."""

    def __init__(self, portal: dict[str, Any]):
        self.local: Path = portal["local"]
        self.env: dict[str, str] = portal["env"]
        self.url: str = portal["url"]                                   # gunicorn
        self.front = f"http://127.0.0.1:{portal['ports']['nginx']}"     # nginx, as residents reach it
        self.token = (self.local / ADMIN).read_text().strip()

    def api(self, action: str, token: str | None = None, method: str = "post", **data: Any) -> requests.Response:
        return portal_api.request(self.url, action, data, auth=token, method=method)

    def call(self, action: str, token: str | None = "admin", **data: Any) -> Any:
        """An action that must succeed (as the sysadmin unless another token or None is given)."""
        return portal_api.result(self.url, action, data, auth=self.token if token == "admin" else token,
                                 method="post")

    def services(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = self.services_try(*args)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        return done

    def services_try(self, *args: str) -> subprocess.CompletedProcess[str]:
        """scripts/services.sh, which may fail (``pid`` of a process being started)."""
        return subprocess.run([str(ROOT / "scripts" / "services.sh"), *args], env=self.env, capture_output=True,
                              text=True, timeout=300)

    def ckan(self, *args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
        """A `ckan` command on the portal's ini; it must succeed unless ``check`` is False."""
        done = subprocess.run([str(ROOT / ".venv" / "bin" / "ckan"), "-c", str(self.local / "ckan.ini"), *args],
                              env=self.env, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0 or not check, done.stdout[-2000:] + done.stderr[-2000:]
        return done

    def setting(self, key: str) -> str:
        """A setting of the portal's ini (service addresses: to look at PostgreSQL, Solr or Redis directly)."""
        return next(line.split("=", 1)[1].strip() for line in (self.local / "ckan.ini").read_text().splitlines()
                    if line.split("=", 1)[0].strip() == key)

    def pid(self, name: str) -> int:
        """A running service's process id (supervisord's programs, pidfiles of the others)."""
        return int(self.services("pid", name).stdout.strip())

    def kill(self, name: str) -> None:
        """SIGKILL, as a crash or the kernel's OOM killer would (no clean-up runs)."""
        pid = self.pid(name)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            if Path(f"/proc/{pid}/status").exists() and "zombie" in Path(f"/proc/{pid}/status").read_text():
                return
            time.sleep(0.1)
        raise AssertionError(f"{name} ({pid}) did not die")


@pytest.fixture(scope="session")
def site(portal) -> Site:
    first = portal["first"]
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    return Site(portal)


@pytest.fixture()
def dataset(site):
    """A dataset of 企画部 with one uploaded CSV, made for a test and purged after it."""
    import uuid

    pkg = site.call("package_create", name=f"rel-{uuid.uuid4().hex[:8]}", title="信頼性試験", notes="試験用",
                    category="行財政", license_id="cc-by", owner_org="kikaku")
    yield pkg
    site.api("dataset_purge", site.token, id=pkg["id"])


CSV_SAMPLES = ("yaizu-222127/222127_aed.csv", "yaizu-222127/222127_library.csv", "yaizu-222127/222127_preschool.csv",
               "yaizu-222127/222127_public_toilet.csv", "oyama-092088/park.csv", "takamatsu-372013/0099.csv")


@pytest.fixture()
def folder_source(site, shared_dir, tmp_path):
    """make(count) → a harvest source of 企画部 over HTTP (a directory listing on a
    loopback server, explicitly allowed) with ``count`` real municipal CSV files."""
    import http.server
    import shutil
    import threading
    import uuid

    import yaml

    servers, sources = [], []

    def make(count: int) -> dict[str, Any]:
        tag = uuid.uuid4().hex[:6]
        folder = tmp_path / f"share-{tag}"
        folder.mkdir()
        for number in range(count):
            sample = shared_dir / "data" / "municipal-csv" / CSV_SAMPLES[number % len(CSV_SAMPLES)]
            shutil.copy(sample, folder / f"r{tag}_{number:03d}_{sample.name}")
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(folder), **kwargs)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        declared = tmp_path / f"declared-{tag}"
        declared.mkdir()
        source_id = f"rel-{tag}"
        (declared / "source.yaml").write_text(yaml.safe_dump({"sources": [{
            "id": source_id, "department": "kikaku", "type": "folder", "title": f"信頼性試験 {tag}",
            "url": f"http://127.0.0.1:{server.server_address[1]}/", "allow_private": True,
            "defaults": {"license_id": "cc-by", "category": "行財政"}}]}, allow_unicode=True), encoding="utf-8")
        site.ckan("nakano", "harvest", "sync", str(declared))
        source = site.call("harvest_source_show", id=source_id)
        sources.append(source)
        return {"id": source["id"], "name": source_id, "tag": tag, "count": count}

    yield make
    for server in servers:
        server.shutdown()
    remove_sources(site, [source["id"] for source in sources])


def remove_sources(site: Site, ids: list[str]) -> None:
    """Harvest sources and their datasets gone, the search index with them.
    (ckanext-harvest's clear removes rows with SQL and leaves Solr documents.)"""
    for name in ids:
        shown = site.api("harvest_source_show", site.token, method="get", id=name).json()
        if not shown["success"]:   # refused when it was declared: never created
            continue
        source_id = shown["result"]["id"]
        site.api("harvest_source_clear", site.token, id=source_id)
        site.api("harvest_source_delete", site.token, id=source_id, clear=True)
        site.api("dataset_purge", site.token, id=source_id)
    site.ckan("nakano", "search-index", "verify", "--fix")


def harvest_job(site: Site, source: dict[str, Any]) -> str:
    return site.call("harvest_job_create", source_id=source["id"])["id"]


def wait_job(site: Site, job_id: str, timeout: float = 600) -> dict[str, Any]:
    """The job once it is Finished (harvest_jobs_run, as the scheduler calls it, marks it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        site.api("harvest_jobs_run", site.token)
        job = site.call("harvest_job_show", id=job_id)
        if job["status"] == "Finished":
            return job
        time.sleep(2)
    raise AssertionError(f"harvest job {job_id} not finished after {timeout} s: {job['status']} {job['stats']}")


def harvested_titles(site: Site, source: dict[str, Any]) -> list[str]:
    """Titles of the datasets in the catalog that came from the source's files (one per file)."""
    found = site.call("package_search", q=f"r{source['tag']}", rows=1000, include_private=True)["results"]
    return [p["title"] for p in found if f"r{source['tag']}_" in p["title"]]


def login(site: Site, name: str, password: str) -> requests.Session:
    """A browser-like session logged in through CKAN's login form."""
    import re

    browser = requests.Session()

    def keep_session(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        # CKAN sends "Domain=" (empty), which browsers ignore (RFC 6265) and
        # Python's cookie jar does not: keep the session cookie as a browser does.
        found = re.match(r"ckan=([^;]+)", response.headers.get("Set-Cookie", ""))
        if found:
            browser.cookies.set("ckan", found.group(1))

    browser.hooks["response"].append(keep_session)
    page = browser.get(site.url + "/user/login", timeout=60)
    done = browser.post(site.url + "/user/login", allow_redirects=False, timeout=60, data={
        "login": name, "password": password, "_csrf_token": csrf_token(page.text)})
    assert done.status_code == 302, "login through the form failed"
    assert f"/user/edit/{name}" in browser.get(site.url + "/dashboard/datasets", timeout=60).text
    return browser


def csrf_token(page: str) -> str:
    import re

    return re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)


def form_fields(page: str, form_id: str = "dataset-edit") -> dict[str, str]:
    """What a browser submits from the form: inputs, checked boxes, selected options
    (else the first), textareas; not scheming's hidden template of a new repeating
    row, which its JavaScript removes before submitting."""
    from html.parser import HTMLParser

    class Form(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.fields: dict[str, str] = {}
            self.inside = False
            self.select: str | None = None
            self.first = False
            self.textarea: str | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = {k: v or "" for k, v in attrs}
            if tag == "form" and a.get("id") == form_id:
                self.inside = True
            if not self.inside or "REPEATING" in a.get("name", ""):
                return
            if tag == "input" and a.get("name"):
                if a.get("type") in ("checkbox", "radio"):
                    if "checked" in a:
                        self.fields[a["name"]] = a.get("value", "on")
                elif a.get("type") not in ("submit", "file", "button"):
                    self.fields[a["name"]] = a.get("value", "")
            elif tag == "select":
                self.select, self.first = a.get("name"), True
            elif tag == "option" and self.select and ("selected" in a or self.first):
                self.fields[self.select], self.first = a.get("value", ""), False
            elif tag == "textarea" and a.get("name"):
                self.textarea = a["name"]
                self.fields[self.textarea] = ""

        def handle_endtag(self, tag: str) -> None:
            if tag == "select":
                self.select = None
            elif tag == "textarea":
                self.textarea = None
            elif tag == "form":
                self.inside = False

        def handle_data(self, data: str) -> None:
            if self.textarea:
                self.fields[self.textarea] += data

    form = Form()
    form.feed(page)
    return form.fields
