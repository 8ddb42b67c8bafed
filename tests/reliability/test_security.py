"""Security checks on the running portal, as an attacker would try them: through
nginx, the API and the web forms.

- a department's editor cannot create, edit or delete in another department;
- private datasets are invisible to anonymous visitors in search, DCAT,
  metrics and the sitemap;
- forms refuse a POST without the CSRF token;
- uploaded HTML and SVG are never served as active content;
- markdown fields render no script (a list of XSS payloads);
- harvest sources on private, loopback and link-local addresses are refused
  (a list of SSRF payloads) and never reach the address.
"""
from __future__ import annotations

import html
import json
import http.server
import re
import threading
import time
import uuid
from html.parser import HTMLParser

import pytest
import requests
import yaml

from conftest import csrf_token as _csrf, login, remove_sources

pytestmark = pytest.mark.services

OTHER = "kenko-fukushi"    # department B; the editor belongs to kikaku (department A)
PASSWORD = "Nakano-Test-2026!"


@pytest.fixture(scope="module")
def editor(site):
    """A user who is editor of 企画部 (kikaku) only, logged in through the login form."""
    name = f"editor-{uuid.uuid4().hex[:6]}"
    site.call("user_create", name=name, email=f"{name}@example.org", password=PASSWORD)
    site.call("organization_member_create", id="kikaku", username=name, role="editor")
    token = site.call("api_token_create", user=name, name="security-test")["token"]
    browser = login(site, name, PASSWORD)
    return {"name": name, "token": token, "browser": browser}


@pytest.fixture(scope="module")
def theirs(site) -> dict:
    """A demo dataset of department B."""
    found = site.call("package_search", token=None, fq=f"organization:{OTHER}", rows=1)["results"]
    assert found
    return found[0]


def test_editor_cannot_touch_another_department_through_the_api(site, editor, theirs):
    token = editor["token"]
    fields = {"category": "行財政", "license_id": "cc-by", "notes": "試験"}
    refused = {
        "package_create": site.api("package_create", token, name=f"x-{uuid.uuid4().hex[:6]}", title="他部署へ",
                                   owner_org=OTHER, **fields),
        "package_patch": site.api("package_patch", token, id=theirs["id"], title="書き換え"),
        "package_delete": site.api("package_delete", token, id=theirs["id"]),
        "resource_create": site.api("resource_create", token, package_id=theirs["id"], name="x",
                                    url="https://example.org/x.csv"),
        "resource_delete": site.api("resource_delete", token, id=theirs["resources"][0]["id"]),
        "dataset_purge": site.api("dataset_purge", token, id=theirs["id"]),
    }
    for action, answer in refused.items():
        assert answer.status_code == 403 and answer.json()["success"] is False, (action, answer.text[:300])
    after = site.call("package_show", id=theirs["id"])
    assert (after["title"], after["state"], len(after["resources"])) == \
        (theirs["title"], "active", len(theirs["resources"]))
    # The same token may publish in its own department: the refusals above are not a broken token.
    own = site.call("package_create", token=token, name=f"own-{uuid.uuid4().hex[:6]}", title="自部署",
                    owner_org="kikaku", **fields)
    site.call("dataset_purge", id=own["id"])


def test_editor_cannot_touch_another_department_through_the_forms(site, editor, theirs):
    browser, url = editor["browser"], site.url
    assert browser.get(f"{url}/dataset/edit/{theirs['name']}", timeout=60).status_code == 403
    new_form = browser.get(f"{url}/dataset/new", timeout=60)
    assert new_form.status_code == 200
    owner = re.search(r'<select[^>]+name="owner_org".*?</select>', new_form.text, re.S).group(0)
    assert 'value="' in owner and OTHER not in owner
    token = _csrf(new_form.text)
    edit = browser.post(f"{url}/dataset/edit/{theirs['name']}", timeout=60, allow_redirects=False,
                        data={"_csrf_token": token, "name": theirs["name"], "title": "書き換え", "save": ""})
    assert edit.status_code == 403
    delete = browser.post(f"{url}/dataset/delete/{theirs['id']}", data={"_csrf_token": token}, timeout=60,
                          allow_redirects=False)
    assert delete.status_code == 403
    name = f"form-{uuid.uuid4().hex[:6]}"
    create = browser.post(f"{url}/dataset/new", timeout=60, allow_redirects=False,
                          data={"_csrf_token": token, "name": name, "title": "他部署へ", "owner_org": OTHER,
                                "category": "行財政", "license_id": "cc-by", "notes": "x", "save": ""})
    assert create.status_code in (200, 403)   # the form again with its error, or refused
    assert site.api("package_show", site.token, method="get", id=name).status_code == 404
    after = site.call("package_show", id=theirs["id"])
    assert (after["title"], after["state"]) == (theirs["title"], "active")


