"""No credential is readable by anyone but its owner: xloader's job
information, its log and errors, and CKAN's task status hold none for a
department's editor."""
from __future__ import annotations

import json
import logging
import uuid

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers
from ckanext.xloader import db as xloader_db
from ckanext.xloader.jobs import StoringHandler

from ckanext.nakano import redact

SECRET = "eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJzaXRlLXVzZXIifQ.c2lnbmF0dXJlLW9mLXRoZS1zaXRlLXVzZXI"


@pytest.fixture()
def loaded(clean_db):
    """A resource of department A with an xloader job as a real job leaves it:
    its input (with the site user's token), a log and an error."""
    site = factories.Sysadmin()
    editor, outsider = factories.User(), factories.User()
    org, other = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}]), \
        factories.Organization(users=[{"name": outsider["name"], "capacity": "editor"}])
    pkg = factories.Dataset(owner_org=org["id"], private=True, category="その他", license_id="cc-by")
    resource = factories.Resource(package_id=pkg["id"], url="https://example.org/a.csv", format="CSV")
    job_id = str(uuid.uuid4())
    xloader_db.init(tk.config)
    xloader_db.add_pending_job(job_id, job_type="xloader_to_datastore", api_key=SECRET,
                               result_url="http://127.0.0.1:5000/api/3/action/xloader_hook",
                               metadata={"resource_id": resource["id"], "ckan_url": "http://127.0.0.1:5000",
                                         "original_url": resource["url"]})
    logger = logging.getLogger(job_id)
    handler = StoringHandler(job_id, {})
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.info("Fetching from: http://clerk:hunter22@files.example.org/a.csv")
    logger.info("request headers {'Authorization': '%s'}", SECRET)
    logger.removeHandler(handler)
    xloader_db.mark_job_as_errored(job_id, f"upload failed with token {SECRET}")
    helpers.call_action("task_status_update", context={"user": site["name"]}, entity_id=resource["id"],
                        entity_type="resource", task_type="xloader", key="xloader", state="error",
                        value=json.dumps({"job_id": job_id}), error=json.dumps({"message": f"token {SECRET}"}),
                        last_updated="2026-12-05T00:00:00")
    return {"resource": resource, "editor": editor, "outsider": outsider, "site": site, "job_id": job_id}


@pytest.mark.ckan_config("ckanext.xloader.api_token", SECRET)
def test_xloader_status_shows_no_credential_to_an_editor(loaded):
    status = helpers.call_action("xloader_status", context={"user": loaded["editor"]["name"]},
                                 resource_id=loaded["resource"]["id"])
    shown = json.dumps(status, ensure_ascii=False)
    assert SECRET not in shown and "hunter22" not in shown and "api_key" not in shown
    # What the status page needs is still there.
    assert status["status"] == "error" and status["task_info"]["job_id"] == loaded["job_id"]
    messages = [entry["message"] for entry in status["task_info"]["logs"]]
    assert "Fetching from: http://[秘匿 / redacted]@files.example.org/a.csv" in messages
    assert redact.MASK in status["error"]["message"]


@pytest.mark.ckan_config("ckanext.xloader.api_token", SECRET)
def test_task_status_goes_to_those_who_may_see_the_resource_and_holds_no_credential(loaded):
    params = {"entity_id": loaded["resource"]["id"], "task_type": "xloader", "key": "xloader"}
    own = helpers.call_action("task_status_show", context={"user": loaded["editor"]["name"]}, **params)
    assert SECRET not in json.dumps(own) and own["state"] == "error"
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("task_status_show", context={"user": loaded["outsider"]["name"], "ignore_auth": False},
                            **params)
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("task_status_show", context={"user": "", "ignore_auth": False}, **params)


@pytest.mark.ckan_config("ckanext.xloader.api_token", "a-configured-token-value")
@pytest.mark.ckan_config("sqlalchemy.url", "postgresql://nakano:db-password-1@127.0.0.1/nakano")
def test_redaction_masks_configured_secrets_and_credential_shapes():
    text = redact.text("token a-configured-token-value, db db-password-1, "
                       f"{SECRET}, https://u:p4ss@host/x, X-CKAN-API-Key: abcdef123")
    for secret in ("a-configured-token-value", "db-password-1", SECRET, "p4ss", "abcdef123"):
        assert secret not in text
    assert redact.deep({"api_key": "short", "nested": [{"password": "pw"}], "ok": "plain"}) == \
        {"api_key": redact.MASK, "nested": [{"password": redact.MASK}], "ok": "plain"}


@pytest.mark.ckan_config("ckan.datastore.write_url", "postgresql://nakano:nakano@127.0.0.1/datastore")
def test_a_short_service_password_does_not_mask_words():
    """make up's local database password is the word "nakano": masking it turned the
    ward's own addresses in every error into "tokyo-[秘匿].lg.jp"."""
    said = "https://www.city.tokyo-nakano.lg.jp/x.csv: DNS"
    assert redact.text(said) == said
