"""What browsers may do with the portal's answers, from CKAN itself (port 5000
has no nginx): files are sandboxed downloads on every route and locale
prefix; pages carry a CSP without inline script."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories

from ckanext.nakano import response_policy

HTML = b"<html><body><script>alert(document.domain)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)"><circle r="5"/></svg>'
SITE = Path(tk.__file__).resolve().parents[2]
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

# CKAN's templates that have our copies without inline script, and the hash of
# the version copied: a CKAN upgrade that changes one fails here, so that the
# copy is brought up to date (docs/security.md, "Inline scripts").
OVERRIDDEN = {
    "ckan/templates/user/snippets/api_token_list.html": "f2c17fd0aa3554fd",
    "ckan/templates/user/snippets/api_token_create_form.html": "be0613f918bf7bda",
    "ckan/templates/package/snippets/resource_upload_field.html": "80e36399332bc1a7",
    "ckanext/datatablesview/templates/datatables/datatables_view.html": "f01df3cb0c91f937",
    "ckanext/datatablesview/templates/datatables/datatables_form.html": "f1ef21832115ccf3",
    "ckanext/textview/templates/text_view.html": "733c95a570601501",
}


@pytest.fixture()
def uploads(clean_db, create_with_upload):
    user = factories.Sysadmin()
    org = factories.Organization()
    pkg = factories.Dataset(owner_org=org["id"], category="その他", license_id="cc-by")
    ctx = {"user": user["name"]}
    return pkg, {name: create_with_upload(body, name, context=ctx, package_id=pkg["id"])
                 for name, body in (("evil.html", HTML), ("evil.svg", SVG), ("plain.csv", b"a,b\n1,2\n"),
                                    ("gadget.js", b"alert(document.domain)"))}


def _assert_file_answer(answer, name: str) -> None:
    assert answer.status_code == 200, answer.status_code
    assert answer.headers["Content-Security-Policy"] == response_policy.FILE_POLICY
    assert answer.headers["Content-Security-Policy"].startswith("sandbox;")
    assert answer.headers["Content-Disposition"].startswith("attachment") and name in \
        answer.headers["Content-Disposition"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_uploads_are_sandboxed_downloads_on_every_route_and_prefix(app, uploads):
    pkg, files = uploads
    for name, resource in files.items():
        base = f"/dataset/{pkg['name']}/resource/{resource['id']}/download"
        for path in (f"{base}/{name}", f"/en{base}/{name}", f"/ja{base}/{name}", base, f"/en{base}",
                     f"/dataset/{pkg['id']}/resource/{resource['id']}/download/other-name.html"):
            answer = app.get(path, follow_redirects=False)
            _assert_file_answer(answer, name if "other-name" not in path else "other-name.html")
    # Never a script or page type: a page of the portal loading an uploaded file
    # as a script (script-src 'self') must get nothing it would run.
    for name in ("evil.html", "evil.svg", "gadget.js"):
        answer = app.get(f"/dataset/{pkg['name']}/resource/{files[name]['id']}/download/{name}")
        assert answer.headers["Content-Type"].startswith("text/plain"), name
    # The body is untouched: the file is kept as uploaded.
    assert app.get(f"/dataset/{pkg['name']}/resource/{files['evil.html']['id']}/download/evil.html").data == HTML


def test_every_file_route_of_the_portal_is_known_to_the_policy(app):
    """A new route that sends files must be recognised (its path says download, dump or a
    file type: table.csv was added later without the policy and was missed)."""
    senders = [rule for rule in app.flask_app.url_map.iter_rules()
               if re.search(r"download|dump|utf8|export|/file/|uploads|\.(csv|xlsx)$", rule.rule)]
    assert len(senders) >= 8
    for rule in senders:
        assert response_policy.is_file_endpoint(rule.endpoint, rule.rule), rule


def test_pages_carry_a_policy_without_inline_script(app, uploads):
    pkg, files = uploads
    for path in ("/", "/en/", "/dataset/", f"/dataset/{pkg['name']}",
                 f"/dataset/{pkg['name']}/resource/{files['plain.csv']['id']}", "/user/login", "/api/docs"):
        answer = app.get(path)
        policy = answer.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src", 1)[1].split(";")[0]
        assert "unsafe-eval" not in policy and "frame-ancestors 'self'" in policy
        scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", answer.body)
        assert not scripts, (path, scripts)
        assert not re.search(r"\son(click|change|load|submit|error|mouseover)=", answer.body), path


def test_overridden_ckan_templates_match_the_version_they_were_copied_from():
    for upstream, digest in OVERRIDDEN.items():
        assert hashlib.sha256((SITE / upstream).read_bytes()).hexdigest()[:16] == digest, \
            f"{upstream} changed upstream: bring templates/ up to date and record the new hash"
        ours = TEMPLATES / upstream.split("/templates/", 1)[1]
        text = ours.read_text(encoding="utf-8")
        assert "<script>" not in text and not re.search(r"\son(click|change)=", text), ours