def test_forms_refuse_a_post_without_csrf_token(site, editor):
    own = site.call("package_create", name=f"csrf-{uuid.uuid4().hex[:6]}", title="元の題名",
                    owner_org="kikaku", category="行財政", license_id="cc-by", notes="x")
    browser = editor["browser"]
    form = {"name": own["name"], "title": "偽の題名", "notes": "x", "category": "行財政", "license_id": "cc-by",
            "owner_org": own["owner_org"], "save": ""}
    forged = browser.post(f"{site.url}/dataset/edit/{own['name']}", data=form, timeout=60, allow_redirects=False)
    assert forged.status_code == 400
    assert site.call("package_show", id=own["id"])["title"] == "元の題名"
    # With the token the same edit goes through: the refusal was the missing token.
    token = _csrf(browser.get(f"{site.url}/dataset/edit/{own['name']}", timeout=60).text)
    real = browser.post(f"{site.url}/dataset/edit/{own['name']}", data={**form, "_csrf_token": token,
                                                                         "title": "正しい題名"},
                        timeout=60, allow_redirects=False)
    assert real.status_code == 302, real.text[:500]
    assert site.call("package_show", id=own["id"])["title"] == "正しい題名"
    site.call("dataset_purge", id=own["id"])


def test_private_datasets_are_invisible_to_anonymous_visitors(site):
    word = f"非公開{uuid.uuid4().hex[:6]}"
    private = site.call("package_create", name=f"private-{uuid.uuid4().hex[:6]}", title=word, private=True,
                        owner_org="kikaku", category="行財政", license_id="cc-by", notes=word)
    site.call("resource_create", package_id=private["id"], name="CSV", url="https://example.org/p.csv", format="CSV")
    try:
        # Views by its department make it "popular" in the figures; still not shown to others.
        for _ in range(3):
            requests.get(f"{site.url}/dataset/{private['name']}", headers={"Authorization": site.token}, timeout=60)
        site.ckan("nakano", "metrics", "ingest")
        site.ckan("nakano", "metrics", "rollup")
        assert site.call("package_search", q=word, include_private=True)["count"] == 1   # it is there

        anonymous = requests.Session()
        assert site.call("package_search", token=None, q=word, include_private=True)["count"] == 0
        results = anonymous.get(f"{site.front}/dataset/", params={"q": word}, timeout=60).text
        assert f"/dataset/{private['name']}" not in results and "dataset-item" not in results
        assert f"/dataset/{private['name']}" in requests.get(f"{site.front}/dataset/", params={"q": word},
                                                             headers={"Authorization": site.token}, timeout=60).text
        assert site.api("package_show", method="get", id=private["id"]).status_code == 403
        assert anonymous.get(f"{site.front}/dataset/{private['name']}", timeout=60).status_code in (403, 404)
        for path in ("/catalog.ttl", "/catalog.jsonld", "/catalog.xml"):
            catalog = anonymous.get(site.front + path, timeout=60)
            assert catalog.status_code == 200 and private["id"] not in catalog.text and word not in catalog.text
        assert anonymous.get(f"{site.front}/dataset/{private['name']}.ttl", timeout=60).status_code in (403, 404)
        assert site.api("nakano_metrics_dataset", method="get", id=private["id"]).status_code == 403
        figures = site.api("nakano_metrics_site", method="get").text
        assert private["id"] not in figures and word not in figures
        assert word not in anonymous.get(site.front + "/metrics", timeout=60).text
        assert word not in anonymous.get(site.front + "/metrics/department/kikaku", timeout=60).text
        index = anonymous.get(site.front + "/sitemap.xml", timeout=60)
        assert index.status_code == 200 and "/sitemap/datasets-0.xml" in index.text
        sitemap = anonymous.get(site.front + "/sitemap/datasets-0.xml", timeout=60)
        assert sitemap.status_code == 200 and "/dataset/t131148" in sitemap.text
        assert private["name"] not in sitemap.text
    finally:
        site.call("dataset_purge", id=private["id"])


ACTIVE = {
    "page.html": ("text/html", b"<html><body><script>document.title='pwned'</script></body></html>"),
    "image.svg": ("image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
                                   b'<script>alert(2)</script></svg>'),
    "fake.csv": ("text/csv", b"<html><script>alert(3)</script></html>"),
}


def test_uploaded_html_and_svg_are_never_active(site, dataset):
    for filename, (_, content) in ACTIVE.items():
        answer = requests.post(f"{site.url}/api/3/action/resource_create", headers={"Authorization": site.token},
                               data={"package_id": dataset["id"], "name": filename},
                               files={"upload": (filename, content)}, timeout=60).json()
        assert answer["success"], answer
        resource = answer["result"]
        path = resource["url"].split("://", 1)[1].split("/", 1)[1]
        served = requests.get(f"{site.front}/{path}", timeout=60)
        assert served.status_code == 200 and served.content == content, filename
        policy = served.headers.get("Content-Security-Policy", "")
        # sandbox without allow-scripts: the browser runs no script of the file in any origin
        assert policy.startswith("sandbox") and "allow-scripts" not in policy, (filename, policy)
        assert served.headers["X-Content-Type-Options"] == "nosniff"


XSS = [
    "<script>alert('xss1')</script>",
    '<img src=x onerror="alert(\'xss2\')">',
    "[click](javascript:alert('xss3'))",
    "[click](JaVaScRiPt:alert('xss4'))",
    '<a href="javascript:alert(\'xss5\')">x</a>',
    '<a href="&#106;avascript:alert(\'xss6\')">x</a>',
    "<iframe src=\"javascript:alert('xss7')\"></iframe>",
    '<svg onload="alert(\'xss8\')"></svg>',
    "![x](x\" onerror=\"alert('xss9'))",
    "<details open ontoggle=\"alert('xss10')\">",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgneHNzMTEnKTwvc2NyaXB0Pg==">x</a>',
    "<style>@import 'javascript:alert(\"xss12\")';</style>",
    '<form action="javascript:alert(\'xss13\')"><button>x</button></form>',
    "[x](vbscript:alert('xss14'))",
    "</script><script>alert('xss15')</script>",      # out of the page's JSON-LD block
    '"}]</script><img src=x onerror=alert(\'xss16\')>',
]


class _Active(HTMLParser):
    """Collects what would run: script and iframe bodies, on* handlers, and script-ish URLs.
    JSON-LD blocks are data, not script: kept apart to check they stay valid JSON."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self.json_ld: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "style", "object", "embed"):
            self._in = "json-ld" if tag == "script" and ("type", "application/ld+json") in attrs else tag
            if self._in == "json-ld":
                self.json_ld.append("")
            if any("xss" in (v or "") for _, v in attrs):
                self.found.append(f"<{tag} {attrs}>")
        for key, value in attrs:
            value = html.unescape(value or "").strip().lower().replace("\t", "").replace("\n", "")
            if key.startswith("on") and "xss" in value:
                self.found.append(f"{tag} {key}={value}")
            if key in ("href", "src", "action", "formaction", "data") and \
                    value.startswith(("javascript:", "vbscript:", "data:text/html")):
                self.found.append(f"{tag} {key}={value}")

    def handle_endtag(self, tag):
        if tag in ("script", "iframe", "style", "object", "embed"):
            self._in = None

    def handle_data(self, data):
        if self._in == "json-ld":
            self.json_ld[-1] += data
        elif self._in and "xss" in data:
            self.found.append(f"<{self._in}>{data}")


def test_markdown_fields_render_no_script(site, dataset):
    text = "\n\n".join(XSS)
    site.call("package_patch", id=dataset["id"], notes=text)
    resource = site.call("resource_create", package_id=dataset["id"], name="説明付き", description=text,
                         url="https://example.org/d.csv", format="CSV")
    pages = [f"/dataset/{dataset['name']}", f"/dataset/{dataset['name']}/resource/{resource['id']}",
             "/dataset/?q=" + dataset["name"], "/organization/kikaku"]
    for path in pages:
        page = requests.get(site.front + path, timeout=60)
        assert page.status_code == 200, path
        parser = _Active()
        parser.feed(page.text)
        assert not parser.found, (path, parser.found)
        for block in parser.json_ld:   # the payloads stay inside the JSON-LD data
            json.loads(block)
    # the payload was on the page (as text), so the check looked at it
    shown = requests.get(f"{site.front}/dataset/{dataset['name']}", timeout=60).text
    assert "xss3" in shown or "click" in shown


class _Canary(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):   # noqa: N802
        _Canary.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"[]")

    def log_message(self, *args):
        pass


def test_harvest_sources_on_internal_addresses_are_refused(site, tmp_path):
    """Each payload declared as a folder, CKAN and DCAT source and run by the portal's
    own gather consumer: every job ends with the refusal, nothing reaches the canary
    listening on loopback, and nothing is published."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Canary)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    payloads = [
        f"http://127.0.0.1:{port}/", f"http://localhost:{port}/", f"http://127.1:{port}/",
        f"http://2130706433:{port}/", f"http://0x7f000001:{port}/", f"http://0177.0.0.1:{port}/",
        f"http://[::1]:{port}/", f"http://[::ffff:127.0.0.1]:{port}/", f"http://0.0.0.0:{port}/",
        f"http://user@127.0.0.1:{port}/", "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/", "http://192.168.1.1/", "http://[fd00::1]/", f"gopher://127.0.0.1:{port}/",
        "file:///etc/passwd",
    ]
    tag = uuid.uuid4().hex[:4]
    # One URL per source: ckanext-harvest refuses two sources whose URLs differ only
    # in their query, so each gets a path of its own.
    sources = [{"id": f"ssrf-{kind}-{number}-{tag}", "department": "kikaku", "type": kind,
                "url": f"{url.rstrip('/')}/{kind}-{tag}/", "title": f"SSRF {number}"}
               for number, url in enumerate(payloads) for kind in ("folder", "ckan", "dcat")
               if not (kind == "folder" and url.startswith("file:"))]   # local folders: checked below
    try:
        # Each source declared on its own: a URL that is not http(s) or that parsers read
        # differently is refused when declared (the file named, nothing created); the
        # others are created and must be refused when their job runs.
        declared = []
        for number, source in enumerate(sources):
            folder = tmp_path / f"sources-{number}"
            folder.mkdir()
            (folder / "ssrf.yaml").write_text(yaml.safe_dump({"sources": [source]}, allow_unicode=True),
                                              encoding="utf-8")
            done = site.ckan("nakano", "harvest", "sync", str(folder), check=False)
            if done.returncode == 0:
                declared.append(source)
            else:
                assert "ssrf.yaml" in done.stderr and "Traceback" not in done.stderr, done.stderr[-1000:]
                assert site.api("harvest_source_show", site.token, id=source["id"]).status_code == 404, source
        refused_early = {s["url"] for s in sources} - {s["url"] for s in declared}
        assert any("gopher:" in url for url in refused_early) and any("127.1:" in url for url in refused_early), \
            sorted(refused_early)
        ids = {s["id"]: site.call("harvest_source_show", id=s["id"])["id"] for s in declared}
        jobs = {name: site.call("harvest_job_create", source_id=ids[name])["id"] for name in ids}
        deadline = time.monotonic() + 300
        pending = set(jobs)
        while pending and time.monotonic() < deadline:
            site.call("harvest_jobs_run")   # marks jobs whose gather ended as finished
            pending = {s for s, job in jobs.items() if site.call("harvest_job_show", id=job)["status"] != "Finished"}
            time.sleep(2)
        assert not pending, f"jobs still running after 5 min: {sorted(pending)[:5]}"
        for source, job in jobs.items():
            report = site.call("harvest_job_report", id=job)
            messages = " ".join(e["message"] for e in report["gather_errors"])
            assert re.search("内部ネットワーク|http\\(s\\)|private|not-http|HTTP", messages), (source, messages)
            assert site.call("harvest_job_show", id=job)["stats"].get("added", 0) == 0, source
        assert _Canary.hits == [], _Canary.hits
        # A local folder outside the allowed roots is refused when it is declared.
        local = tmp_path / "local"
        local.mkdir()
        (local / "etc.yaml").write_text(yaml.safe_dump({"sources": [
            {"id": f"ssrf-local-{tag}", "department": "kikaku", "type": "folder", "url": "file:///etc/"}]}),
            encoding="utf-8")
        refused = site.ckan("nakano", "harvest", "sync", str(local), check=False)
        assert refused.returncode != 0 and "etc.yaml" in refused.stderr, refused.stderr[-1000:]
    finally:
        server.shutdown()
        remove_sources(site, [s["id"] for s in sources])
